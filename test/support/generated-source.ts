import { Tree } from '@angular-devkit/schematics';
import { readSourceFile, ts } from '../../src/utils/typescript';

/**
 * The `realtimeOptions` object of an app's owned `realtime.options.ts`, read from its AST: string and boolean
 * literals as values, anything else (e.g. `AuthPolicy`) as its source text. What RealtimeModule.forRoot gets.
 *
 * @example
 * realtimeOptions(tree); // { auth: 'hs256', redisAdapter: 'pubsub', ..., authPolicy: 'AuthPolicy' }
 */
export function realtimeOptions(tree: Tree, path = '/src/realtime/realtime.options.ts'): Record<string, unknown> {
  const source = readSourceFile(tree, path);
  const declaration = source.statements
    .filter(ts.isVariableStatement)
    .flatMap((statement) => [...statement.declarationList.declarations])
    .find((candidate) => candidate.name.getText(source) === 'realtimeOptions');
  const literal = declaration?.initializer;
  if (literal === undefined || !ts.isObjectLiteralExpression(literal)) {
    throw new Error(`${path} declares no \`realtimeOptions = {...}\``);
  }
  return Object.fromEntries(
    literal.properties.filter(ts.isPropertyAssignment).map((property) => {
      const value = property.initializer;
      const read = ts.isStringLiteral(value)
        ? value.text
        : value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword
          ? value.kind === ts.SyntaxKind.TrueKeyword
          : value.getText(source);
      return [property.name.getText(source), read];
    }),
  );
}

/**
 * Where each named import of a file comes from, read from its AST: `{ RealtimeModule: ['nest-realtime'] }`.
 * A name imported twice lists both specifiers, so a test can check it is imported once.
 */
export function namedImports(tree: Tree, path: string): Record<string, string[]> {
  const imports: Record<string, string[]> = {};
  for (const declaration of readSourceFile(tree, path).statements.filter(ts.isImportDeclaration)) {
    const bindings = declaration.importClause?.namedBindings;
    const from = (declaration.moduleSpecifier as ts.StringLiteral).text;
    for (const element of bindings && ts.isNamedImports(bindings) ? bindings.elements : []) {
      (imports[element.name.text] ??= []).push(from);
    }
  }
  return imports;
}

/** The statements of main.ts's `bootstrap()`, as text. */
export function bootstrapStatements(tree: Tree, mainPath = '/src/main.ts'): string[] {
  const source = readSourceFile(tree, mainPath);
  const bootstrap = source.statements.find(ts.isFunctionDeclaration);
  return bootstrap?.body?.statements.map((statement) => statement.getText(source)) ?? [];
}
