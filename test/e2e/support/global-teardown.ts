import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finishRun } from './run-dirs';

/**
 * Prints the test counts every host reported, so a run's log quotes them in one place, then gives back the
 * run's installs (about 5 GB; the apps' sources and logs stay). `HARNESS_KEEP_INSTALLS=1` keeps them, to
 * poke at a generated app after the run.
 */
export default function globalTeardown(): void {
  const runDir = process.env.HARNESS_RUN_DIR;
  if (!runDir) {
    return;
  }
  const summary = join(runDir, 'summary.txt');
  if (existsSync(summary)) {
    process.stdout.write(`\nGenerated-app test counts (${runDir}):\n${readFileSync(summary, 'utf-8')}`);
  }
  if (process.env.HARNESS_KEEP_INSTALLS === '1') {
    process.stdout.write(`Installs kept in ${runDir} (HARNESS_KEEP_INSTALLS=1).\n`);
    return;
  }
  const freed = finishRun(runDir);
  process.stdout.write(
    `Gave back ${(freed / 1024 ** 3).toFixed(1)} GB of installs from ${runDir}; sources and logs kept.\n`,
  );
}
