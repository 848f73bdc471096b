// @ts-check
// What a bench run measures and for how long: the quick and full modes (see bench/README.md), and the
// shapes the measuring modules take them in.

/** @typedef {'quick' | 'full'} Mode */
/** One stretch of load: `warmupMs` at `rate`, the measured `windowMs`, then up to `drainMs` for the last acks. */
/** @typedef {{ rate: number, warmupMs: number, windowMs: number, drainMs: number }} LoadPhase */
/**
 * Pairs of measuring windows alternating between the systems (lib/throughput.mjs); `overload` × the higher
 * step-up peak is the saturated windows' offered rate.
 *
 * @typedef {{ pairs: number, warmupMs: number, windowMs: number, drainMs: number, restMs?: number, overload?: number }} WindowPairs
 */
/**
 * @typedef {object} ModeSettings
 * @property {number} clients chat clients per system
 * @property {number} roomSize
 * @property {number} loadWorkers
 * @property {number} maxInFlight unacknowledged messages a client may have; beyond it, it skips its turn
 * @property {number} fixedRateFraction
 * @property {number} workerLifetimeMs
 * @property {LoadPhase} warmup
 * @property {number} rounds
 * @property {{ latency: number, overload: number }} [presetRates] quick: no step-up, these rates instead
 * @property {{ startRate: number, factor: number, warmupMs: number, windowMs: number, drainMs: number, restMs: number, maxP99Ms: number }} [saturation]
 *   full: the step-up
 * @property {WindowPairs} saturated
 * @property {WindowPairs} fixed
 * @property {{ windows: number, firstWarmupRate: number, firstWarmupMs: number, warmupMs: number, windowMs: number, drainMs: number }} simultaneous
 * @property {{ connections: number, holdMs: number }} idle
 * @property {number} coldStarts
 * @property {number} schematicRuns
 * @property {boolean} [scenariosSideBySide]
 * @property {number} generatorRuns
 * @property {boolean} genToGreen
 * @property {{ pairs: number, rate: number, warmupMs: number, windowMs: number }} redis
 * @property {{ clients: number, roomSize: number, chatRate: number, leadMs: number, settleMs: number, retryAfterMs?: number, timeoutMs: number }} storm
 * @property {{ users: number, roomSize: number, leavers: number, quietMs: number, timeoutMs: number }} churn
 * @property {{ members: number[], settleMs: number, startRate: number, factor: number, warmupMs: number, windowMs: number, drainMs: number, fixedWindowMs: number, maxP99Ms: number }} fanOut
 * @property {number} deadlineMs
 */
/** @typedef {ModeSettings & { mode: Mode }} BenchSettings */
/**
 * What every measurement takes: the two systems, the app they run in, the settings and the progress log.
 *
 * @typedef {object} Measurement
 * @property {{ baseline: import('./systems.mjs').System, generated: import('./systems.mjs').System }} systems
 * @property {import('./generated-app.mjs').App} app
 * @property {BenchSettings} settings
 * @property {(message: string) => void} log
 */

const COMMON = {
  clients: 200,
  roomSize: 10,
  loadWorkers: 2,
  // Enough for Little's law at any rate this machine reaches, small enough to bound an overloaded run.
  maxInFlight: 20,
  // Of the baseline's saturation: its step-up peak sets the rounds' latency windows (they come before its
  // saturated windows), its saturated throughput the CPU phase's rate summed over the phase's 3 servers.
  // At half, the server sat on the queueing knee, where a few percent more CPU showed as tens of percent
  // more latency.
  fixedRateFraction: 0.3,
  workerLifetimeMs: 15 * 60_000,
  warmup: { rate: 1_000, warmupMs: 0, windowMs: 2_000, drainMs: 1_000 },
};
/** @type {Record<Mode, ModeSettings>} */
export const MODES = {
  quick: {
    ...COMMON,
    rounds: 1,
    // A smoke test of every figure that must stay under 2 minutes in CI: no step-up (the latency windows run
    // at 1,000 msg/s, the saturated ones are offered 15,000, more than either system acks here), and every
    // scenario small. Its figures show the run works; read ratios from full runs.
    presetRates: { latency: 1_000, overload: 15_000 },
    warmup: { rate: 1_000, warmupMs: 0, windowMs: 500, drainMs: 500 },
    saturated: { pairs: 1, warmupMs: 300, windowMs: 1_000, drainMs: 500, restMs: 300 },
    fixed: { pairs: 1, warmupMs: 300, windowMs: 1_500, drainMs: 500 },
    simultaneous: {
      windows: 2,
      firstWarmupRate: 1_000,
      firstWarmupMs: 1_000,
      warmupMs: 300,
      windowMs: 1_500,
      drainMs: 500,
    },
    idle: { connections: 500, holdMs: 500 },
    coldStarts: 1,
    schematicRuns: 0,
    // The two systems' storm, churn and fan-out run side by side (each on its own processes): their waits overlap.
    scenariosSideBySide: true,
    // One each: a pair of runs takes 6–7 s on 2 cores.
    generatorRuns: 1,
    genToGreen: false,
    redis: { pairs: 10, rate: 200, warmupMs: 1_000, windowMs: 3_000 },
    storm: {
      clients: 400,
      roomSize: 10,
      chatRate: 50,
      leadMs: 500,
      settleMs: 500,
      retryAfterMs: 1_000,
      timeoutMs: 30_000,
    },
    churn: { users: 500, roomSize: 10, leavers: 50, quietMs: 500, timeoutMs: 15_000 },
    fanOut: {
      members: [500],
      settleMs: 300,
      startRate: 240,
      factor: 4,
      warmupMs: 200,
      windowMs: 1_000,
      drainMs: 500,
      fixedWindowMs: 1_000,
      maxP99Ms: 2_000,
    },
    deadlineMs: 6 * 60_000,
  },
  full: {
    ...COMMON,
    rounds: 3,
    saturation: {
      startRate: 1_500,
      factor: 1.25,
      warmupMs: 1_000,
      windowMs: 3_000,
      drainMs: 2_000,
      restMs: 500,
      maxP99Ms: 2_000,
    },
    saturated: { pairs: 4, overload: 1.5, warmupMs: 1_000, windowMs: 4_000, drainMs: 3_000, restMs: 500 },
    fixed: { pairs: 4, warmupMs: 1_000, windowMs: 4_000, drainMs: 3_000 },
    simultaneous: {
      windows: 8,
      firstWarmupRate: 1_000,
      firstWarmupMs: 4_000,
      warmupMs: 1_000,
      windowMs: 6_000,
      drainMs: 1_000,
    },
    idle: { connections: 10_000, holdMs: 10_000 },
    coldStarts: 5,
    schematicRuns: 20,
    generatorRuns: 7,
    genToGreen: true,
    redis: { pairs: 20, rate: 400, warmupMs: 2_000, windowMs: 10_000 },
    storm: { clients: 10_000, roomSize: 10, chatRate: 50, leadMs: 2_000, settleMs: 1_000, timeoutMs: 60_000 },
    churn: { users: 10_000, roomSize: 10, leavers: 1_000, quietMs: 2_000, timeoutMs: 30_000 },
    fanOut: {
      members: [1_000, 5_000],
      settleMs: 1_000,
      startRate: 10,
      factor: 1.5,
      warmupMs: 500,
      windowMs: 3_000,
      drainMs: 2_000,
      fixedWindowMs: 5_000,
      maxP99Ms: 2_000,
    },
    deadlineMs: 60 * 60_000,
  },
};
