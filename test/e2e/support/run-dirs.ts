import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A harness run installs about 5 GB (a scaffold per host and Node, a copy per scenario, Node releases). Runs
 * share one disk with every other run on the machine, so each run gives its installs back when it ends and
 * the next run clears what a killed run left behind. Sources, logs and the summary stay for diagnosis.
 */

/** Written by the teardown: the run ended and holds no installs. */
const FINISHED = 'finished';
/** Finished runs whose sources are kept (tens of MB each). */
const KEEP_FINISHED = 5;
/** A run without the marker that is older than this was killed; the harness takes about 20 minutes. */
const ABANDONED_AFTER_MS = 6 * 60 * 60 * 1000;

/** Removes every installed tree (node_modules, Node releases) under dir; returns the bytes given back. */
export function removeInstalls(dir: string): number {
  let freed = 0;
  const visit = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (!entry.isDirectory()) {
        continue;
      }
      const child = join(path, entry.name);
      if (entry.name === 'node_modules' || /^node-\d+\.\d+\.\d+$/.test(entry.name)) {
        freed += sizeOf(child);
        rmSync(child, { recursive: true, force: true });
      } else {
        visit(child);
      }
    }
  };
  visit(dir);
  return freed;
}

function sizeOf(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) {
    return 0;
  }
  if (!stat.isDirectory() || stat.isSymbolicLink()) {
    return stat.size;
  }
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    total += entry.isSymbolicLink() ? 0 : sizeOf(child);
  }
  return total;
}

/** Marks a run as ended after giving back its installs (the teardown's half). */
export function finishRun(runDir: string): number {
  const freed = removeInstalls(runDir);
  writeFileSync(join(runDir, FINISHED), `${new Date().toISOString()}\n`);
  return freed;
}

/**
 * Clears earlier runs under root (the setup's half): whole runs that were killed, installs a finished run
 * still holds, and finished runs beyond the newest few. Runs still going (no marker, recent) are left alone:
 * another harness on the same machine may own them.
 */
export function pruneRuns(root: string, current: string, now = Date.now()): string[] {
  if (!existsSync(root)) {
    return [];
  }
  const removed: string[] = [];
  const finished: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (dir === current || !statSync(dir).isDirectory()) {
      continue;
    }
    if (existsSync(join(dir, FINISHED))) {
      removeInstalls(dir);
      finished.push(dir);
    } else if (now - statSync(dir).mtimeMs > ABANDONED_AFTER_MS) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  for (const dir of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
