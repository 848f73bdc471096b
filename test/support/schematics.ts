import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';

/** Runs the built collection's schematics in memory, as the Nest CLI runs them. */
export const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

/** Every file of the tree and its content: equal snapshots mean a run changed nothing. */
export function snapshot(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.map((path) => [path, tree.readContent(path)]));
}
