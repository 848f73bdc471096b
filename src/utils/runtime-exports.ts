import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ts } from './typescript';

/** The runtime's sources, shipped in the package beside dist/ (same depth from src/utils and dist/utils). */
export const RUNTIME_SOURCE_ROOT = join(__dirname, '..', '..', 'runtime');

/** Each import specifier of the runtime and the source file that is its entry. */
export const RUNTIME_ENTRIES: Readonly<Record<string, string>> = {
  'nest-realtime': 'index.ts',
  'nest-realtime/testing': 'testing/index.ts',
  'nest-realtime/contract': 'contract.ts',
  'nest-realtime/redis': 'redis/index.ts',
};

const cache = new Map<string, ReadonlySet<string>>();

/**
 * The names a runtime entry exports, read from the runtime's TypeScript sources by AST (re-exports and
 * `export *` followed), so a migration knows which of an old import's names the package provides.
 *
 * @example
 * runtimeExports('nest-realtime').has('useRealtimeAdapter'); // true
 */
export function runtimeExports(specifier: string): ReadonlySet<string> {
  const entry = RUNTIME_ENTRIES[specifier];
  if (entry === undefined) {
    return new Set();
  }
  let names = cache.get(specifier);
  if (names === undefined) {
    names = exportedNames(join(RUNTIME_SOURCE_ROOT, entry), new Set());
    cache.set(specifier, names);
  }
  return names;
}

/**
 * The runtime entry that exports every one of `names`, the main entry first; undefined when none does.
 *
 * @example
 * entryExporting(['createRealtimeTestingApp', 'testTokenFor']); // 'nest-realtime/testing'
 */
export function entryExporting(names: readonly string[]): string | undefined {
  return Object.keys(RUNTIME_ENTRIES).find((specifier) => {
    const exported = runtimeExports(specifier);
    return names.every((name) => exported.has(name));
  });
}

function exportedNames(file: string, visited: Set<string>): Set<string> {
  const names = new Set<string>();
  if (visited.has(file) || !existsSync(file)) {
    return names;
  }
  visited.add(file);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf-8'), ts.ScriptTarget.Latest, true);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const from =
        statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
          ? join(dirname(file), statement.moduleSpecifier.text.replace(/\.js$/, '.ts'))
          : undefined;
      if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        statement.exportClause.elements.forEach((element) => names.add(element.name.text));
      } else if (from !== undefined) {
        exportedNames(from, visited).forEach((name) => names.add(name));
      }
      continue;
    }
    const exported = ts.canHaveModifiers(statement)
      ? ts.getModifiers(statement)?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)
      : false;
    if (!exported) {
      continue;
    }
    if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach(
        (declaration) => ts.isIdentifier(declaration.name) && names.add(declaration.name.text),
      );
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name !== undefined
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}
