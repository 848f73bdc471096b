// @ts-check
// Fan-out: one room of M members and one sender in it. The sender's rate steps up until deliveries fall
// behind (or their p99 passes 2 s); the most deliveries per second any step's window saw is the system's
// fan-out capacity. Then, at 30 % of the baseline's capacity, the p99 of send → `newMessage` at every
// member. With --redis, members alternate between two instances, so half of every delivery crosses Redis.
// Members live in several load-worker processes; send and receipt times are wall-clock, read by each.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLoadGroup } from './load.mjs';
import { cpuMicros } from './processes.mjs';
import { percentile } from './stats.mjs';
import { withInstances } from './systems.mjs';

const CONTENT_LENGTH = 100;
const CONNECTIONS_PER_WORKER = 2_500;
// Far past anything this machine delivers; stops a step-up that never saturates.
const MAX_RATE = 10_000;

/** @typedef {import('./systems.mjs').RunningSystem} RunningSystem */
/** @typedef {import('./settings.mjs').BenchSettings['fanOut']} FanOutSettings */
/** @typedef {Awaited<ReturnType<typeof fanOutWindow>>} FanOutWindow */

/**
 * `members` clients in one room, spread over the instances; the first one sends.
 *
 * @param {RunningSystem[]} servers
 * @param {number} members
 * @returns {import('./load-worker.mjs').ClientSpec[]}
 */
function fanOutClients(servers, members) {
  return Array.from({ length: members }, (_, index) => {
    const server = servers[index % servers.length];
    return { url: server.namespaceUrl, token: server.tokenFor(`member-${index}`), room: 'fan-out', sends: index === 0 };
  });
}

/**
 * One window at `rate` messages per second from the sender: deliveries per second and their latency.
 *
 * @param {import('./load.mjs').LoadGroup} group
 * @param {RunningSystem[]} servers
 * @param {number} members
 * @param {FanOutSettings} phase
 * @param {number} rate
 */
async function fanOutWindow(group, servers, members, phase, rate) {
  const cpuBefore = servers.map((server) => cpuMicros(server.pid));
  const result = await group.load({
    rate,
    warmupMs: phase.warmupMs,
    windowMs: phase.windowMs,
    drainMs: phase.drainMs,
    maxInFlight: 20,
    contentLength: CONTENT_LENGTH,
    timeDeliveries: true,
  });
  const cpu = servers.reduce((total, server, index) => total + cpuMicros(server.pid) - cpuBefore[index], 0);
  if (result.errors > 0) throw new Error(`sendMessage failed at ${rate} msg/s: ${result.firstError}`);
  const windowSeconds = phase.windowMs / 1000;
  return {
    offeredPerSecond: rate,
    ackedPerSecond: result.ackedInWindow / windowSeconds,
    deliveredPerSecond: result.deliveredInWindow / windowSeconds,
    // Of the messages sent in the window, the share each member received by the end of the drain.
    deliveredShare: result.deliveryLatenciesMs.length / (result.sentInWindow * (members - 1)),
    p50DeliveryMs: percentile(result.deliveryLatenciesMs, 50),
    p99DeliveryMs: percentile(result.deliveryLatenciesMs, 99),
    serverCpuMs: cpu / 1000,
  };
}

/**
 * Steps the sender's rate up by `factor` until its acks fall below 90 % of the rate (with at most 20 messages
 * in flight, a sender the server cannot keep up with is held back rather than queued), members receive less
 * than 95 % of the window's messages before its drain ends, or the delivery p99 passes maxP99Ms; the
 * capacity is the highest deliveries per second any window saw.
 *
 * @param {import('./load.mjs').LoadGroup} group
 * @param {RunningSystem[]} servers
 * @param {number} members
 * @param {FanOutSettings} phase
 */
async function stepUp(group, servers, members, phase) {
  /** @type {FanOutWindow[]} */
  const steps = [];
  for (let rate = phase.startRate; rate <= MAX_RATE; rate = Math.ceil(rate * phase.factor)) {
    const step = await fanOutWindow(group, servers, members, phase, rate);
    steps.push(step);
    const keptUp =
      step.ackedPerSecond >= 0.9 * rate && step.deliveredShare >= 0.95 && step.p99DeliveryMs <= phase.maxP99Ms;
    if (!keptUp) break;
  }
  return { maxDeliveredPerSecond: Math.max(...steps.map((step) => step.deliveredPerSecond)), steps };
}

/**
 * Both systems, one room of `members`: each is stepped up to its capacity in turn, then each gets one window
 * at 30 % of the baseline's capacity (in messages per second) for the delivery latency. Quick runs
 * (`scenariosSideBySide`) measure both at once, each at 30 % of its own capacity.
 *
 * @param {import('./settings.mjs').Measurement & { members: number, redisUrl?: string }} options
 */
export async function measureFanOut({ systems, app, settings, members, redisUrl, log }) {
  const phase = settings.fanOut;
  /** @typedef {{ members: number, saturation: Awaited<ReturnType<typeof stepUp>>, fixed: FanOutWindow }} FanOutRun */
  /**
   * @param {'baseline' | 'generated'} name
   * @param {(saturation: FanOutRun['saturation']) => number} fixedRateOf
   * @returns {Promise<FanOutRun>}
   */
  const measure = (name, fixedRateOf) => {
    /** @type {Record<string, string>} */
    const env = { JWT_SECRET: randomBytes(24).toString('hex'), ...(redisUrl && { REDIS_URL: redisUrl }) };
    const workers = Math.max(2, Math.ceil(members / CONNECTIONS_PER_WORKER));
    return withInstances(systems[name], app, env, redisUrl ? 2 : 1, (servers) =>
      withLoadGroup(workers, settings.workerLifetimeMs, async (group) => {
        const connection = await group.connect(fanOutClients(servers, members), {
          concurrency: 25,
          timeoutMs: 300_000,
        });
        if (connection.connected !== members) {
          throw new Error(`${connection.connected} of ${members} members connected: ${connection.firstError}`);
        }
        await sleep(phase.settleMs);
        const saturation = await stepUp(group, servers, members, phase);
        const fixedRate = fixedRateOf(saturation);
        const fixed = await fanOutWindow(
          group,
          servers,
          members,
          { ...phase, windowMs: phase.fixedWindowMs },
          fixedRate,
        );
        log(
          `fan-out ${members}${redisUrl ? ' (redis)' : ''}, ${name}: ${Math.round(saturation.maxDeliveredPerSecond)} ` +
            `deliveries/s at most; at ${fixedRate} msg/s p99 delivery ${fixed.p99DeliveryMs.toFixed(1)} ms`,
        );
        return { members, saturation, fixed };
      }),
    );
  };
  const ownRate = (/** @type {FanOutRun['saturation']} */ saturation) =>
    Math.max(1, Math.round((0.3 * saturation.maxDeliveredPerSecond) / (members - 1)));
  /** @type {{ baseline: FanOutRun, generated: FanOutRun }} */
  let results;
  if (settings.scenariosSideBySide) {
    // Quick runs: both at once, each at 30 % of its own capacity; the figures only show the run works.
    const [baseline, generated] = await Promise.all([measure('baseline', ownRate), measure('generated', ownRate)]);
    results = { baseline, generated };
  } else {
    // Full runs: one after the other, the generated system at the baseline's fixed rate.
    const baseline = await measure('baseline', ownRate);
    results = { baseline, generated: await measure('generated', () => baseline.fixed.offeredPerSecond) };
  }
  return {
    members,
    redis: Boolean(redisUrl),
    ...results,
    deliveriesPerSecondRatio:
      results.generated.saturation.maxDeliveredPerSecond / results.baseline.saturation.maxDeliveredPerSecond,
    p99DeliveryRatio: results.generated.fixed.p99DeliveryMs / results.baseline.fixed.p99DeliveryMs,
  };
}
