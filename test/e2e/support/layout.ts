/**
 * What the issue "the engine as a versioned runtime" asks of a generated app's layout, measured on it: the
 * app owns a few hundred lines of realtime setup, depends on the runtime at run time, its gateways import a
 * handful of names from one specifier, and its e2e specs test the feature.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { recordNote } from './report';

/** Lines of every file below `dir` of the app. */
function linesUnder(appDir: string, dir: string): number {
  return readdirSync(join(appDir, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + lineCount(join(entry.parentPath, entry.name)), 0);
}

export function lineCount(path: string): number {
  const text = readFileSync(path, 'utf-8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The specifiers a file imports from the runtime package, each with the names it imports. */
function runtimeImports(path: string): Map<string, string[]> {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf-8'), ts.ScriptTarget.Latest, true);
  const imports = new Map<string, string[]>();
  for (const statement of source.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      /^nest-realtime(\/|$)/.test(statement.moduleSpecifier.text)
    ) {
      const bindings = statement.importClause?.namedBindings;
      const names =
        bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => element.name.text) : [];
      imports.set(statement.moduleSpecifier.text, [...(imports.get(statement.moduleSpecifier.text) ?? []), ...names]);
    }
  }
  return imports;
}

/**
 * The owned src/realtime/ stays within 300 lines, nest-realtime is a run-time dependency, the gateway imports
 * at most three names from one runtime specifier, and each e2e spec stays within its budget: one for the spec
 * as realtime-gateway writes it; none once realtime-event has added tests (its lines are still reported).
 */
export function checkRuntimeLayout(
  appDir: string,
  label: string,
  gateways: Array<{ gateway: string; e2eSpec: string; maxE2eLines?: number }>,
): void {
  const owned = linesUnder(appDir, 'src/realtime');
  expect(owned).toBeLessThanOrEqual(300);
  const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf-8')) as {
    dependencies?: Record<string, string>;
  };
  expect(manifest.dependencies?.['nest-realtime']).toBeDefined();
  const notes = [`src/realtime/ ${owned} lines`];
  for (const { gateway, e2eSpec, maxE2eLines } of gateways) {
    const imports = runtimeImports(join(appDir, gateway));
    expect([...imports.keys()]).toEqual(['nest-realtime']);
    const names = imports.get('nest-realtime') ?? [];
    expect(names.length).toBeLessThanOrEqual(3);
    const e2eLines = lineCount(join(appDir, e2eSpec));
    if (maxE2eLines !== undefined) {
      expect({ e2eSpec, e2eLines, within: e2eLines <= maxE2eLines }).toEqual({ e2eSpec, e2eLines, within: true });
    }
    notes.push(`${gateway} imports ${names.join(', ')}; ${e2eSpec} ${e2eLines} lines`);
  }
  recordNote(`${label} layout`, notes.join('; '));
}
