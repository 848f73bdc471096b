import { failureHighlights } from '../e2e/support/shell';

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
