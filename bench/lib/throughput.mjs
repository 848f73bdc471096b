// @ts-check
// One throughput round of both systems: N clients in rooms of M each, a warm-up, a step-up of the offered
// rate to saturation, alternating windows at a fixed rate in which the ack latencies and each server's CPU
// time per message are measured (lib/simultaneous.mjs measures CPU more closely), then alternating windows
// offered more than either system can ack (its throughput at saturation).
import { setTimeout as sleep } from 'node:timers/promises';
import { withLoadGroup } from './load.mjs';
import { cpuMicros } from './processes.mjs';
import { percentile } from './stats.mjs';
import { withSystem } from './systems.mjs';

const CONTENT_LENGTH = 100;
// Past this the run is hopeless, whatever the rate; stops a step-up that never saturates.
const MAX_OFFERED_RATE = 200_000;

/** @typedef {import('./load.mjs').LoadGroup} LoadGroup */
/** @typedef {import('./load-worker.mjs').LoadResult} LoadResult */
/** @typedef {import('./settings.mjs').BenchSettings} BenchSettings */
/** @typedef {import('./settings.mjs').WindowPairs} WindowPairs */
/** @typedef {import('./systems.mjs').RunningSystem} RunningSystem */
/** @typedef {Pick<BenchSettings, 'clients' | 'roomSize'>} ChatShape */
/** @typedef {ReturnType<typeof combineWindows>} CombinedWindows */
/**
 * The step-up of one system: the highest acked rate and every step; null and `skipped` with preset rates.
 *
 * @typedef {{ maxAckedPerSecond: number | null, steps: StepUpStep[], skipped?: string }} Saturation
 * @typedef {{ offeredPerSecond: number, ackedPerSecond: number, p99AckMs: number, errors: number, skipped: number }} StepUpStep
 */
/**
 * One system's figures of one round.
 *
 * @typedef {{ system: string, saturation: Saturation, saturated: CombinedWindows, fixed: CombinedWindows }} RoundRun
 */

/**
 * Client specs: `clients` users, consecutive ones sharing a room of `roomSize`, every one sending.
 *
 * @param {RunningSystem} server
 * @param {ChatShape} shape
 * @returns {import('./load-worker.mjs').ClientSpec[]}
 */
function chatClients(server, { clients, roomSize }) {
  return Array.from({ length: clients }, (_, index) => ({
    url: server.namespaceUrl,
    token: server.tokenFor(`user-${index}`),
    room: `bench-${Math.floor(index / roomSize)}`,
    sends: true,
  }));
}

/**
 * Parameters of a load-worker `load` command for `phase` ({ rate, warmupMs, windowMs, drainMs }).
 *
 * @param {Pick<BenchSettings, 'maxInFlight'>} settings
 * @param {import('./settings.mjs').LoadPhase} phase
 * @returns {import('./load-worker.mjs').LoadParams}
 */
export function loadParams(settings, phase) {
  return { ...phase, maxInFlight: settings.maxInFlight, contentLength: CONTENT_LENGTH, timeDeliveries: false };
}

/**
 * Connects the chat clients of `settings` to `server` through `group`; fails unless every one connected.
 *
 * @param {LoadGroup} group
 * @param {RunningSystem} server
 * @param {ChatShape} settings
 */
export async function connectChatClients(group, server, settings) {
  const connection = await group.connect(chatClients(server, settings));
  if (connection.connected !== settings.clients) {
    throw new Error(`${connection.connected} of ${settings.clients} clients connected: ${connection.firstError}`);
  }
}

/**
 * Raises the offered rate step by step until the acked rate falls clearly behind it or p99 explodes, then
 * tries once more halfway (geometrically) between the last rate that kept up and the first that did not,
 * so the figure is not stuck on the step grid (a ×1.25 grid alone moves a ratio by up to 25 %). Returns
 * the highest acked rate seen (acks counted in each step's window, after its warm-up).
 *
 * @param {LoadGroup} group
 * @param {Pick<BenchSettings, 'maxInFlight'>} settings
 * @param {NonNullable<BenchSettings['saturation']>} stepUp
 * @returns {Promise<Saturation & { maxAckedPerSecond: number }>}
 */
async function stepUpToSaturation(group, settings, stepUp) {
  const { startRate, factor, restMs, maxP99Ms, ...phase } = stepUp;
  /** @type {StepUpStep[]} */
  const steps = [];
  const step = async (/** @type {number} */ rate) => {
    const result = await group.load(loadParams(settings, { ...phase, rate }));
    if (result.errors > 0) throw new Error(`sendMessage failed during the step-up: ${result.firstError}`);
    const measured = {
      offeredPerSecond: rate,
      ackedPerSecond: result.ackedInWindow / (phase.windowMs / 1000),
      p99AckMs: percentile(result.latenciesMs, 99),
      errors: result.errors,
      skipped: result.skipped,
    };
    steps.push(measured);
    await sleep(restMs);
    return measured.ackedPerSecond >= rate * 0.9 && measured.p99AckMs <= maxP99Ms;
  };
  /** @type {number | undefined} */
  let keptUp;
  let rate = startRate;
  for (; rate <= MAX_OFFERED_RATE; rate = Math.round(rate * factor)) {
    if (!(await step(rate))) break;
    keptUp = rate;
  }
  if (keptUp !== undefined && rate <= MAX_OFFERED_RATE) await step(Math.round(Math.sqrt(keptUp * rate)));
  return { maxAckedPerSecond: Math.max(...steps.map(({ ackedPerSecond }) => ackedPerSecond)), steps };
}

/**
 * Offers `rate` for one window of `phase` (settings.saturated or settings.fixed) and reads the server's CPU
 * time at the window's edges. In a saturated window the rate is more than the system can ack, so the acks
 * counted are its throughput; the clients' in-flight limit keeps the queue bounded.
 *
 * @param {LoadGroup} group
 * @param {RunningSystem} server
 * @param {Pick<BenchSettings, 'maxInFlight'>} settings
 * @param {WindowPairs} phase
 * @param {number} rate
 * @returns {Promise<{ result: LoadResult, cpuMicros: number }>}
 */
async function measuredWindow(group, server, settings, phase, rate) {
  const { warmupMs, windowMs, restMs = 0 } = phase;
  const cpuAt = (/** @type {number} */ delayMs) => sleep(delayMs).then(() => cpuMicros(server.pid));
  const [result, cpuStart, cpuEnd] = await Promise.all([
    group.load(loadParams(settings, { warmupMs, windowMs, drainMs: phase.drainMs, rate })),
    cpuAt(warmupMs),
    cpuAt(warmupMs + windowMs),
  ]);
  if (result.errors > 0) throw new Error(`sendMessage failed at ${rate} msg/s offered: ${result.firstError}`);
  await sleep(restMs);
  return { result, cpuMicros: cpuEnd - cpuStart };
}

/**
 * One system's windows as one figure: acks and CPU time over all of them, percentiles over all latencies.
 *
 * @param {Array<{ result: LoadResult, cpuMicros: number }>} windows
 * @param {number} rate
 * @param {number} windowMs
 */
function combineWindows(windows, rate, windowMs) {
  const sum = (/** @type {(window: { result: LoadResult, cpuMicros: number }) => number} */ pick) =>
    windows.reduce((total, window) => total + pick(window), 0);
  const ackedInWindow = sum((window) => window.result.ackedInWindow);
  const latencies = windows.flatMap((window) => window.result.latenciesMs);
  const windowSeconds = windowMs / 1000;
  return {
    offeredPerSecond: rate,
    ackedPerSecond: ackedInWindow / (windows.length * windowSeconds),
    ackedInWindow,
    unackedInWindow: sum((window) => window.result.unackedInWindow),
    skipped: sum((window) => window.result.skipped),
    serverCpuUsPerMessage: sum((window) => window.cpuMicros) / ackedInWindow,
    serverBusyShare: sum((window) => window.cpuMicros) / (windows.length * windowMs * 1000),
    p50AckMs: percentile(latencies, 50),
    p99AckMs: percentile(latencies, 99),
    deliveriesPerMessage: sum((window) => window.result.delivered) / sum((window) => window.result.acked),
    windows: windows.map(({ result, cpuMicros }) => ({
      ackedPerSecond: result.ackedInWindow / windowSeconds,
      serverCpuUsPerMessage: cpuMicros / result.ackedInWindow,
      p50AckMs: percentile(result.latenciesMs, 50),
      p99AckMs: percentile(result.latenciesMs, 99),
    })),
  };
}

/**
 * Positions of the two systems' windows, ABBA-style so that a drifting machine weighs on both alike.
 *
 * @param {number} pairs
 */
function windowOrder(pairs) {
  return Array.from({ length: pairs }, (_, pair) => (pair % 2 === 0 ? [0, 1] : [1, 0])).flat();
}

/**
 * `phase.pairs` pairs of windows at `rate`, alternating between the contenders; one figure per contender.
 *
 * @param {Array<{ group: LoadGroup, server: RunningSystem }>} contenders
 * @param {Pick<BenchSettings, 'maxInFlight'>} settings
 * @param {WindowPairs} phase
 * @param {number} rate
 */
async function alternateWindows(contenders, settings, phase, rate) {
  /** @type {Array<Array<{ result: LoadResult, cpuMicros: number }>>} */
  const windows = contenders.map(() => []);
  for (const index of windowOrder(phase.pairs)) {
    const { group, server } = contenders[index];
    windows[index].push(await measuredWindow(group, server, settings, phase, rate));
  }
  return windows.map((measured) => combineWindows(measured, rate, phase.windowMs));
}

/**
 * One round: the baseline and the generated app run side by side, each in a fresh process with its own
 * clients. Each is stepped up to saturation in turn, which finds roughly where it saturates. Then short
 * windows alternate between the two ABBA-wise (the other one idles), first at settings.fixedRateFraction of
 * the baseline's peak (latency and CPU), then offered more than either acked in its step-up (their
 * throughput at saturation), so the two systems' figures are taken seconds apart rather than minutes,
 * under the same conditions.
 *
 * @param {import('./settings.mjs').Measurement} measurement
 * @returns {Promise<RoundRun[]>}
 */
export function measureRound({ systems, app, settings, log }) {
  /**
   * @template T
   * @param {(group: LoadGroup) => Promise<T>} use
   */
  const group = (use) => withLoadGroup(settings.loadWorkers, settings.workerLifetimeMs, use);
  return withSystem(systems.baseline, app, {}, (baselineServer) =>
    withSystem(systems.generated, app, {}, (generatedServer) =>
      group((baselineGroup) =>
        group(async (generatedGroup) => {
          const contenders = [
            { system: 'baseline', server: baselineServer, group: baselineGroup },
            { system: 'generated', server: generatedServer, group: generatedGroup },
          ];
          for (const { server, group: load } of contenders) {
            await connectChatClients(load, server, settings);
          }
          const { presetRates: preset, saturation: stepUp } = settings;
          /** @type {Saturation[]} */
          const saturations = [];
          for (const { system, group: load } of contenders) {
            await load.load(loadParams(settings, settings.warmup));
            if (preset || !stepUp) {
              saturations.push({ maxAckedPerSecond: null, steps: [], skipped: 'preset rates (quick mode)' });
              continue;
            }
            const saturation = await stepUpToSaturation(load, settings, stepUp);
            saturations.push(saturation);
            log(`${system}: step-up peak ${Math.round(saturation.maxAckedPerSecond)} acked msg/s`);
            await sleep(stepUp.restMs * 3);
          }
          const peaks = saturations.map(({ maxAckedPerSecond }) => maxAckedPerSecond ?? Number.NaN);
          const rate = preset?.latency ?? Math.round(peaks[0] * settings.fixedRateFraction);
          const fixed = await alternateWindows(contenders, settings, settings.fixed, rate);
          // Last, so that whatever overload leaves behind (e.g. garbage promoted while messages queued) cannot
          // weigh on the CPU and latency windows.
          const overloadRate = preset?.overload ?? Math.round(Math.max(...peaks) * (settings.saturated.overload ?? 1));
          const saturated = await alternateWindows(contenders, settings, settings.saturated, overloadRate);
          return contenders.map(({ system }, index) => {
            /** @type {RoundRun} */
            const run = { system, saturation: saturations[index], saturated: saturated[index], fixed: fixed[index] };
            log(
              `${system}: ${Math.round(run.saturated.ackedPerSecond)} acked msg/s offered ${overloadRate} ` +
                `(${run.saturated.serverCpuUsPerMessage.toFixed(1)} µs CPU/msg, busy ${Math.round(run.saturated.serverBusyShare * 100)} %); ` +
                `at ${rate} msg/s, ${run.fixed.serverCpuUsPerMessage.toFixed(1)} µs server CPU/msg, ` +
                `p50/p99 ack ${run.fixed.p50AckMs.toFixed(1)}/${run.fixed.p99AckMs.toFixed(1)} ms`,
            );
            return run;
          });
        }),
      ),
    ),
  );
}
