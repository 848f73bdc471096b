import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureHighlights, run } from '../e2e/support/shell';

/** A red harness must name the broken test at the top of its message, where a cut CI log still shows it. */
describe('failureHighlights', () => {
  it('picks the failed tests and their errors out of a Vitest run, once each', () => {
    const output = [
      ' RUN  v4.1.12 /tmp/app',
      ' ✓ test/chat.e2e-spec.ts (41 tests) 11624ms',
      '       ✓ refuses a client without a token  300ms',
      ' ❯ test/chat.scale-out.e2e-spec.ts (9 tests | 1 failed) 9120ms',
      '       × tells room members who left on one instance 5012ms',
      '⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯',
      ' FAIL  test/chat.scale-out.e2e-spec.ts > scale-out > tells room members who left on one instance',
      'Error: Test timed out in 5000ms.',
      ' Test Files  1 failed | 3 passed (4)',
      '      Tests  1 failed | 98 passed (99)',
      ' FAIL  test/chat.scale-out.e2e-spec.ts > scale-out > tells room members who left on one instance',
    ].join('\n');

    expect(failureHighlights(output)).toEqual([
      '       × tells room members who left on one instance 5012ms',
      ' FAIL  test/chat.scale-out.e2e-spec.ts > scale-out > tells room members who left on one instance',
      'Error: Test timed out in 5000ms.',
      ' Test Files  1 failed | 3 passed (4)',
      '      Tests  1 failed | 98 passed (99)',
    ]);
  });

  it('picks Jest, tsc and ESLint failures', () => {
    const output = [
      'PASS src/app.controller.spec.ts',
      'FAIL test/chat.e2e-spec.ts',
      '  ● chat › relays a message',
      '    expect(received).toBe(expected)',
      "src/chat/chat.gateway.ts(3,10): error TS2305: Module './x' has no exported member 'Y'.",
      '✖ 2 problems (2 errors, 0 warnings)',
    ].join('\n');

    expect(failureHighlights(output)).toEqual([
      'FAIL test/chat.e2e-spec.ts',
      '  ● chat › relays a message',
      "src/chat/chat.gateway.ts(3,10): error TS2305: Module './x' has no exported member 'Y'.",
      '✖ 2 problems (2 errors, 0 warnings)',
    ]);
  });

  it('finds nothing in a passing run', () => {
    expect(failureHighlights(' ✓ test/chat.e2e-spec.ts (41 tests)\n Tests  41 passed (41)\n')).toEqual([]);
  });
});

describe('run', () => {
  const savedRunDir = process.env.HARNESS_RUN_DIR;
  let runDir: string;

  beforeEach(() => {
    runDir = mkdtempSync(join(tmpdir(), 'shell-'));
    process.env.HARNESS_RUN_DIR = runDir;
  });
  afterEach(() => {
    rmSync(runDir, { recursive: true, force: true });
    if (savedRunDir === undefined) {
      delete process.env.HARNESS_RUN_DIR;
    } else {
      process.env.HARNESS_RUN_DIR = savedRunDir;
    }
  });

  it("keeps a failed command's whole output in the run folder and names the file", () => {
    const script = 'for i in $(seq 1 5000); do echo "line $i"; done; echo " FAIL  test/a.e2e-spec.ts > breaks"; exit 3';

    let message = '';
    try {
      run('sh', ['-c', script], runDir);
    } catch (error) {
      message = (error as Error).message;
    }

    const [log] = readdirSync(join(runDir, 'failures'));
    expect(message).toContain(`exit status 3 (whole output: ${join(runDir, 'failures', log)})`);
    expect(message).toContain('What failed:\n FAIL  test/a.e2e-spec.ts > breaks\n');
    expect(message).not.toContain('line 1\n');
    const kept = readFileSync(join(runDir, 'failures', log), 'utf-8');
    expect(kept).toContain('line 1\nline 2\n');
    expect(kept).toContain('line 5000\n FAIL  test/a.e2e-spec.ts > breaks');
  });
});
