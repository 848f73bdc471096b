import {
  resolveShutdownRetryAfterMs,
  SHUTDOWN_MAX_SPREAD_MS,
  SHUTDOWN_RETRY_AFTER_MS,
  shutdownNotices,
} from '../../runtime/realtime.shutdown.js';

const RETRY_AFTER_MS = 5_000;

function delaysOf(count: number, reconnectsPerSecond?: number): number[] {
  return shutdownNotices(count, RETRY_AFTER_MS, reconnectsPerSecond).map(({ retryAfter }) => retryAfter);
}

describe('shutdownNotices', () => {
  it('gives every client one notice that asks it back after retryAfterMs or later', () => {
    const notices = shutdownNotices(3, RETRY_AFTER_MS);

    expect(notices).toHaveLength(3);
    for (const notice of notices) {
      expect(notice.message).toBe('Server is shutting down, please reconnect.');
      expect(notice.retryAfter).toBeGreaterThanOrEqual(RETRY_AFTER_MS);
    }
  });

  it('spreads the reconnects evenly at the given rate', () => {
    const delays = delaysOf(2_000, 1_000).sort((a, b) => a - b);

    expect(delays[0]).toBe(RETRY_AFTER_MS);
    expect(delays.at(-1)).toBe(RETRY_AFTER_MS + 1_999);
    // At most one reconnect per millisecond: 1,000 per second.
    expect(new Set(delays).size).toBe(2_000);
  });

  it('asks everyone back within the longest spread however many clients there are', () => {
    const delays = delaysOf(100_000, 1_000);

    expect(delays.reduce((a, b) => Math.max(a, b))).toBeLessThan(RETRY_AFTER_MS + SHUTDOWN_MAX_SPREAD_MS);
  });

  it('hands out the delays in random order', () => {
    const delays = delaysOf(1_000, 100);

    expect(delays).not.toEqual([...delays].sort((a, b) => a - b));
  });

  it('returns no notice when no client is connected', () => {
    expect(shutdownNotices(0, RETRY_AFTER_MS)).toEqual([]);
  });
});

describe('resolveShutdownRetryAfterMs', () => {
  it('reads REALTIME_SHUTDOWN_RETRY_AFTER_MS, with 5 s when unset', () => {
    expect(resolveShutdownRetryAfterMs({})).toBe(SHUTDOWN_RETRY_AFTER_MS);
    expect(resolveShutdownRetryAfterMs({ REALTIME_SHUTDOWN_RETRY_AFTER_MS: '1000' })).toBe(1_000);
  });

  it('refuses a value that is not a whole number of milliseconds, naming the variable', () => {
    expect(() => resolveShutdownRetryAfterMs({ REALTIME_SHUTDOWN_RETRY_AFTER_MS: '1s' })).toThrow(
      'REALTIME_SHUTDOWN_RETRY_AFTER_MS must be an integer of at least 0; got "1s".',
    );
  });
});
