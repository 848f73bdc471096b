import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishRun, pruneRuns } from '../e2e/support/run-dirs';

/** The harness's disk hygiene: what a run gives back when it ends, and what the next run clears. */
describe('harness run folders', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'run-dirs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function fakeRun(name: string): string {
    const dir = join(root, name);
    mkdirSync(join(dir, 'gateway-11', 'svc', 'node_modules', 'socket.io'), { recursive: true });
    writeFileSync(join(dir, 'gateway-11', 'svc', 'node_modules', 'socket.io', 'index.js'), 'x'.repeat(1000));
    writeFileSync(join(dir, 'gateway-11', 'svc', 'package.json'), '{}');
    mkdirSync(join(dir, 'node-24.22.3', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'node-24.22.3', 'bin', 'node'), 'y'.repeat(500));
    writeFileSync(join(dir, 'summary.txt'), 'gateway-11: 12 passed\n');
    return dir;
  }

  it('gives back installs and Node releases at the end of a run, keeping sources and the summary', () => {
    const dir = fakeRun('2026-12-02T06-00-00-000Z');

    expect(finishRun(dir)).toBe(1500);

    expect(existsSync(join(dir, 'gateway-11', 'svc', 'node_modules'))).toBe(false);
    expect(existsSync(join(dir, 'node-24.22.3'))).toBe(false);
    expect(existsSync(join(dir, 'gateway-11', 'svc', 'package.json'))).toBe(true);
    expect(existsSync(join(dir, 'summary.txt'))).toBe(true);
  });

  it('removes killed runs, keeps the newest five finished ones, and leaves runs still going alone', () => {
    const now = Date.now();
    const finished = Array.from({ length: 7 }, (_, i) => fakeRun(`2026-12-01T0${i}-00-00-000Z`));
    finished.forEach((dir) => finishRun(dir));
    const killed = fakeRun('2026-12-01T08-00-00-000Z');
    const old = new Date(now - 7 * 60 * 60 * 1000);
    utimesSync(killed, old, old);
    const going = fakeRun('2026-12-02T05-00-00-000Z');
    const current = fakeRun('2026-12-02T06-00-00-000Z');

    const removed = pruneRuns(root, current, now);

    expect(removed.sort()).toEqual([finished[0], finished[1], killed].sort());
    finished.slice(2).forEach((dir) => expect(existsSync(join(dir, 'summary.txt'))).toBe(true));
    expect(existsSync(join(going, 'gateway-11', 'svc', 'node_modules'))).toBe(true);
    expect(existsSync(join(current, 'gateway-11', 'svc', 'node_modules'))).toBe(true);
  });

  it('does nothing when no run was ever made', () => {
    expect(pruneRuns(join(root, 'missing'), join(root, 'missing', 'now'))).toEqual([]);
  });
});
