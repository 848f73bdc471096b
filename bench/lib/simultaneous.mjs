// @ts-check
// Several servers loaded at the same time, each with its own chat clients at the same rate, and every
// server's CPU time read over the same windows. Whatever else the machine does during a window, it does to
// all of them, so the ratio of two servers' CPU per message within a window moves by about ±2 %, where
// windows taken one after the other move by ±10 %. The bench takes its CPU figures this way, and
// bench/profile/compare-servers.mjs compares hand-edited copies of the generated app with it.
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadGroup } from './load.mjs';
import { threadCpuMicros } from './processes.mjs';
import { median, percentile, ratio } from './stats.mjs';
import { startSystem, systemsOf } from './systems.mjs';
import { connectChatClients, loadParams } from './throughput.mjs';

/** @typedef {import('./settings.mjs').BenchSettings} BenchSettings */
/** @typedef {Pick<BenchSettings, 'clients' | 'roomSize' | 'maxInFlight' | 'workerLifetimeMs'>} ChatLoad */
/**
 * One phase of windows: phase.warmupMs of load at phase.rate, the measured phase.windowMs, up to
 * phase.drainMs for the last acks, phase.windows times; first a warm-up of phase.firstWarmupMs.
 *
 * @typedef {BenchSettings['simultaneous'] & { rate: number }} Phase
 */
/** @typedef {{ label: string, system: import('./systems.mjs').System, app: import('./generated-app.mjs').App }} Contender */
/**
 * One window of one server, with its CPU per message ÷ the reference's in the same window.
 *
 * @typedef {{ ackedPerSecond: number, serverCpuUsPerMessage: number, p50AckMs: number, p99AckMs: number, cpuRatio: number }} ServerWindow
 */
/**
 * @typedef {Contender & { server: import('./systems.mjs').RunningSystem, group?: LoadGroup, windows: ServerWindow[] }} Running
 */

/**
 * Throws when a server died on its own, with its output.
 *
 * @param {Running} running
 */
function assertRunning({ label, server }) {
  const failure = server.failure();
  if (failure) throw new Error(`${label}: ${failure}\n--- ${label} output ---\n${server.output()}`);
}

/**
 * One window of every server: the CPU read at the window's edges, the acks and latencies of the window.
 *
 * @param {Array<Running & { group: LoadGroup }>} running
 * @param {ChatLoad} settings
 * @param {Phase} phase
 */
async function measureWindow(running, settings, phase) {
  const { rate, warmupMs, windowMs, drainMs } = phase;
  const cpuAt = (/** @type {number} */ delayMs) =>
    sleep(delayMs).then(() => running.map(({ server }) => threadCpuMicros(server.pid)));
  const [results, before, after] = await Promise.all([
    Promise.all(running.map(({ group }) => group.load(loadParams(settings, { rate, warmupMs, windowMs, drainMs })))),
    cpuAt(warmupMs),
    cpuAt(warmupMs + windowMs),
  ]);
  return running.map((contender, index) => {
    assertRunning(contender);
    const result = results[index];
    if (result.errors > 0)
      throw new Error(`${contender.label}: sendMessage failed at ${rate} msg/s: ${result.firstError}`);
    return {
      ackedPerSecond: result.ackedInWindow / (windowMs / 1000),
      serverCpuUsPerMessage: (after[index] - before[index]) / result.ackedInWindow,
      p50AckMs: percentile(result.latenciesMs, 50),
      p99AckMs: percentile(result.latenciesMs, 99),
    };
  });
}

/**
 * Starts every contender ({ label, system, app }, the reference first: its CPU per message divides the
 * others'), connects its own settings.clients chat clients through one load worker, warms all up together,
 * then runs phase.windows windows in which every server is offered phase.rate msg/s at once (each window:
 * phase.warmupMs of load, the measured phase.windowMs, up to phase.drainMs for the last acks). The warm-up
 * offers phase.firstWarmupRate (default phase.rate) for phase.firstWarmupMs: a fresh server spends twice
 * as much per message until V8 has compiled its hot paths, a few thousand messages in, and at a few hundred
 * msg/s that would take most of the quick bench's phase. Returns per contender the medians over windows
 * and every window, each with its ratio to the reference in the same window. `onWindow(index, servers)` is
 * called after each window.
 *
 * @param {{ contenders: Contender[], settings: ChatLoad, phase: Phase, onWindow?: (index: number, running: Running[]) => void }} options
 */
export async function loadAtOnce({ contenders, settings, phase, onWindow = () => {} }) {
  const started = await Promise.allSettled(contenders.map(({ system, app }) => startSystem(system, app)));
  const refused = started.find((outcome) => outcome.status === 'rejected');
  /** @type {Running[]} */
  const running = [];
  started.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') running.push({ ...contenders[index], server: outcome.value, windows: [] });
  });
  try {
    if (refused) throw refused.reason;
    const loaded = running.map((contender) =>
      Object.assign(contender, { group: new LoadGroup(1, settings.workerLifetimeMs) }),
    );
    await Promise.all(loaded.map(({ group, server }) => connectChatClients(group, server, settings)));
    const firstWarmup = {
      rate: phase.firstWarmupRate ?? phase.rate,
      warmupMs: 0,
      windowMs: phase.firstWarmupMs,
      drainMs: phase.drainMs,
    };
    await Promise.all(loaded.map(({ group }) => group.load(loadParams(settings, firstWarmup))));
    for (let index = 0; index < phase.windows; index++) {
      const measured = await measureWindow(loaded, settings, phase);
      running.forEach((contender, position) => {
        const reference = measured[0].serverCpuUsPerMessage;
        contender.windows.push({
          ...measured[position],
          cpuRatio: ratio(measured[position].serverCpuUsPerMessage, reference),
        });
      });
      onWindow(index, running);
    }
  } finally {
    await Promise.allSettled(running.map(({ group }) => group?.close()));
    await Promise.allSettled(running.map(({ server }) => server.stop()));
  }
  /**
   * @param {ServerWindow[]} windows
   * @param {keyof ServerWindow} key
   */
  const medianOf = (windows, key) => median(windows.map((window) => window[key]).filter(Number.isFinite));
  return {
    ratePerServer: phase.rate,
    windows: phase.windows,
    windowMs: phase.windowMs,
    servers: running.map(({ label, windows }) => ({
      label,
      serverCpuUsPerMessage: medianOf(windows, 'serverCpuUsPerMessage'),
      cpuRatio: medianOf(windows, 'cpuRatio'),
      ackedPerSecond: medianOf(windows, 'ackedPerSecond'),
      p50AckMs: medianOf(windows, 'p50AckMs'),
      p99AckMs: medianOf(windows, 'p99AckMs'),
      windows,
    })),
  };
}

/**
 * The bench's CPU phase: the baseline, the generated app and its Nest bare-handler floor (lib/floor-app.mjs)
 * at once, each at settings.fixedRateFraction × the baseline's saturation ÷ 3, so that the three together
 * load the machine as the latency windows load it with one: well under saturation, where CPU per message
 * is not queueing. A fixed rate would not be: 3 × 1,000 msg/s overloads this 2-core machine whenever
 * something else runs on it (p99 of seconds, CPU per message a third of the unloaded figure).
 *
 * @param {import('./settings.mjs').Measurement & { floorApp: import('./generated-app.mjs').App, baselineSaturation: number }} options
 */
export async function measureCpuAtOnce({ systems, app, floorApp, settings, baselineSaturation, log }) {
  /** @type {Contender[]} */
  const contenders = [
    { label: 'baseline', system: systems.baseline, app },
    { label: 'generated', system: systems.generated, app },
    { label: 'floor', system: { ...systemsOf(floorApp).generated, name: 'floor' }, app: floorApp },
  ];
  const rate = Math.round((baselineSaturation * settings.fixedRateFraction) / contenders.length);
  log(`${rate} msg/s each, ${settings.simultaneous.windows} windows of ${settings.simultaneous.windowMs / 1000} s`);
  const measured = await loadAtOnce({
    contenders,
    settings,
    phase: { ...settings.simultaneous, rate },
    onWindow: (index, running) =>
      log(
        `window ${index + 1}: ` +
          running
            .map(({ label, windows }) => {
              const { serverCpuUsPerMessage, cpuRatio } = windows[windows.length - 1];
              return `${label} ${serverCpuUsPerMessage.toFixed(1)} µs${label === 'baseline' ? '' : ` (${cpuRatio.toFixed(3)})`}`;
            })
            .join(', '),
      ),
  });
  return { ...measured, rateBasis: { fixedRateFraction: settings.fixedRateFraction, baselineSaturation } };
}
