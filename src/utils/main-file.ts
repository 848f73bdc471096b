import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { applyToUpdateRecorder } from '@schematics/angular/utility/change';
import { resolveRelative } from './import-graph';
import { readSourceFile, ts } from './typescript';

/** What an `ensure…` edit did to the entry file. */
export enum MainFileEdit {
  Added = 'added',
  /** An earlier release's call was brought up to date. */
  Updated = 'updated',
  AlreadyPresent = 'already-present',
  /** The bootstrap has an unfamiliar shape: nothing was changed, the caller should tell the user. */
  NotUnderstood = 'not-understood',
}

/**
 * The signals that shut the app down. Others keep their meaning: SIGUSR2 for heap snapshots
 * (`--heapsnapshot-signal=SIGUSR2`), SIGHUP for log rotation. Nest listens to every signal it knows when given
 * none.
 */
export const SHUTDOWN_SIGNALS = "['SIGTERM', 'SIGINT']";

/** The call we ensure: graceful shutdown on SIGTERM and SIGINT that exits 0 instead of re-raising the signal. */
export const SHUTDOWN_HOOKS_CALL = `enableShutdownHooks(${SHUTDOWN_SIGNALS}, { useProcessExit: true })`;

/**
 * Makes sure the application created by `NestFactory.create()` in the entry file runs shutdown hooks on
 * SIGTERM and SIGINT, so the gateway can notify clients. Finds `const <app> = await NestFactory.create(...)` in
 * the AST and inserts `<app>.enableShutdownHooks(...)` right after it. Idempotent. An existing call with an
 * empty signal list (what earlier releases wrote, which shuts the app down on any signal, SIGUSR2 and SIGHUP
 * included) gets the two signals; any other existing call is respected as it is.
 *
 * @example
 * ensureShutdownHooks(tree, '/src/main.ts'); // MainFileEdit.Added, then MainFileEdit.AlreadyPresent
 */
export function ensureShutdownHooks(tree: Tree, mainPath: string): MainFileEdit {
  const emptySignalLists = findCalls(readSourceFile(tree, mainPath), 'enableShutdownHooks')
    .map((call) => call.arguments[0])
    .filter(
      (signals) => signals !== undefined && ts.isArrayLiteralExpression(signals) && signals.elements.length === 0,
    );
  if (emptySignalLists.length > 0) {
    const recorder = tree.beginUpdate(mainPath);
    for (const signals of emptySignalLists) {
      recorder.remove(signals.getStart(), signals.getWidth());
      recorder.insertRight(signals.getStart(), SHUTDOWN_SIGNALS);
    }
    tree.commitUpdate(recorder);
    return MainFileEdit.Updated;
  }
  return ensureCallAfterCreate(tree, mainPath, 'enableShutdownHooks', (app) => `${app}.${SHUTDOWN_HOOKS_CALL};`);
}

/** Whether the entry file calls `enableShutdownHooks()` without signals, so every signal stops the app. */
export function shutsDownOnEverySignal(tree: Tree, mainPath: string): boolean {
  return findCalls(readSourceFile(tree, mainPath), 'enableShutdownHooks').some((call) => call.arguments.length === 0);
}

/**
 * Makes sure the entry file installs the runtime's socket.io adapter (the Redis one when REDIS_URL is set) by
 * calling `useRealtimeAdapter(app)` right after the application is created, and importing it. Idempotent.
 * Nest's stock `app.useWebSocketAdapter(new IoAdapter(app))` gives way to it (ours is one); an adapter that
 * extends the runtime's counts as ours; any other adapter would switch the limits off, so the run stops with a
 * SchematicsException saying what to change, before anything is written.
 *
 * @example
 * ensureRealtimeAdapter(tree, '/src/main.ts', 'nest-realtime', (_file, specifier) => specifier.startsWith('nest-realtime'));
 */
export function ensureRealtimeAdapter(
  tree: Tree,
  mainPath: string,
  importPath: string,
  isRuntimeImport: RuntimeImportTest,
): MainFileEdit {
  const source = readSourceFile(tree, mainPath);
  const calls = adapterCalls(tree, mainPath, source, isRuntimeImport);
  const stock = calls.filter(({ kind }) => kind === AdapterKind.Stock).map(({ statement }) => statement);
  if (stock.length > 0) {
    replaceStockAdapter(tree, mainPath, source, stock, importPath);
    return MainFileEdit.Updated;
  }
  if (calls.length > 0) {
    return MainFileEdit.AlreadyPresent;
  }
  const edit = ensureCallAfterCreate(
    tree,
    mainPath,
    USE_ADAPTER_FUNCTION,
    (app) => `await ${USE_ADAPTER_FUNCTION}(${app});`,
  );
  if (edit === MainFileEdit.Added) {
    addAdapterImport(tree, mainPath, importPath);
  }
  return edit;
}

/**
 * Throws the SchematicsException of {@link ensureRealtimeAdapter} when the entry file sets a WebSocket adapter
 * that is neither Nest's stock one nor the runtime's: a check to run before a schematic writes anything.
 */
export function assertAdapterReplaceable(tree: Tree, mainPath: string, isRuntimeImport: RuntimeImportTest): void {
  if (tree.exists(mainPath)) {
    adapterCalls(tree, mainPath, readSourceFile(tree, mainPath), isRuntimeImport);
  }
}

/** Whether `specifier`, imported by `fromFile`, names the nest-realtime runtime (the package, or its ejected copy). */
export type RuntimeImportTest = (fromFile: string, specifier: string) => boolean;

enum AdapterKind {
  /** Nest's `IoAdapter`: ours does all it does. */
  Stock,
  /** The runtime's adapter, or a class that extends it. */
  Realtime,
  Other,
}

const RUNTIME_ADAPTERS = new Set(['RealtimeIoAdapter', 'RedisIoAdapter']);

/** How many classes deep an adapter's `extends` chain is followed to the runtime's. */
const MAX_ADAPTER_ANCESTORS = 4;

/** The file's `useWebSocketAdapter(...)` statements and what each installs; throws on another adapter. */
function adapterCalls(
  tree: Tree,
  mainPath: string,
  source: ts.SourceFile,
  isRuntimeImport: RuntimeImportTest,
): Array<{ statement: AdapterStatement; kind: AdapterKind.Stock | AdapterKind.Realtime }> {
  return findCalls(source, 'useWebSocketAdapter').map((call) => {
    const kind = adapterKind(tree, mainPath, source, call, isRuntimeImport);
    // Replaced statement by statement, so a stock adapter set inside an expression counts as another.
    if (
      kind === AdapterKind.Other ||
      !ts.isExpressionStatement(call.parent) ||
      !ts.isPropertyAccessExpression(call.expression)
    ) {
      throw otherAdapterError(source, mainPath, call);
    }
    return { statement: { statement: call.parent, app: call.expression.expression.getText(source) }, kind };
  });
}

/** `app.useWebSocketAdapter(...);` as a statement of its own, and the application it is called on. */
interface AdapterStatement {
  statement: ts.ExpressionStatement;
  app: string;
}

function adapterKind(
  tree: Tree,
  mainPath: string,
  source: ts.SourceFile,
  call: ts.CallExpression,
  isRuntimeImport: RuntimeImportTest,
): AdapterKind {
  const argument = call.arguments[0];
  const className = argument === undefined ? undefined : constructedClass(source, argument);
  if (className === undefined) {
    return AdapterKind.Other;
  }
  const imported = importOf(source, className);
  if (imported?.specifier === '@nestjs/platform-socket.io' && imported.name === 'IoAdapter') {
    return AdapterKind.Stock;
  }
  return extendsRuntimeAdapter(tree, mainPath, source, className, isRuntimeImport, MAX_ADAPTER_ANCESTORS)
    ? AdapterKind.Realtime
    : AdapterKind.Other;
}

/** Whether class `name`, as `source` (at `path`) sees it, is the runtime's adapter or extends it. */
function extendsRuntimeAdapter(
  tree: Tree,
  path: string,
  source: ts.SourceFile,
  name: string,
  isRuntimeImport: RuntimeImportTest,
  depth: number,
): boolean {
  const imported = importOf(source, name);
  if (imported !== undefined) {
    if (isRuntimeImport(path, imported.specifier)) {
      return RUNTIME_ADAPTERS.has(imported.name);
    }
    const file = imported.specifier.startsWith('.') ? resolveRelative(tree, path, imported.specifier) : undefined;
    return (
      file !== undefined &&
      depth > 0 &&
      extendsRuntimeAdapter(tree, file, readSourceFile(tree, file), imported.name, isRuntimeImport, depth - 1)
    );
  }
  const declaration = source.statements.find(
    (statement): statement is ts.ClassDeclaration => ts.isClassDeclaration(statement) && statement.name?.text === name,
  );
  const parent = declaration?.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]
    ?.expression;
  return (
    parent !== undefined &&
    ts.isIdentifier(parent) &&
    depth > 0 &&
    extendsRuntimeAdapter(tree, path, source, parent.text, isRuntimeImport, depth - 1)
  );
}

/** The class an adapter argument constructs: `new X(...)`, or a variable of the file initialised so. */
function constructedClass(source: ts.SourceFile, argument: ts.Expression): string | undefined {
  let expression: ts.Expression | undefined = argument;
  if (ts.isIdentifier(argument)) {
    let initializer: ts.Expression | undefined;
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === argument.text) {
        initializer = node.initializer;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    expression = initializer;
  }
  return expression !== undefined && ts.isNewExpression(expression) && ts.isIdentifier(expression.expression)
    ? expression.expression.text
    : undefined;
}

/** The `import { … }` element that brings `localName` into `source`, with its declaration. */
function findNamedImport(
  source: ts.SourceFile,
  localName: string,
): { declaration: ts.ImportDeclaration; bindings: ts.NamedImports; element: ts.ImportSpecifier } | undefined {
  for (const declaration of source.statements.filter(ts.isImportDeclaration)) {
    const bindings = declaration.importClause?.namedBindings;
    const element =
      bindings !== undefined && ts.isNamedImports(bindings)
        ? bindings.elements.find((candidate) => candidate.name.text === localName)
        : undefined;
    if (element !== undefined) {
      return { declaration, bindings: element.parent, element };
    }
  }
  return undefined;
}

/** The module and exported name of a name `source` imports, e.g. `{ specifier: '@nestjs/platform-socket.io', name: 'IoAdapter' }`. */
function importOf(source: ts.SourceFile, localName: string): { specifier: string; name: string } | undefined {
  const found = findNamedImport(source, localName);
  const specifier = found?.declaration.moduleSpecifier;
  return found !== undefined && specifier !== undefined && ts.isStringLiteral(specifier)
    ? { specifier: specifier.text, name: (found.element.propertyName ?? found.element.name).text }
    : undefined;
}

function otherAdapterError(source: ts.SourceFile, mainPath: string, call: ts.CallExpression): SchematicsException {
  const line = source.getLineAndCharacterOfPosition(call.getStart(source)).line + 1;
  return new SchematicsException(
    [
      `${mainPath.replace(/^\//, '')}:${line} sets a WebSocket adapter of its own: ${call.getText(source)}`,
      'Realtime gateways need the nest-realtime adapter: on another one their event rate limits, flood ' +
        'disconnects and payload limits are off, and with NODE_ENV=production the app refuses to start. ' +
        'Nothing was written. Either:',
      `  - remove that call and the adapter's setup, then run this again: it adds \`await ${USE_ADAPTER_FUNCTION}(app)\`, ` +
        'which relays through Redis when REDIS_URL is set (REDIS_ADAPTER=pubsub, sharded or streams); or',
      "  - make the adapter class extend RealtimeIoAdapter from 'nest-realtime' (or RedisIoAdapter from " +
        "'nest-realtime/redis'), then run this again.",
    ].join('\n'),
  );
}

/**
 * Puts `await useRealtimeAdapter(app)` in place of the first `app.useWebSocketAdapter(new IoAdapter(app))`
 * (unless the file calls it already), removes the others, and the import of IoAdapter once nothing uses it.
 */
function replaceStockAdapter(
  tree: Tree,
  mainPath: string,
  source: ts.SourceFile,
  statements: AdapterStatement[],
  importPath: string,
): void {
  const present = findCalls(source, USE_ADAPTER_FUNCTION).length > 0;
  const recorder = tree.beginUpdate(mainPath);
  statements.forEach(({ statement, app }, index) => {
    if (index === 0 && !present) {
      recorder.remove(statement.getStart(source), statement.getWidth(source));
      recorder.insertRight(statement.getStart(source), `await ${USE_ADAPTER_FUNCTION}(${app});`);
    } else {
      const { start, end } = wholeLines(source, statement);
      recorder.remove(start, end - start);
    }
  });
  tree.commitUpdate(recorder);
  removeUnusedImport(tree, mainPath, 'IoAdapter');
  if (!present) {
    addAdapterImport(tree, mainPath, importPath);
  }
}

/** The lines `node` fills, from the start of its first to the end of its last, line break included. */
function wholeLines(source: ts.SourceFile, node: ts.Node): { start: number; end: number } {
  const text = source.getFullText();
  const start = node.getStart(source);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', node.getEnd());
  return {
    start: text.slice(lineStart, start).trim() === '' ? lineStart : start,
    end: lineEnd === -1 ? text.length : lineEnd + 1,
  };
}

function addAdapterImport(tree: Tree, mainPath: string, importPath: string): void {
  const recorder = tree.beginUpdate(mainPath);
  applyToUpdateRecorder(recorder, [
    insertImport(readSourceFile(tree, mainPath), mainPath, USE_ADAPTER_FUNCTION, importPath),
  ]);
  tree.commitUpdate(recorder);
}

/** Removes the named import `name` (its whole declaration when it was the only one) if nothing else uses it. */
function removeUnusedImport(tree: Tree, path: string, name: string): void {
  const source = readSourceFile(tree, path);
  let uses = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name && !ts.isImportSpecifier(node.parent)) {
      uses += 1;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const found = uses === 0 ? findNamedImport(source, name) : undefined;
  if (found === undefined) {
    return;
  }
  const { declaration, bindings, element } = found;
  const recorder = tree.beginUpdate(path);
  if (bindings.elements.length === 1 && declaration.importClause?.name === undefined) {
    const { start, end } = wholeLines(source, declaration);
    recorder.remove(start, end - start);
  } else {
    const index = bindings.elements.indexOf(element);
    const next = bindings.elements[index + 1];
    const end = next === undefined ? element.getEnd() : next.getStart(source);
    const start = next === undefined && index > 0 ? bindings.elements[index - 1].getEnd() : element.getStart(source);
    recorder.remove(start, end - start);
  }
  tree.commitUpdate(recorder);
}

/** The module an entry file boots, and the file that declares it. */
export interface RootModule {
  className: string;
  path: string;
}

/**
 * The module `NestFactory.create(...)` boots in the entry file, found through the relative import of its
 * class: `AppModule` in '/src/app.module.ts' for a fresh app, `AdminModule` for a monorepo's `nest g app admin`.
 * Undefined when the entry file has another shape or the file is not in the tree.
 *
 * @example
 * findRootModule(tree, '/src/main.ts'); // { className: 'AppModule', path: '/src/app.module.ts' }
 */
export function findRootModule(tree: Tree, mainPath: string): RootModule | undefined {
  const source = readSourceFile(tree, mainPath);
  const booted = findCalls(source, 'create')
    .filter((call) => {
      const callee = call.expression;
      return ts.isPropertyAccessExpression(callee) && callee.expression.getText(source) === 'NestFactory';
    })
    .map((call) => call.arguments[0])
    .find((argument) => argument !== undefined && ts.isIdentifier(argument));
  if (booted === undefined) {
    return undefined;
  }
  const className = booted.getText(source);
  const specifier = importOf(source, className)?.specifier;
  const path = specifier?.startsWith('.') ? resolveRelative(tree, mainPath, specifier) : undefined;
  return path === undefined ? undefined : { className, path };
}

/** Packages whose side-effect import loads the environment, as `import 'dotenv/config'` does. */
const ENVIRONMENT_LOADER = /^(dotenv|dotenv-flow|dotenv-expand|@dotenvx\/dotenvx)\/config$/;

/**
 * The side-effect imports of the entry file that load the environment (`import 'dotenv/config'`), in order:
 * what a second entry of the app (`src/asyncapi.ts`) needs before it imports the root module, whose
 * configuration may read variables when it is imported.
 *
 * @example
 * environmentImports(tree, '/src/main.ts'); // ['dotenv/config']
 */
export function environmentImports(tree: Tree, mainPath: string): string[] {
  return readSourceFile(tree, mainPath)
    .statements.filter(ts.isImportDeclaration)
    .filter((declaration) => declaration.importClause === undefined)
    .map((declaration) => declaration.moduleSpecifier)
    .filter((specifier): specifier is ts.StringLiteral => ts.isStringLiteral(specifier))
    .map((specifier) => specifier.text)
    .filter((specifier) => ENVIRONMENT_LOADER.test(specifier));
}

/** The runtime's function main.ts calls to pick the socket.io adapter at run time. */
export const USE_ADAPTER_FUNCTION = 'useRealtimeAdapter';

/**
 * Inserts `statement(app)` right after `const app = await NestFactory.create(...)`, unless the file already
 * calls `calledName` anywhere.
 */
function ensureCallAfterCreate(
  tree: Tree,
  mainPath: string,
  calledName: string,
  statement: (appName: string) => string,
): MainFileEdit {
  const source = readSourceFile(tree, mainPath);
  if (findCalls(source, calledName).length > 0) {
    return MainFileEdit.AlreadyPresent;
  }
  const created = findCreatedApplication(source);
  if (!created) {
    return MainFileEdit.NotUnderstood;
  }
  const indent = ' '.repeat(source.getLineAndCharacterOfPosition(created.statement.getStart(source)).character);
  const recorder = tree.beginUpdate(mainPath);
  recorder.insertRight(created.statement.getEnd(), `\n${indent}${statement(created.appName)}`);
  tree.commitUpdate(recorder);
  return MainFileEdit.Added;
}

/** The statement `const app = await NestFactory.create(...)` and the variable it declares. */
function findCreatedApplication(source: ts.SourceFile): { statement: ts.Statement; appName: string } | undefined {
  for (const call of findCalls(source, 'create')) {
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.expression.getText(source) !== 'NestFactory') {
      continue;
    }
    const declaration = ts.isAwaitExpression(call.parent) ? call.parent.parent : call.parent;
    if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) {
      continue;
    }
    const statement = declaration.parent.parent;
    if (ts.isVariableStatement(statement)) {
      return { statement, appName: declaration.name.text };
    }
  }
  return undefined;
}

/** Calls of `name(...)` or `anything.name(...)`. */
function findCalls(source: ts.SourceFile, name: string): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    const callee = ts.isCallExpression(node) ? node.expression : undefined;
    if (
      callee &&
      ((ts.isPropertyAccessExpression(callee) && callee.name.text === name) ||
        (ts.isIdentifier(callee) && callee.text === name))
    ) {
      calls.push(node as ts.CallExpression);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}
