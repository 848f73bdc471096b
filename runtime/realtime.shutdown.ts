import type { ServerShutdownEvent } from './realtime.contract.js';
import { readInteger, type Environment } from './environment.js';

/**
 * When the first clients of a draining instance are asked back: long enough
 * for the load balancer to see readiness fail and route them elsewhere.
 * REALTIME_SHUTDOWN_RETRY_AFTER_MS overrides it (see resolveShutdownRetryAfterMs).
 */
export const SHUTDOWN_RETRY_AFTER_MS = 5_000;

/**
 * How fast the clients of a draining instance are asked back. Each
 * reconnect costs the instances that stay a handshake (token verification,
 * limits, rejoining rooms); told the same `retryAfter`, every client of the
 * instance would come back in the same instant and stall the event loop of
 * whichever instance takes them, for everyone already connected there.
 */
export const SHUTDOWN_RECONNECTS_PER_SECOND = 1_000;

/** However many clients an instance has, the last is asked back at most this long after the first. */
export const SHUTDOWN_MAX_SPREAD_MS = 10_000;

const NOTICE_MESSAGE = 'Server is shutting down, please reconnect.';

/**
 * The earliest `retryAfter` of a drain: REALTIME_SHUTDOWN_RETRY_AFTER_MS
 * (e.g. a shorter wait when readiness probes run every second), else
 * {@link SHUTDOWN_RETRY_AFTER_MS}. An invalid value is a startup error
 * naming the variable.
 */
export function resolveShutdownRetryAfterMs(env: Environment): number {
  return readInteger(
    env,
    'REALTIME_SHUTDOWN_RETRY_AFTER_MS',
    SHUTDOWN_RETRY_AFTER_MS,
    0,
  );
}

/**
 * The `serverShutdown` notices for `count` clients, one each: their
 * `retryAfter` starts at `retryAfterMs` and is spread evenly over
 * `count / reconnectsPerSecond` seconds (at most SHUTDOWN_MAX_SPREAD_MS), in
 * random order, so that the reconnects arrive at a steady rate.
 *
 * @example
 * const notices = shutdownNotices(sockets.length, resolveShutdownRetryAfterMs());
 * sockets.forEach((socket, i) => socket.emit('serverShutdown', notices[i]));
 */
export function shutdownNotices(
  count: number,
  retryAfterMs: number,
  reconnectsPerSecond = SHUTDOWN_RECONNECTS_PER_SECOND,
): ServerShutdownEvent[] {
  const spreadMs = Math.min(
    (count / reconnectsPerSecond) * 1_000,
    SHUTDOWN_MAX_SPREAD_MS,
  );
  const delays = Array.from({ length: count }, (_, slot) =>
    Math.floor(retryAfterMs + (spreadMs * slot) / count),
  );
  // Fisher–Yates: which client gets which slot is random.
  for (let last = delays.length - 1; last > 0; last--) {
    const other = Math.floor(Math.random() * (last + 1));
    [delays[last], delays[other]] = [delays[other], delays[last]];
  }
  return delays.map((retryAfter) => ({ message: NOTICE_MESSAGE, retryAfter }));
}
