import { logging } from '@angular-devkit/core';
import { callRule, Rule, SchematicContext } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';

/** Runs the built collection's schematics in memory, as the Nest CLI runs them. */
export const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

/** Every file of the tree and its content: equal snapshots mean a run changed nothing. */
export function snapshot(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.map((path) => [path, tree.readContent(path)]));
}

/** What a rule logged, by level. */
export interface RuleLogs {
  info: string[];
  warn: string[];
}

/** Runs `run` (e.g. a runner.runSchematic), keeping what the runner logged meanwhile. */
export async function withRunnerLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: RuleLogs }> {
  const logs: RuleLogs = { info: [], warn: [] };
  const subscription = runner.logger.subscribe((entry) => {
    if (entry.level === 'info' || entry.level === 'warn') {
      logs[entry.level].push(entry.message);
    }
  });
  try {
    return { result: await run(), logs };
  } finally {
    subscription.unsubscribe();
  }
}

/** Runs one rule on `tree` in a schematic context of our collection, returning what it logged. */
export async function applyRule(rule: Rule, tree: UnitTestTree): Promise<RuleLogs> {
  const logger = new logging.Logger('rule');
  const logs: RuleLogs = { info: [], warn: [] };
  logger.subscribe((entry) => {
    if (entry.level === 'info' || entry.level === 'warn') {
      logs[entry.level].push(entry.message);
    }
  });
  const schematic = runner.engine.createSchematic('nest-add', runner.engine.createCollection('nest-realtime'));
  const context = runner.engine.createContext(schematic, { logger } as Partial<SchematicContext>);
  await lastValueFrom(callRule(rule, tree, context as SchematicContext));
  return logs;
}
