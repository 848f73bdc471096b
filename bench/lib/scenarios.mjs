// @ts-check
// The deployment scenarios: a reconnect storm after a deploy, presence churn, and fan-out to one big room.
// Each runs for the baseline and the generated app in turn, and again on two instances sharing a fresh
// redis-server when the bench runs with --redis. See bench/README.md for what each measures.
import { startRedis } from './cross-instance.mjs';
import { measureFanOut } from './fan-out.mjs';
import { measurePresenceChurn } from './presence-churn.mjs';
import { measureReconnectStorm } from './reconnect-storm.mjs';
import { ratio } from './stats.mjs';

const SYSTEM_NAMES = /** @type {const} */ (['baseline', 'generated']);

/** @typedef {import('./systems.mjs').System} System */
/** @typedef {{ baseline: System, generated: System }} Systems */
/**
 * @template T
 * @typedef {{ baseline: T, generated: T }} BothSystems
 */

/**
 * Runs `measure(redisUrl)` on a redis-server of its own, stopped afterwards.
 *
 * @template T
 * @param {(redisUrl: string) => Promise<T>} measure
 * @returns {Promise<T>}
 */
async function withRedis(measure) {
  const redis = await startRedis();
  try {
    return await measure(`redis://127.0.0.1:${redis.port}`);
  } finally {
    await redis.stop();
  }
}

/**
 * `measureOne(system, redisUrl)` for both systems, each on a fresh redis-server when `redis`: one after the
 * other, or at the same time when `sideBySide` (quick runs, whose figures only show the run works).
 *
 * @template T
 * @param {Systems} systems
 * @param {boolean} redis
 * @param {boolean | undefined} sideBySide
 * @param {(system: System, redisUrl?: string) => Promise<T>} measureOne
 * @returns {Promise<BothSystems<T>>}
 */
async function bothSystems(systems, redis, sideBySide, measureOne) {
  const measure = (/** @type {'baseline' | 'generated'} */ name) =>
    redis ? withRedis((url) => measureOne(systems[name], url)) : measureOne(systems[name]);
  if (sideBySide) {
    const [baseline, generated] = await Promise.all(SYSTEM_NAMES.map(measure));
    return { baseline, generated };
  }
  const baseline = await measure('baseline');
  const generated = await measure('generated');
  return { baseline, generated };
}

/**
 * Both systems' figures, and generated ÷ baseline for each figure named in `ratios` (ratio key → figure key).
 *
 * @template {Record<string, any>} T
 * @param {BothSystems<T>} figures
 * @param {Record<string, string>} ratios
 * @returns {BothSystems<T> & Record<string, number>}
 */
function withRatios({ baseline, generated }, ratios) {
  const divided = Object.entries(ratios).map(([key, figure]) => [key, ratio(generated[figure], baseline[figure])]);
  return { baseline, generated, ...Object.fromEntries(divided) };
}

const STORM_RATIOS = {
  allRejoinedRatio: 'allRejoinedMs',
  p99RejoinedRatio: 'p99RejoinedMs',
  cpuPerReconnectRatio: 'survivorCpuUsPerReconnect',
  peakEventLoopDelayRatio: 'peakEventLoopDelayMs',
};
const CHURN_RATIOS = { presenceEventsRatio: 'presenceEvents', serverCpuRatio: 'serverCpuMs' };

/**
 * Runs every scenario (and its --redis variant); `attempt(label, measure)` records a failure and yields
 * undefined, so one broken scenario does not stop the others.
 *
 * @param {import('./settings.mjs').Measurement & { redis: boolean,
 *   attempt: <T>(label: string, measure: () => Promise<T>) => Promise<T | undefined> }} options
 */
export async function measureScenarios({ systems, app, settings, redis, attempt, log }) {
  const variants = redis ? [false, true] : [false];
  /**
   * @type {{ reconnectStorm: Record<string, unknown>, presenceChurn: Record<string, unknown>,
   *   fanOut: Record<string, Array<Awaited<ReturnType<typeof measureFanOut>>>> }}
   */
  const results = { reconnectStorm: {}, presenceChurn: {}, fanOut: {} };
  for (const withRedisServer of variants) {
    const key = withRedisServer ? 'redis' : 'local';
    const where = withRedisServer ? ' with redis' : '';
    log(`reconnect storm${where}: ${settings.storm.clients} clients on two instances, one of them drains`);
    const storm = await attempt(`reconnect storm${where}`, () =>
      bothSystems(systems, withRedisServer, settings.scenariosSideBySide, (system, redisUrl) =>
        measureReconnectStorm({ system, app, settings, redisUrl, log }),
      ),
    );
    results.reconnectStorm[key] = storm && withRatios(storm, STORM_RATIOS);
    log(`presence churn${where}: ${settings.churn.leavers} of ${settings.churn.users} users leave at once`);
    const churn = await attempt(`presence churn${where}`, () =>
      bothSystems(systems, withRedisServer, settings.scenariosSideBySide, (system, redisUrl) =>
        measurePresenceChurn({ system, app, settings, redisUrl, log }),
      ),
    );
    results.presenceChurn[key] = churn && withRatios(churn, CHURN_RATIOS);
    // Across Redis, the smallest room only: the largest one measures the same per-delivery work.
    const roomSizes = withRedisServer ? settings.fanOut.members.slice(0, 1) : settings.fanOut.members;
    const fanOuts = [];
    for (const members of roomSizes) {
      log(`fan-out${where}: one room of ${members}`);
      const fanOut = await attempt(`fan-out ${members}${where}`, () =>
        withRedisServer
          ? withRedis((redisUrl) => measureFanOut({ systems, app, settings, members, redisUrl, log }))
          : measureFanOut({ systems, app, settings, members, log }),
      );
      if (fanOut) fanOuts.push(fanOut);
    }
    results.fanOut[key] = fanOuts;
  }
  return results;
}
