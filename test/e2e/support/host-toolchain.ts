import { HostMajor, STRICT_LINT } from './hosts';
import type { NodeRuntime } from './node-runtimes';
import { recordTestCounts } from './report';
import { run } from './shell';

/**
 * What a team runs once `realtime-gateway chat` is in: the host's own build and lint, our stricter lint over
 * the generated files, then the host's unit and e2e tests. The test counts are recorded under `label`.
 */
export function checkChatWithHostToolchain(appDir: string, major: HostMajor, label: string, node?: NodeRuntime): void {
  const sh = (command: string, args: string[]) => run(command, args, appDir, node?.env);
  sh('npm', ['run', 'build']);
  sh('npm', ['run', 'lint']);
  sh(...STRICT_LINT[major](['src/realtime', 'src/chat', 'test']));
  const unit = sh('npm', ['test']);
  // The Nest CLI exits 0 when a schematic throws: a stock app would pass its stock tests.
  expect(unit).toMatch(/chat\.gateway\.spec/);
  recordTestCounts(`${label} unit`, unit);
  const e2e = sh('npm', ['run', 'test:e2e']);
  expect(e2e).toMatch(/chat\.e2e-spec/);
  expect(recordTestCounts(`${label} e2e`, e2e)).not.toMatch(/skipped/);
}
