import { SchematicsException } from '@angular-devkit/schematics';
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
 * Relative `import`/`export ... from` specifiers end in `.js` in the template (what an ES module host needs);
 * a CommonJS host gets them without it (`importExtension` is `''`). Package specifiers are left alone.
 *
 * @example
 * withImportExtension("import { x } from './a.js';", ''); // "import { x } from './a';"
 */
export function withImportExtension(fileName: string, source: string, importExtension: string): string {
  const changes: TextChange[] = [];
  for (const statement of parse(fileName, source).statements) {
    const specifier =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    const match = specifier && ts.isStringLiteral(specifier) ? RELATIVE_JS.exec(specifier.text) : null;
    if (specifier && match) {
      // Inside the quotes, so the template's quote style is kept.
      changes.push({ start: specifier.getStart() + 1, end: specifier.getEnd() - 1, text: match[1] + importExtension });
    }
  }
  return applyChanges(source, changes);
}

/**
 * Sets the value of a top-level `const` (a project option the template declares with its default).
 *
 * @example
 * withConstValue('redis.config.ts', text, 'DEFAULT_ADAPTER_KIND', 'RedisAdapterKind.Streams');
 */
export function withConstValue(fileName: string, source: string, name: string, expression: string): string {
  const declaration = parse(fileName, source)
    .statements.filter(ts.isVariableStatement)
    .flatMap((statement) => [...statement.declarationList.declarations])
    .find((candidate) => ts.isIdentifier(candidate.name) && candidate.name.text === name);
  if (!declaration?.initializer) {
    throw new SchematicsException(`Template ${fileName} declares no top-level const ${name} to set.`);
  }
  return applyChanges(source, [
    { start: declaration.initializer.getStart(), end: declaration.initializer.getEnd(), text: expression },
  ]);
}

/**
 * Leaves an imported class out of a file: its import (the whole declaration when it imports nothing else)
 * and every array element that names it, with the separating comma (e.g. a module's `controllers`).
 *
 * @example
 * withoutImported('realtime.module.ts', text, 'MetricsController');
 */
export function withoutImported(fileName: string, source: string, name: string): string {
  const file = parse(fileName, source);
  const changes: TextChange[] = [];
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const bindings = node.importClause?.namedBindings;
      const named = bindings && ts.isNamedImports(bindings) ? bindings.elements : undefined;
      const element = named?.find((candidate) => candidate.name.text === name);
      if (named && element) {
        found = true;
        changes.push(
          named.length === 1 && !node.importClause?.name
            ? { start: node.getFullStart(), end: node.getEnd(), text: '' }
            : withoutListElement(named, element),
        );
      }
      return;
    }
    if (ts.isArrayLiteralExpression(node)) {
      for (const element of node.elements) {
        if (ts.isIdentifier(element) && element.text === name) {
          changes.push(withoutListElement(node.elements, element));
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!found) {
    throw new SchematicsException(`Template ${fileName} does not import ${name}.`);
  }
  return applyChanges(source, changes);
}

/** Removes one element of a comma-separated list with the comma that joins it to its neighbour. */
function withoutListElement(list: ts.NodeArray<ts.Node>, element: ts.Node): TextChange {
  const index = list.indexOf(element);
  if (list.length === 1) {
    return { start: element.getStart(), end: element.getEnd(), text: '' };
  }
  return index > 0
    ? { start: list[index - 1].getEnd(), end: element.getEnd(), text: '' }
    : { start: element.getStart(), end: list[index + 1].getStart(), text: '' };
}
