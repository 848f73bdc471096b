/**
 * The runtime's conformance suite (test/conformance/) on a generated app of each major: copied into the app's
 * test/ folder and run by the app's own e2e runner (Jest and CommonJS on Nest 11, Vitest and ES modules on
 * Nest 12) against the packed package the app installed, with a real redis-server for its scale-out part.
 * Once per major, instead of in every app's generated tests.
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostMajor } from './hosts';
import { recordTestCounts } from './report';
import { run } from './shell';

const SUITE = join(__dirname, '../../conformance');
const TARGET = 'test/conformance';

/** How each major's e2e runner runs one folder of the app's test/. */
const RUN_FOLDER: Record<HostMajor, (folder: string) => string[]> = {
  11: (folder) => ['jest', '--config', './test/jest-e2e.json', folder],
  12: (folder) => ['vitest', 'run', '--config', './vitest.config.e2e.ts', folder],
};

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? typescriptFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Runs the suite in `appDir` and removes it again, so the app's own build and lint never see it. A CommonJS
 * host gets the suite's relative imports without their `.js` suffix, as Jest resolves them there.
 */
export function runConformance(appDir: string, major: HostMajor, label: string): string {
  const target = join(appDir, TARGET);
  cpSync(SUITE, target, { recursive: true });
  try {
    if (major === 11) {
      for (const file of typescriptFiles(target)) {
        writeFileSync(file, readFileSync(file, 'utf-8').replace(/(from '\.{1,2}\/[^']+)\.js'/g, "$1'"));
      }
    }
    const output = run('npx', RUN_FOLDER[major](TARGET), appDir);
    expect(output).not.toMatch(/redis-server is not on PATH/);
    recordTestCounts(`${label} runtime conformance`, output);
    return output;
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}
