// npm run bench [-- --quick] [--check] [--redis] [--nest 11|12] [--fresh] [--clients 200] [--room-size 10]
//                  [--connections K] [--rounds R] [--app DIR]
// The generated gateway against a plain socket.io server doing the same work, measured in one run on this
// machine (loopback only). See bench/README.md for what is measured and how.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheRoot, describeApp, describeGeneratedApp, lockAppCache, pack, prepareGeneratedApp } from './lib/generated-app.mjs';
import { measureCrossInstance } from './lib/cross-instance.mjs';
import { measureScenarios } from './lib/scenarios.mjs';
import { measureGeneratorWall, measureGenToGreen } from './lib/generator.mjs';
import { prepareFloorApp } from './lib/floor-app.mjs';
import { measureIdleMemory } from './lib/idle-memory.mjs';
import { killAll } from './lib/processes.mjs';
import { brokenRun, renderTable, summarize } from './lib/report.mjs';
import { renderScenarioTable } from './lib/scenario-report.mjs';
import { measureColdStart, measureSchematic } from './lib/startup.mjs';
import { measureCpuAtOnce } from './lib/simultaneous.mjs';
import { median } from './lib/stats.mjs';
import { systemsOf } from './lib/systems.mjs';
import { measureRound } from './lib/throughput.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(benchDir, '..');
const resultsPath = join(benchDir, 'results', 'latest.json');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    redis: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    app: { type: 'string' },
    nest: { type: 'string', default: '11' },
    clients: { type: 'string' },
    'room-size': { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
  },
});

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
const MODES = {
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
    simultaneous: { windows: 2, firstWarmupRate: 1_000, firstWarmupMs: 1_000, warmupMs: 300, windowMs: 1_500, drainMs: 500 },
    idle: { connections: 500, holdMs: 500 },
    coldStarts: 1,
    schematicRuns: 0,
    // The two systems' storm, churn and fan-out run side by side (each on its own processes): their waits overlap.
    scenariosSideBySide: true,
    // One each: a pair of runs takes 6–7 s on 2 cores.
    generatorRuns: 1,
    genToGreen: false,
    redis: { pairs: 10, rate: 200, warmupMs: 1_000, windowMs: 3_000 },
    storm: { clients: 400, roomSize: 10, chatRate: 50, leadMs: 500, settleMs: 500, retryAfterMs: 1_000, timeoutMs: 30_000 },
    churn: { users: 500, roomSize: 10, leavers: 50, quietMs: 500, timeoutMs: 15_000 },
    fanOut: { members: [500], settleMs: 300, startRate: 240, factor: 4, warmupMs: 200, windowMs: 1_000, drainMs: 500, fixedWindowMs: 1_000, maxP99Ms: 2_000 },
    deadlineMs: 6 * 60_000,
  },
  full: {
    ...COMMON,
    rounds: 3,
    saturation: { startRate: 1_500, factor: 1.25, warmupMs: 1_000, windowMs: 3_000, drainMs: 2_000, restMs: 500, maxP99Ms: 2_000 },
    saturated: { pairs: 4, overload: 1.5, warmupMs: 1_000, windowMs: 4_000, drainMs: 3_000, restMs: 500 },
    fixed: { pairs: 4, warmupMs: 1_000, windowMs: 4_000, drainMs: 3_000 },
    simultaneous: { windows: 8, firstWarmupRate: 1_000, firstWarmupMs: 4_000, warmupMs: 1_000, windowMs: 6_000, drainMs: 1_000 },
    idle: { connections: 10_000, holdMs: 10_000 },
    coldStarts: 5,
    schematicRuns: 20,
    generatorRuns: 7,
    genToGreen: true,
    redis: { pairs: 20, rate: 400, warmupMs: 2_000, windowMs: 10_000 },
    storm: { clients: 10_000, roomSize: 10, chatRate: 50, leadMs: 2_000, settleMs: 1_000, timeoutMs: 60_000 },
    churn: { users: 10_000, roomSize: 10, leavers: 1_000, quietMs: 2_000, timeoutMs: 30_000 },
    fanOut: { members: [1_000, 5_000], settleMs: 1_000, startRate: 10, factor: 1.5, warmupMs: 500, windowMs: 3_000, drainMs: 2_000, fixedWindowMs: 5_000, maxP99Ms: 2_000 },
    deadlineMs: 60 * 60_000,
  },
};

function settingsFromArgs() {
  const mode = args.quick ? 'quick' : 'full';
  const settings = structuredClone(MODES[mode]);
  const positive = (name, value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) fail(`--${name} must be a positive integer (got ${value}).`);
    return number;
  };
  if (args.clients) settings.clients = positive('clients', args.clients);
  if (args['room-size']) settings.roomSize = positive('room-size', args['room-size']);
  if (args.connections) settings.idle.connections = positive('connections', args.connections);
  if (args.rounds) settings.rounds = positive('rounds', args.rounds);
  return { mode, ...settings };
}

/**
 * K idle connections need K descriptors in the server (a load worker holds at most 2,500). Node raises its
 * soft limit to the hard one by itself; when even that is too low, the bench runs itself again under a raised
 * `ulimit -n`, which only root may do (otherwise it warns and goes on).
 */
function ensureFileLimit(needed) {
  const limit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf-8' }).stdout.trim();
  if (limit === 'unlimited' || Number(limit) >= needed || process.env.BENCH_FILE_LIMIT_RAISED) return;
  if (spawnSync('sh', ['-c', `ulimit -n ${needed}`]).status !== 0) {
    console.warn(`⚠ ${limit} file descriptors allowed, ${needed} wanted: not every idle connection may be held.`);
    return;
  }
  const result = spawnSync(
    'sh',
    ['-c', `ulimit -n ${needed} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, BENCH_FILE_LIMIT_RAISED: '1' } },
  );
  process.exit(result.status ?? 1);
}

const startedAt = Date.now();
function log(message) {
  console.log(`  [${String(Math.round((Date.now() - startedAt) / 1000)).padStart(4)} s] ${message}`);
}

function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}

/** Runs one measurement; a failure is recorded and the bench goes on with the others. */
async function attempt(failures, label, measure) {
  try {
    return await measure();
  } catch (error) {
    failures.push(`${label}: ${error.message}`);
    log(`✖ ${label} failed: ${error.message.split('\n')[0]}`);
    return undefined;
  }
}

async function main() {
  const settings = settingsFromArgs();
  ensureFileLimit(settings.idle.connections + 1_000);
  const cliVersions = JSON.parse(readFileSync(join(repoDir, 'scripts', 'nest-cli-versions.json'), 'utf-8'));
  const cliVersion = cliVersions[args.nest];
  if (!cliVersion) fail(`--nest must be one of ${Object.keys(cliVersions).join(', ')} (got ${args.nest}).`);
  const deadline = setTimeout(() => {
    console.error(`\n✖ the bench did not finish within ${settings.deadlineMs / 60_000} minutes; stopping it.`);
    killAll();
    process.exit(2);
  }, settings.deadlineMs);
  deadline.unref();

  console.log(`▶ nest-realtime bench (${settings.mode}, Nest ${args.nest}${args.redis ? ', with Redis' : ''}${args.app ? `, app ${args.app}` : ''})`);
  lockAppCache(args.nest);
  const failures = [];
  // The Nest bare-handler floor, derived from the generated gateway and rebuilt every run, so that template
  // changes reach it; built beside the generated app when there is one to build.
  let floorBuild;
  const buildFloor = (generated) => {
    log('deriving the Nest bare-handler floor and building it too');
    floorBuild = attempt(failures, 'Nest floor app', () => prepareFloorApp(generated));
  };
  // --app: a built copy of a generated app whose files were edited by hand, to measure a change before
  // it goes into the templates.
  const app = args.app
    ? describeApp(resolve(args.app), describeGeneratedApp(args.nest).scaffoldDir)
    : prepareGeneratedApp({ repoDir, nestMajor: args.nest, cliVersion, fresh: args.fresh, log, alongsideBuild: buildFloor });
  if (!floorBuild) buildFloor(app);
  const floorApp = await floorBuild;
  const systems = systemsOf(app);

  // Quick runs skip it: the nest g timing below covers the schematic, through the CLI.
  let schematic = null;
  if (settings.schematicRuns > 0) {
    log('timing the schematic in process');
    schematic = await attempt(failures, 'schematic timing', () =>
      measureSchematic(repoDir, app.scaffoldDir, settings.schematicRuns),
    );
  }
  log('timing nest g realtime-gateway chat against nest g gateway chat, alternately');
  // With --app, the package under test is the one the cached generated app was last built with.
  const generatedApp = args.app ? describeGeneratedApp(args.nest) : app;
  const generator = await attempt(failures, 'generator wall time', () =>
    measureGeneratorWall({ app: generatedApp, runs: settings.generatorRuns, log }),
  );
  let genToGreen = { seconds: null, notRun: 'quick mode: it takes minutes (full runs only)' };
  if (settings.genToGreen) {
    log('gen-to-green: nest new → nest add → nest g → install → build → generated tests');
    genToGreen =
      (await attempt(failures, 'gen-to-green', () =>
        measureGenToGreen({
          tarball: app.tarball ?? pack(repoDir, join(cacheRoot(), `nest${args.nest}`, 'gen-to-green-pack')),
          nestMajor: args.nest,
          cliVersion,
          log,
        }),
      )) ?? null;
  }
  log('measuring cold starts');
  const coldStart = {};
  for (const name of ['baseline', 'generated']) {
    coldStart[name] = await attempt(failures, `${name} cold start`, () => measureColdStart(systems[name], app, settings.coldStarts));
  }

  const throughputRuns = [];
  for (let round = 1; round <= settings.rounds; round++) {
    log(`throughput round ${round} of ${settings.rounds}`);
    const runs = await attempt(failures, `round ${round}`, () => measureRound({ systems, app, settings, log }));
    if (runs) throughputRuns.push(...runs);
  }

  let simultaneous;
  const baselineSaturation = median(
    throughputRuns.filter((run) => run.system === 'baseline').map((run) => run.saturated.ackedPerSecond),
  );
  if (floorApp && Number.isFinite(baselineSaturation)) {
    log('server CPU: baseline, generated and floor loaded at once');
    simultaneous = await attempt(failures, 'server CPU at once', () =>
      measureCpuAtOnce({ systems, app, floorApp, settings, baselineSaturation, log }),
    );
  }

  log(`holding ${settings.idle.connections} idle authenticated connections`);
  const idle = {};
  for (const name of ['baseline', 'generated']) {
    idle[name] = await attempt(failures, `${name} idle connections`, () => measureIdleMemory({ system: systems[name], app, settings, log }));
  }

  let redis = null;
  if (args.redis) {
    log('cross-instance delivery through redis-server');
    redis = (await attempt(failures, 'cross-instance delivery', () => measureCrossInstance({ systems, app, settings, log }))) ?? null;
  }

  const scenarios = await measureScenarios({
    systems,
    app,
    settings,
    redis: args.redis,
    attempt: (label, measure) => attempt(failures, label, measure),
    log,
  });

  const results = summarize({
    meta: {
      mode: settings.mode,
      nest: Number(args.nest),
      startedAt: new Date(startedAt).toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      machine: { cpus: availableParallelism(), node: process.version },
      app: app.appDir,
      floorApp: floorApp?.appDir ?? null,
      versions: app.versions,
      settings,
    },
    throughputRuns,
    simultaneous,
    idle,
    redis,
    coldStart,
    schematic,
    scenarios,
    generator,
    genToGreen,
    failures,
  });
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);

  console.log(
    `\n${settings.clients} clients in rooms of ${settings.roomSize}, ${100}-byte messages; ` +
      `${results.rounds} round(s), medians; ratios are generated ÷ baseline (unless labelled otherwise) ` +
      `within a round, or for CPU within a window of all three servers at once.\n`,
  );
  console.log(renderTable(results));
  console.log(`\n${renderScenarioTable(results)}`);
  const problems = brokenRun(results, { redisRequested: args.redis });
  if (problems.length > 0) {
    console.log(`\n✖ this run is broken:\n${problems.map((problem) => `  - ${problem.split('\n')[0]}`).join('\n')}`);
  }
  console.log(`\nResults (${results.durationSeconds} s): ${resultsPath}`);
  return args.check && problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (error) => {
    killAll();
    console.error(`\n✖ ${error.stack ?? error}`);
    process.exit(1);
  },
);
