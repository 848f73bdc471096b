/**
 * Earlier releases of nest-realtime, packed from our own history as users installed them: the last one that
 * copied the kit into apps, and the runtime release before this one. Packed once per harness run.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import releases from '../../../scripts/releases.json';
import { runDir } from './apps';
import { withLock } from './lock';
import { run } from './shell';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** The last release that copied the engine into apps as `src/realtime/` (0.1.0). */
export const LAST_COPIED_KIT_RELEASE = releases.lastCopiedKit;

/** The runtime release before this one (0.2.0), whose presence bug this one fixes. */
export const PREVIOUS_RUNTIME_RELEASE = releases.previousRuntime;

/** The tarball of `commit` as `npm pack` made it then; a shallow clone lacking the commit fails saying so. */
export function packRelease(commit: string): string {
  const dir = join(runDir(), `release-${commit}`);
  const packDir = join(dir, 'pack');
  withLock(runDir(), `release-${commit}`, () => {
    if (existsSync(packDir)) {
      return;
    }
    mkdirSync(dir, { recursive: true });
    run('git', ['cat-file', '-e', `${commit}^{commit}`], REPO_ROOT);
    run('sh', ['-c', `git -C "${REPO_ROOT}" archive ${commit} | tar -x -C "${dir}"`], dir);
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir);
    mkdirSync(packDir);
    run('npm', ['pack', '--pack-destination', packDir], dir);
  });
  return join(packDir, readdirSync(packDir).find((file) => file.endsWith('.tgz')) ?? 'missing.tgz');
}
