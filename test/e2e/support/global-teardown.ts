import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Prints the test counts every host reported, so a run's log quotes them in one place. */
export default function globalTeardown(): void {
  const runDir = process.env.HARNESS_RUN_DIR;
  const summary = runDir ? join(runDir, 'summary.txt') : undefined;
  if (summary && existsSync(summary)) {
    process.stdout.write(`\nGenerated-app test counts (${runDir}):\n${readFileSync(summary, 'utf-8')}`);
  }
}
