// @ts-check
// Cross-instance delivery through Redis: two instances of the generated app share a real redis-server that
// the bench starts on a free port; each room has its sender on one instance and its receiver on the other,
// and the time from send to receipt is measured (both clients live in one process, so one clock).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/lib/tooling.cjs';
import { withLoadGroup } from './load.mjs';
import { startServer } from './processes.mjs';
import { percentile } from './stats.mjs';
import { withSystem } from './systems.mjs';

const REDIS_SERVER = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
const SUPERVISE = join(dirname(fileURLToPath(import.meta.url)), 'supervise.cjs');

/** @typedef {import('./systems.mjs').RunningSystem} RunningSystem */
/** @typedef {import('./load-worker.mjs').ClientSpec} ClientSpec */
/** @typedef {import('./settings.mjs').Measurement} Measurement */

/** A redis-server on a free loopback port, without persistence; stop() ends it. */
export async function startRedis() {
  const port = await freePort();
  return startServer({
    name: 'redis-server',
    args: [SUPERVISE, REDIS_SERVER, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    port,
  });
}

/**
 * `pairs` rooms of two: a sender on one instance, a receiver on the other.
 *
 * @param {RunningSystem} sender
 * @param {RunningSystem} receiver
 * @param {number} pairs
 * @returns {ClientSpec[]}
 */
function pairedClients(sender, receiver, pairs) {
  return Array.from({ length: pairs }, (_, index) => [
    { url: sender.namespaceUrl, token: sender.tokenFor(`sender-${index}`), room: `pair-${index}`, sends: true },
    { url: receiver.namespaceUrl, token: receiver.tokenFor(`receiver-${index}`), room: `pair-${index}`, sends: false },
  ]).flat();
}

/**
 * Two instances of the generated app on one redis-server: delivery from one to the other, p50 and p99.
 *
 * @param {Measurement} options
 */
export async function measureCrossInstance({ systems, app, settings, log }) {
  const { pairs, rate, warmupMs, windowMs } = settings.redis;
  const redis = await startRedis();
  try {
    const env = { REDIS_URL: `redis://127.0.0.1:${redis.port}` };
    return await withSystem(systems.generated, app, env, (sender) =>
      withSystem(systems.generated, app, env, (receiver) =>
        withLoadGroup(1, settings.workerLifetimeMs, async (group) => {
          const connection = await group.connect(pairedClients(sender, receiver, pairs));
          if (connection.connected !== pairs * 2) {
            throw new Error(`${connection.connected} of ${pairs * 2} clients connected: ${connection.firstError}`);
          }
          const phase = { rate, warmupMs: 0, drainMs: 2_000, maxInFlight: 100, contentLength: 100 };
          await group.load({ ...phase, windowMs: warmupMs, timeDeliveries: false });
          const result = await group.load({ ...phase, windowMs, timeDeliveries: true });
          const measured = {
            sent: result.sent,
            acked: result.acked,
            delivered: result.delivered,
            p50Ms: percentile(result.deliveryLatenciesMs, 50),
            p99Ms: percentile(result.deliveryLatenciesMs, 99),
          };
          log(`cross-instance: ${measured.delivered}/${measured.acked} delivered, p99 ${measured.p99Ms.toFixed(1)} ms`);
          return measured;
        }),
      ),
    );
  } finally {
    await redis.stop();
  }
}
