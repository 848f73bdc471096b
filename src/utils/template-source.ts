import { ts } from './typescript';

/**
 * Adapts a template that is ordinary TypeScript (written for an ES module host) to the host it is generated
 * into, by AST: each function returns the new text and leaves everything it does not target byte for byte.
 */

interface TextChange {
  start: number;
  end: number;
  text: string;
}

function parse(fileName: string, source: string): ts.SourceFile {
  return ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function applyChanges(source: string, changes: TextChange[]): string {
  return [...changes]
    .sort((a, b) => b.start - a.start)
    .reduce((text, change) => text.slice(0, change.start) + change.text + text.slice(change.end), source);
}

const RELATIVE_JS = /^(\.{1,2}\/.*)\.js$/;

/**
 * Relative `import`/`export ... from` specifiers and dynamic `import()`s end in `.js` in the source (what an ES
 * module host needs); a CommonJS host gets them without it (`importExtension` is `''`). Package specifiers are
 * left alone.
 *
 * @example
 * withImportExtension("import { x } from './a.js';", ''); // "import { x } from './a';"
 */
export function withImportExtension(fileName: string, source: string, importExtension: string): string {
  const changes: TextChange[] = [];
  const visit = (node: ts.Node): void => {
    const specifier =
      ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
        ? node.moduleSpecifier
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
          ? node.arguments[0]
          : undefined;
    const match = specifier && ts.isStringLiteral(specifier) ? RELATIVE_JS.exec(specifier.text) : null;
    if (specifier && match) {
      // Inside the quotes, so the template's quote style is kept.
      changes.push({ start: specifier.getStart() + 1, end: specifier.getEnd() - 1, text: match[1] + importExtension });
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(fileName, source));
  return applyChanges(source, changes);
}
