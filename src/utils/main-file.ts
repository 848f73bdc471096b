import { Tree } from '@angular-devkit/schematics';
import { readSourceFile, ts } from './typescript';

/** What `ensureShutdownHooks` did to the entry file. */
export enum MainFileEdit {
  Added = 'added',
  AlreadyPresent = 'already-present',
  /** The bootstrap has an unfamiliar shape: nothing was changed, the caller should tell the user. */
  NotUnderstood = 'not-understood',
}

/** The call we ensure: graceful shutdown hooks that exit 0 instead of re-raising the signal. */
export const SHUTDOWN_HOOKS_CALL = 'enableShutdownHooks([], { useProcessExit: true })';

/**
 * Makes sure the application created by `NestFactory.create()` in the entry file runs shutdown hooks, so the
 * gateway can notify clients on SIGTERM. Finds `const <app> = await NestFactory.create(...)` in the AST and
 * inserts `<app>.enableShutdownHooks(...)` right after it. Idempotent: any existing `enableShutdownHooks`
 * call is respected as it is.
 *
 * @example
 * ensureShutdownHooks(tree, '/src/main.ts'); // MainFileEdit.Added, then MainFileEdit.AlreadyPresent
 */
export function ensureShutdownHooks(tree: Tree, mainPath: string): MainFileEdit {
  const source = readSourceFile(tree, mainPath);
  if (findCalls(source, 'enableShutdownHooks').length > 0) {
    return MainFileEdit.AlreadyPresent;
  }
  const created = findCreatedApplication(source);
  if (!created) {
    return MainFileEdit.NotUnderstood;
  }
  const indent = ' '.repeat(source.getLineAndCharacterOfPosition(created.statement.getStart(source)).character);
  const recorder = tree.beginUpdate(mainPath);
  recorder.insertRight(created.statement.getEnd(), `\n${indent}${created.appName}.${SHUTDOWN_HOOKS_CALL};`);
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

function findCalls(source: ts.SourceFile, methodName: string): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === methodName
    ) {
      calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}
