import { Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { ts } from './typescript';

/** One `import … from '<relative>'` of a project file, resolved to the tree file it names. */
export interface RelativeImport {
  /** The importing file. */
  from: string;
  /** The imported file in the tree. */
  to: string;
  declaration: ts.ImportDeclaration;
  source: ts.SourceFile;
  /** The names it imports; undefined for a default or namespace import, which names no export. */
  names?: string[];
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'coverage', '.git']);

/** Every TypeScript file below `dir` of the tree, build output and dependencies left out. */
export function typeScriptFiles(tree: Tree, dir: string): string[] {
  const folder = tree.getDir(dir);
  return [
    ...folder.subfiles
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => posix.join(dir, file)),
    ...folder.subdirs
      .filter((sub) => !SKIPPED_FOLDERS.has(sub))
      .flatMap((sub) => typeScriptFiles(tree, posix.join(dir, sub))),
  ];
}

/** The tree file a relative specifier names (`./a`, `./a.js`, `./a/index`), if it exists. */
export function resolveRelative(tree: Tree, fromFile: string, specifier: string): string | undefined {
  const base = posix.join(posix.dirname(fromFile), specifier.replace(/\.js$/, ''));
  return [`${base}.ts`, posix.join(base, 'index.ts')].find((candidate) => tree.exists(candidate));
}

/**
 * The relative imports of the project's TypeScript files (below `roots`), resolved to tree files.
 *
 * @example
 * relativeImports(tree, ['/src', '/test']).filter((entry) => entry.to.startsWith('/src/realtime/'));
 */
export function relativeImports(tree: Tree, roots: string[]): RelativeImport[] {
  return roots
    .filter((root) => tree.getDir(root).subfiles.length + tree.getDir(root).subdirs.length > 0)
    .flatMap((root) => typeScriptFiles(tree, root))
    .flatMap((file) => {
      const source = ts.createSourceFile(file, tree.readText(file), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      return source.statements.flatMap((statement): RelativeImport[] => {
        if (
          !ts.isImportDeclaration(statement) ||
          !ts.isStringLiteral(statement.moduleSpecifier) ||
          !statement.moduleSpecifier.text.startsWith('.')
        ) {
          return [];
        }
        const to = resolveRelative(tree, file, statement.moduleSpecifier.text);
        if (to === undefined) {
          return [];
        }
        const clause = statement.importClause;
        const bindings = clause?.namedBindings;
        const names =
          clause?.name === undefined && (bindings === undefined || ts.isNamedImports(bindings))
            ? (bindings?.elements ?? []).map((element) => (element.propertyName ?? element.name).text)
            : undefined;
        return [{ from: file, to, declaration: statement, source, names }];
      });
    });
}
