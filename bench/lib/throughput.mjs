// One throughput run of one system: N clients in rooms of M, a warm-up, a step-up of the offered rate to
// saturation, then a window at a fixed rate in which the server's CPU time per message and the ack
// latencies are measured.
import { setTimeout as sleep } from 'node:timers/promises';
import { withLoadGroup } from './load.mjs';
import { cpuMicros } from './processes.mjs';
import { percentile } from './stats.mjs';
import { withSystem } from './systems.mjs';

const CONTENT_LENGTH = 100;
// Past this the run is hopeless, whatever the rate; stops a step-up that never saturates.
const MAX_OFFERED_RATE = 200_000;

/** Client specs: `clients` users, consecutive ones sharing a room of `roomSize`, every one sending. */
export function chatClients(server, { clients, roomSize }) {
  return Array.from({ length: clients }, (_, index) => ({
    url: server.namespaceUrl,
    token: server.tokenFor(`user-${index}`),
    room: `bench-${Math.floor(index / roomSize)}`,
    sends: true,
  }));
}

function loadParams(settings, phase) {
  return { ...phase, maxInFlight: settings.maxInFlight, contentLength: CONTENT_LENGTH, timeDeliveries: false };
}

/**
 * Raises the offered rate step by step until the acked rate falls clearly behind it or p99 explodes, and
 * returns the highest acked rate seen (acks counted in each step's window, after its warm-up).
 */
async function stepUpToSaturation(group, settings) {
  const { startRate, factor, restMs, maxP99Ms, ...phase } = settings.saturation;
  const steps = [];
  for (let rate = startRate; rate <= MAX_OFFERED_RATE; rate = Math.round(rate * factor)) {
    const result = await group.load(loadParams(settings, { ...phase, rate }));
    const step = {
      offeredPerSecond: rate,
      ackedPerSecond: result.ackedInWindow / (phase.windowMs / 1000),
      p99AckMs: percentile(result.latenciesMs, 99),
      errors: result.errors,
      skipped: result.skipped,
    };
    steps.push(step);
    if (result.errors > 0) throw new Error(`sendMessage failed during the step-up: ${result.firstError}`);
    if (step.ackedPerSecond < rate * 0.9 || step.p99AckMs > maxP99Ms) break;
    await sleep(restMs);
  }
  return { maxAckedPerSecond: Math.max(...steps.map((step) => step.ackedPerSecond)), steps };
}

/** Offers `rate` for a window and reads the server's CPU time at the window's edges. */
async function fixedRateWindow(group, server, settings, rate) {
  const { warmupMs, windowMs } = settings.fixed;
  const cpuAt = (delayMs) => sleep(delayMs).then(() => cpuMicros(server.pid));
  const [result, cpuStart, cpuEnd] = await Promise.all([
    group.load(loadParams(settings, { ...settings.fixed, rate })),
    cpuAt(warmupMs),
    cpuAt(warmupMs + windowMs),
  ]);
  if (result.errors > 0) throw new Error(`sendMessage failed at a fixed rate: ${result.firstError}`);
  return {
    offeredPerSecond: rate,
    ackedPerSecond: result.ackedInWindow / (windowMs / 1000),
    ackedInWindow: result.ackedInWindow,
    unackedInWindow: result.unackedInWindow,
    serverCpuUsPerMessage: (cpuEnd - cpuStart) / result.ackedInWindow,
    p50AckMs: percentile(result.latenciesMs, 50),
    p99AckMs: percentile(result.latenciesMs, 99),
    deliveriesPerMessage: result.delivered / result.acked,
  };
}

/**
 * Runs one system through saturation and a fixed-rate window. `fixedRateFor(saturation)` picks the fixed
 * rate once this run's saturation is known (half the baseline's saturation of the same round).
 */
export function measureThroughput({ system, app, settings, fixedRateFor, log }) {
  return withSystem(system, app, {}, (server) =>
    withLoadGroup(settings.loadWorkers, settings.workerLifetimeMs, async (group) => {
      const connection = await group.connect(chatClients(server, settings));
      if (connection.connected !== settings.clients) {
        throw new Error(`${connection.connected} of ${settings.clients} clients connected: ${connection.firstError}`);
      }
      await group.load(loadParams(settings, settings.warmup));
      const saturation = await stepUpToSaturation(group, settings);
      log(`${system.name}: saturation ${Math.round(saturation.maxAckedPerSecond)} acked msg/s`);
      await sleep(settings.saturation.restMs * 3);
      const rate = Math.round(fixedRateFor(saturation.maxAckedPerSecond));
      const fixed = await fixedRateWindow(group, server, settings, rate);
      log(
        `${system.name}: at ${rate} msg/s, ${fixed.serverCpuUsPerMessage.toFixed(1)} µs server CPU/msg, ` +
          `p50/p99 ack ${fixed.p50AckMs.toFixed(1)}/${fixed.p99AckMs.toFixed(1)} ms`,
      );
      return { system: system.name, saturation, fixed };
    }),
  );
}
