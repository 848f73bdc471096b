import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { applyToUpdateRecorder, Change, InsertChange, NoopChange } from '@schematics/angular/utility/change';
import { readSourceFile, ts } from './typescript';

export type ModuleMetadataField = 'imports' | 'providers' | 'exports' | 'controllers';

/**
 * Adds `symbol` to one array of a Nest `@Module()` decorator and imports it from `importPath`, editing the
 * TypeScript AST. Idempotent: a symbol already listed, or already imported, is left as it is.
 *
 * @example
 * addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module');
 */
export function addToModuleMetadata(
  tree: Tree,
  modulePath: string,
  field: ModuleMetadataField,
  symbol: string,
  importPath: string,
): void {
  addEntryToModuleMetadata(tree, modulePath, field, {
    entry: symbol,
    imports: [{ symbol, from: importPath }],
  });
}

/** An entry of a module's metadata array that is an expression, and what it needs imported. */
export interface ModuleMetadataEntry {
  /** The entry's source text, e.g. `RealtimeModule.forRoot(realtimeOptions)`. */
  entry: string;
  imports: Array<{ symbol: string; from: string }>;
  /**
   * Whether an entry already there stands for this one (e.g. the team's own
   * `RealtimeModule.forRootAsync(...)`); by default, the same text.
   */
  isPresent?: (existing: string) => boolean;
}

/**
 * Adds an entry (any expression) to one array of a Nest `@Module()` decorator, with its imports, by AST.
 * Idempotent: when an entry that `isPresent` recognises is listed, nothing changes.
 *
 * @example
 * addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', {
 *   entry: 'RealtimeModule.forRoot(realtimeOptions)',
 *   imports: [{ symbol: 'RealtimeModule', from: 'nest-realtime' }, { symbol: 'realtimeOptions', from: './realtime/realtime.options' }],
 *   isPresent: (existing) => /^RealtimeModule\b/.test(existing),
 * });
 */
export function addEntryToModuleMetadata(
  tree: Tree,
  modulePath: string,
  field: ModuleMetadataField,
  { entry, imports, isPresent = (existing) => existing === entry }: ModuleMetadataEntry,
): void {
  const source = readSourceFile(tree, modulePath);
  const metadata = findModuleMetadata(source);
  if (!metadata) {
    throw new SchematicsException(
      `${modulePath} has no @Module({...}) decorator from @nestjs/common. ` +
        'Pass --module with the module to register in, or --skip-import to register it yourself.',
    );
  }
  const added = addToMetadataArray(source, modulePath, metadata, field, entry, isPresent);
  if (added instanceof NoopChange) {
    return;
  }
  const changes: Change[] = [
    added,
    ...imports.map(({ symbol, from }) => insertImport(source, modulePath, symbol, from)),
  ];
  const recorder = tree.beginUpdate(modulePath);
  applyToUpdateRecorder(recorder, changes);
  tree.commitUpdate(recorder);
}

/**
 * The object literal of `@Module({...})` on a class of the file, where `Module` is imported from
 * @nestjs/common under any local name. (@schematics/angular's getDecoratorMetadata only sees @angular/ imports.)
 */
export function findModuleMetadata(source: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  return findDecoratorMetadata(source, 'Module', '@nestjs/common');
}

/**
 * The object literal passed to a class decorator of the file, where the decorator is imported from `from`
 * under any local name; without `from`, a decorator the file declares itself under that name.
 *
 * @example
 * findDecoratorMetadata(source, 'WebSocketGateway', '@nestjs/websockets'); // { namespace: '/chat' }
 * findDecoratorMetadata(source, 'ServerEvents'); // { newMessage: NewMessageDto, ... }
 */
export function findDecoratorMetadata(
  source: ts.SourceFile,
  decoratorName: string,
  from?: string,
): ts.ObjectLiteralExpression | undefined {
  const localNames = new Set<string>(from === undefined ? [decoratorName] : []);
  for (const statement of source.statements) {
    const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
    const fromPackage =
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text === from;
    if (fromPackage && bindings && ts.isNamedImports(bindings)) {
      bindings.elements
        .filter((element) => (element.propertyName ?? element.name).text === decoratorName)
        .forEach((element) => localNames.add(element.name.text));
    }
  }
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement)) {
      continue;
    }
    for (const decorator of ts.getDecorators(statement) ?? []) {
      const call = decorator.expression;
      if (
        ts.isCallExpression(call) &&
        ts.isIdentifier(call.expression) &&
        localNames.has(call.expression.text) &&
        call.arguments[0] &&
        ts.isObjectLiteralExpression(call.arguments[0])
      ) {
        return call.arguments[0];
      }
    }
  }
  return undefined;
}

/** The value of `name: ...` in an object literal, when it is a plain property assignment. */
export function findProperty(
  source: ts.SourceFile,
  literal: ts.ObjectLiteralExpression,
  name: string,
): ts.Expression | undefined {
  return literal.properties.find(
    (candidate): candidate is ts.PropertyAssignment =>
      ts.isPropertyAssignment(candidate) && candidate.name.getText(source) === name,
  )?.initializer;
}

function addToMetadataArray(
  source: ts.SourceFile,
  modulePath: string,
  metadata: ts.ObjectLiteralExpression,
  field: ModuleMetadataField,
  symbol: string,
  isPresent: (existing: string) => boolean,
): Change {
  const array = findProperty(source, metadata, field);
  if (!array) {
    return insertProperty(source, modulePath, metadata, `${field}: [${symbol}]`);
  }
  if (!ts.isArrayLiteralExpression(array)) {
    throw new SchematicsException(
      `"${field}" in ${modulePath} is not an array literal, so ${symbol} cannot be added safely. ` +
        `Add ${symbol} to it by hand, or pass --skip-import.`,
    );
  }
  if (array.elements.some((element) => isPresent(element.getText(source)))) {
    return new NoopChange();
  }
  const last = array.elements[array.elements.length - 1];
  if (!last) {
    return new InsertChange(modulePath, array.getStart(source) + 1, symbol);
  }
  if (isMultiline(source, array)) {
    const indent = indentationOf(source, last);
    return new InsertChange(modulePath, last.getEnd(), `,\n${indent}${symbol}`);
  }
  return new InsertChange(modulePath, last.getEnd(), `, ${symbol}`);
}

function insertProperty(
  source: ts.SourceFile,
  modulePath: string,
  metadata: ts.ObjectLiteralExpression,
  text: string,
): Change {
  const first = metadata.properties[0];
  if (!first) {
    return new InsertChange(modulePath, metadata.getStart(source) + 1, `\n  ${text},\n`);
  }
  const separator = isMultiline(source, metadata) ? `,\n${indentationOf(source, first)}` : ', ';
  return new InsertChange(modulePath, first.getStart(source), `${text}${separator}`);
}

function isMultiline(source: ts.SourceFile, node: ts.Node): boolean {
  const { line: startLine } = source.getLineAndCharacterOfPosition(node.getStart(source));
  const { line: endLine } = source.getLineAndCharacterOfPosition(node.getEnd());
  return startLine !== endLine;
}

function indentationOf(source: ts.SourceFile, node: ts.Node): string {
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  const lineStart = source.getLineStarts()[line];
  return source.text.slice(lineStart, lineStart + character).replace(/\S/g, ' ');
}

/**
 * The entries of one array of a module file's @Module() metadata, as source text; empty when the file, the
 * decorator or the array is missing.
 *
 * @example
 * moduleMetadataEntries(tree, '/src/app.module.ts', 'imports'); // ['ChatModule']
 */
export function moduleMetadataEntries(tree: Tree, modulePath: string, field: ModuleMetadataField): string[] {
  if (!tree.exists(modulePath)) {
    return [];
  }
  const source = readSourceFile(tree, modulePath);
  const array = findModuleMetadata(source)
    ?.properties.filter(ts.isPropertyAssignment)
    .find((property) => property.name.getText(source) === field)?.initializer;
  return array && ts.isArrayLiteralExpression(array) ? array.elements.map((element) => element.getText(source)) : [];
}
