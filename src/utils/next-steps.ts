import { Tree } from '@angular-devkit/schematics';
import { E2E_SCRIPT } from './e2e-setup';
import { PackageJson, readJsonFile } from './host-project';

/** One command to run next, and what it is for. */
export type NextStep = [command: string, comment: string];

/** `title`, then each step as an aligned `  <command>  # <comment>` line. */
export function formatNextSteps(title: string, steps: NextStep[]): string {
  const width = Math.max(...steps.map(([command]) => command.length)) + 2;
  return [title, ...steps.map(([command, comment]) => `  ${command.padEnd(width)}# ${comment}`)].join('\n');
}

/** The app's npm scripts, as its package.json names them. */
export function appScripts(tree: Tree): Record<string, string> {
  return readJsonFile<PackageJson>(tree, '/package.json')?.scripts ?? {};
}

/**
 * Steps every schematic's message ends with: run the e2e specs (when the app has the script and `e2e` is not
 * false; `filter` narrows them to one feature's), open the playground.
 */
export function runSteps(
  scripts: Record<string, string>,
  { filter, e2e = true }: { filter?: string; e2e?: boolean } = {},
): NextStep[] {
  const steps: NextStep[] = [];
  if (e2e && scripts[E2E_SCRIPT] !== undefined) {
    steps.push(
      filter === undefined
        ? [`npm run ${E2E_SCRIPT}`, 'the e2e specs, the AsyncAPI one included']
        : [`npm run ${E2E_SCRIPT} -- ${filter}`, 'its e2e spec: the app, socket.io clients'],
    );
  }
  steps.push([
    `REALTIME_PLAYGROUND=1 npm run ${scripts['start:dev'] === undefined ? 'start' : 'start:dev'}`,
    'then open http://localhost:3000/realtime/playground (or your PORT)',
  ]);
  return steps;
}
