// @ts-check
// npm run bench [-- --quick] [--check] [--redis] [--nest 11|12] [--fresh] [--clients 200] [--room-size 10]
//                  [--connections K] [--rounds R] [--app DIR]
// The generated gateway against a plain socket.io server doing the same work, measured in one run on this
// machine (loopback only). See bench/README.md for what is measured and how.
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NEST_CLI_VERSIONS } from '../scripts/lib/tooling.cjs';
import {
  cacheRoot,
  describeApp,
  describeGeneratedApp,
  lockAppCache,
  pack,
  prepareGeneratedApp,
} from './lib/generated-app.mjs';
import { measureCrossInstance } from './lib/cross-instance.mjs';
import { measureScenarios } from './lib/scenarios.mjs';
import { measureGeneratorWall, measureGenToGreen } from './lib/generator.mjs';
import { prepareFloorApp } from './lib/floor-app.mjs';
import { measureIdleMemory } from './lib/idle-memory.mjs';
import { killAll } from './lib/processes.mjs';
import { brokenRun, renderTable, summarize } from './lib/report.mjs';
import { renderScenarioTable } from './lib/scenario-report.mjs';
import { MODES } from './lib/settings.mjs';
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

/** @returns {import('./lib/settings.mjs').BenchSettings} */
function settingsFromArgs() {
  const mode = args.quick ? 'quick' : 'full';
  const settings = structuredClone(MODES[mode]);
  /**
   * @param {string} name
   * @param {string} value
   */
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
/** @param {number} needed */
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
/** @param {string} message */
function log(message) {
  console.log(`  [${String(Math.round((Date.now() - startedAt) / 1000)).padStart(4)} s] ${message}`);
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}

/**
 * Runs one measurement; a failure is recorded and the bench goes on with the others.
 *
 * @template T
 * @param {string[]} failures
 * @param {string} label
 * @param {() => Promise<T> | T} measure
 * @returns {Promise<T | undefined>}
 */
async function attempt(failures, label, measure) {
  try {
    return await measure();
  } catch (error) {
    const { message } = /** @type {Error} */ (error);
    failures.push(`${label}: ${message}`);
    log(`✖ ${label} failed: ${message.split('\n')[0]}`);
    return undefined;
  }
}

/** @typedef {import('./lib/generated-app.mjs').App} App */
const SYSTEM_NAMES = /** @type {const} */ (['baseline', 'generated']);

async function main() {
  const settings = settingsFromArgs();
  ensureFileLimit(settings.idle.connections + 1_000);
  if (!NEST_CLI_VERSIONS[args.nest])
    fail(`--nest must be one of ${Object.keys(NEST_CLI_VERSIONS).join(', ')} (got ${args.nest}).`);
  const deadline = setTimeout(() => {
    console.error(`\n✖ the bench did not finish within ${settings.deadlineMs / 60_000} minutes; stopping it.`);
    killAll();
    process.exit(2);
  }, settings.deadlineMs);
  deadline.unref();

  console.log(
    `▶ nest-realtime bench (${settings.mode}, Nest ${args.nest}${args.redis ? ', with Redis' : ''}${args.app ? `, app ${args.app}` : ''})`,
  );
  lockAppCache(args.nest);
  /** @type {string[]} */
  const failures = [];
  // The Nest bare-handler floor, derived from the generated gateway and rebuilt every run, so that template
  // changes reach it; built beside the generated app when there is one to build.
  /** @type {{ build?: Promise<App | undefined> }} */
  const floor = {};
  const buildFloor = (/** @type {{ appDir: string, scaffoldDir: string }} */ generated) => {
    log('deriving the Nest bare-handler floor and building it too');
    floor.build = attempt(failures, 'Nest floor app', () => prepareFloorApp(generated));
  };
  const generated = args.app
    ? undefined
    : prepareGeneratedApp({ repoDir, nestMajor: args.nest, fresh: args.fresh, log, alongsideBuild: buildFloor });
  // --app: a built copy of a generated app whose files were edited by hand, to measure a change before
  // it goes into the templates.
  const app = generated ?? describeApp(resolve(String(args.app)), describeGeneratedApp(args.nest).scaffoldDir);
  if (!floor.build) buildFloor(app);
  const floorApp = await floor.build;
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
  const generatedApp = generated ?? describeGeneratedApp(args.nest);
  const generator = await attempt(failures, 'generator wall time', () =>
    measureGeneratorWall({ app: generatedApp, runs: settings.generatorRuns, log }),
  );
  /** @type {{ seconds: number | null, notRun?: string, steps?: Record<string, number> } | null} */
  let genToGreen = { seconds: null, notRun: 'quick mode: it takes minutes (full runs only)' };
  if (settings.genToGreen) {
    log('gen-to-green: nest new → nest add → nest g → install → build → generated tests');
    genToGreen =
      (await attempt(failures, 'gen-to-green', () =>
        measureGenToGreen({
          tarball: generated?.tarball ?? pack(repoDir, join(cacheRoot(), `nest${args.nest}`, 'gen-to-green-pack')),
          nestMajor: args.nest,
          log,
        }),
      )) ?? null;
  }
  log('measuring cold starts');
  /** @type {Record<string, Awaited<ReturnType<typeof measureColdStart>> | undefined>} */
  const coldStart = {};
  for (const name of SYSTEM_NAMES) {
    coldStart[name] = await attempt(failures, `${name} cold start`, () =>
      measureColdStart(systems[name], app, settings.coldStarts),
    );
  }

  /** @type {import('./lib/throughput.mjs').RoundRun[]} */
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
  /** @type {Record<string, Awaited<ReturnType<typeof measureIdleMemory>> | undefined>} */
  const idle = {};
  for (const name of SYSTEM_NAMES) {
    idle[name] = await attempt(failures, `${name} idle connections`, () =>
      measureIdleMemory({ system: systems[name], app, settings, log }),
    );
  }

  let redis = null;
  if (args.redis) {
    log('cross-instance delivery through redis-server');
    redis =
      (await attempt(failures, 'cross-instance delivery', () =>
        measureCrossInstance({ systems, app, settings, log }),
      )) ?? null;
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
