import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A lock older than this belongs to a run that died; the slowest guarded step (a scaffold) takes ~2 min. */
const STALE_AFTER_MS = 15 * 60 * 1000;
const POLL_MS = 500;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `step` while holding a lock named `key` in `dir`, so harness files running side by side in separate
 * Jest workers do not scaffold the same app or install the same Node at once. mkdir is atomic: whoever
 * creates the folder holds the lock; the others wait for it to go.
 */
export function withLock<T>(dir: string, key: string, step: () => T): T {
  const lock = join(dir, 'locks', key);
  mkdirSync(join(dir, 'locks'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_AFTER_MS) {
          rmSync(lock, { recursive: true, force: true });
        }
      } catch {
        // Released between mkdir and stat: try again.
      }
      sleep(POLL_MS);
    }
  }
  try {
    return step();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
