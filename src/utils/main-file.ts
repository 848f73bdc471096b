import { Tree } from '@angular-devkit/schematics';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { applyToUpdateRecorder } from '@schematics/angular/utility/change';
import { posix } from 'node:path';
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
 *
 * @example
 * ensureRealtimeAdapter(tree, '/src/main.ts', 'nest-realtime');
 */
export function ensureRealtimeAdapter(tree: Tree, mainPath: string, importPath: string): MainFileEdit {
  const edit = ensureCallAfterCreate(
    tree,
    mainPath,
    USE_ADAPTER_FUNCTION,
    (app) => `await ${USE_ADAPTER_FUNCTION}(${app});`,
  );
  if (edit === MainFileEdit.Added) {
    const recorder = tree.beginUpdate(mainPath);
    applyToUpdateRecorder(recorder, [
      insertImport(readSourceFile(tree, mainPath), mainPath, USE_ADAPTER_FUNCTION, importPath),
    ]);
    tree.commitUpdate(recorder);
  }
  return edit;
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
  for (const statement of source.statements) {
    const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
    const imported =
      bindings !== undefined &&
      ts.isNamedImports(bindings) &&
      bindings.elements.some((element) => element.name.text === className);
    const specifier = imported ? (statement as ts.ImportDeclaration).moduleSpecifier : undefined;
    if (specifier !== undefined && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) {
      const path = `${posix.join(posix.dirname(mainPath), specifier.text.replace(/\.js$/, ''))}.ts`;
      return tree.exists(path) ? { className, path } : undefined;
    }
  }
  return undefined;
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
