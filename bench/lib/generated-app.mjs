// @ts-check
// The app under test: a fresh `nest new` app (scaffolded once and cached outside the repository), into which
// every bench run installs the package as it is now, runs `nest add nest-realtime` and generates
// `realtime-gateway chat` with the real Nest CLI, so that the figures always measure the current templates.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nestNewCommand } from '../../scripts/lib/tooling.cjs';

/** @typedef {ReturnType<typeof describeApp>} App A built generated app, or a copy of one. */
/**
 * The app prepareGeneratedApp last built, with its snapshot from before `nest g` (generator.mjs).
 *
 * @typedef {ReturnType<typeof describeGeneratedApp> & { tarball?: string }} GeneratedApp
 */

const APP_NAME = 'bench-app';
/** Where our schematics keep Prettier's output for an app (src/utils/formatting.ts). */
export const FORMAT_CACHE = join('node_modules', '.cache', 'nest-realtime');
const OUTPUT_TAIL_CHARS = 12_000;

/** Where scaffolded apps are kept between bench runs. */
export function cacheRoot() {
  return join(tmpdir(), 'nest-realtime-bench');
}

/**
 * Runs a command to its end, without a terminal; throws with the tail of its output when it fails.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 */
function run(command, args, cwd) {
  const { NODE_OPTIONS: _nodeOptions, ...env } = process.env;
  const result = spawnSync(command, args, {
    cwd,
    // prefer-offline: the npm cache answers for packages installed before, which keeps a bench run's two
    // installs (ours, then the schematic's) from waiting on registry round trips.
    env: { ...env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', npm_config_prefer_offline: 'true' },
    encoding: 'utf-8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
    throw new Error(
      `\`${[command, ...args].join(' ')}\` failed in ${cwd} (exit ${result.status}):\n${output.slice(-OUTPUT_TAIL_CHARS)}`,
    );
  }
  return result.stdout;
}

/** @param {string} nestMajor */
function appPaths(nestMajor) {
  const majorDir = join(cacheRoot(), `nest${nestMajor}`);
  return {
    majorDir,
    scaffoldDir: join(majorDir, 'scaffold', APP_NAME),
    appDir: join(majorDir, 'app', APP_NAME),
    beforeGatewayDir: join(majorDir, 'before-gateway', APP_NAME),
    beforeGatewayCacheDir: join(majorDir, 'before-gateway', 'format-cache'),
  };
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Claims the cached apps of a Nest major for this process until it exits. Two bench runs sharing them
 * (e.g. from two checkouts) would rebuild the app under each other's servers, so the second one stops
 * here with a clear message; a lock left by a process that no longer runs is taken over.
 *
 * @param {string} nestMajor
 */
export function lockAppCache(nestMajor) {
  const { majorDir } = appPaths(nestMajor);
  mkdirSync(majorDir, { recursive: true });
  const lockPath = join(majorDir, 'bench.lock');
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lockPath, 'utf-8'));
    if (holder !== process.pid && isAlive(holder)) {
      throw new Error(`another bench run (pid ${holder}) is using ${majorDir}; wait until it has finished`);
    }
    writeFileSync(lockPath, String(process.pid));
  }
  process.once('exit', () => {
    if (existsSync(lockPath) && readFileSync(lockPath, 'utf-8') === String(process.pid)) rmSync(lockPath);
  });
}

/**
 * Packs the repository as it would be published and returns the tarball's path.
 *
 * @param {string} repoDir
 * @param {string} destination
 */
export function pack(repoDir, destination) {
  mkdirSync(destination, { recursive: true });
  for (const file of readdirSync(destination).filter((name) => name.endsWith('.tgz'))) {
    rmSync(join(destination, file));
  }
  run('npm', ['pack', '--pack-destination', destination], repoDir);
  const tarball = readdirSync(destination).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball to ${destination}`);
  return join(destination, tarball);
}

/**
 * The path of the first file named `fileName` below `dir`, or undefined.
 *
 * @param {string} dir
 * @param {string} fileName
 * @returns {string | undefined}
 */
function findFile(dir, fileName) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === fileName) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, fileName);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Makes appDir a copy of the untouched scaffold. Its node_modules is kept from the previous run (npm
 * reconciles it with the restored package.json and lock file): copying 250 MB each time is slow on a
 * busy disk, and with --fresh it goes too.
 *
 * @param {string} scaffoldDir
 * @param {string} appDir
 * @param {boolean} fresh
 */
function resetApp(scaffoldDir, appDir, fresh) {
  if (fresh || !existsSync(join(appDir, 'node_modules'))) {
    rmSync(appDir, { recursive: true, force: true });
    mkdirSync(dirname(appDir), { recursive: true });
    run('cp', ['-a', scaffoldDir, appDir], dirname(appDir));
    return;
  }
  for (const entry of readdirSync(appDir).filter((name) => name !== 'node_modules')) {
    rmSync(join(appDir, entry), { recursive: true, force: true });
  }
  for (const entry of readdirSync(scaffoldDir).filter((name) => name !== 'node_modules')) {
    cpSync(join(scaffoldDir, entry), join(appDir, entry), { recursive: true, verbatimSymlinks: true });
  }
  // The tarball keeps its name from run to run; this makes sure its new content is what gets installed.
  rmSync(join(appDir, 'node_modules', 'nest-realtime'), { recursive: true, force: true });
}

/**
 * Builds the generated app for a Nest major and describes it (see describeGeneratedApp). Steps are
 * reported through `log`. `alongsideBuild({ appDir, scaffoldDir })`, when given, is called once the feature
 * is generated, right before the app's build, to start another build from its sources (the Nest floor's,
 * lib/floor-app.mjs) that runs at the same time: on 2 cores the two take hardly longer than one.
 *
 * @param {{ repoDir: string, nestMajor: string, fresh: boolean, log: (message: string) => void,
 *   alongsideBuild?: (app: { appDir: string, scaffoldDir: string }) => void }} options
 * @returns {GeneratedApp}
 */
export function prepareGeneratedApp({ repoDir, nestMajor, fresh, log, alongsideBuild }) {
  const { majorDir, scaffoldDir, appDir, beforeGatewayDir, beforeGatewayCacheDir } = appPaths(nestMajor);

  log('packing nest-realtime');
  const tarball = pack(repoDir, majorDir);

  if (fresh || !existsSync(join(scaffoldDir, 'node_modules'))) {
    const { command, args } = nestNewCommand(nestMajor, APP_NAME);
    log(`scaffolding a fresh Nest ${nestMajor} app with ${args[1]} (cached in ${dirname(scaffoldDir)})`);
    rmSync(dirname(scaffoldDir), { recursive: true, force: true });
    mkdirSync(dirname(scaffoldDir), { recursive: true });
    // Outside this repository: inside it, the Nest CLI would pick up our own @nestjs/schematics.
    run(command, args, dirname(scaffoldDir));
  }

  log('installing the package, then `nest add nest-realtime` and `nest g realtime-gateway chat`');
  resetApp(scaffoldDir, appDir, fresh);
  run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball], appDir);
  // node_modules outlives runs: without this, the format cache would hold the last run's feature too.
  rmSync(join(appDir, FORMAT_CACHE), { recursive: true, force: true });
  // The README's flow. `nest add` also wires main.ts to the Redis adapter, which --redis needs; without
  // REDIS_URL the app keeps socket.io's in-memory adapter. --skip-install: it would otherwise install
  // nest-realtime@latest from the registry over our tarball.
  run('npx', ['nest', 'add', 'nest-realtime', '--skip-install'], appDir);
  run('npm', ['install', '--no-audit', '--no-fund'], appDir);
  snapshotSources(appDir, beforeGatewayDir);
  rmSync(beforeGatewayCacheDir, { recursive: true, force: true });
  if (existsSync(join(appDir, FORMAT_CACHE)))
    cpSync(join(appDir, FORMAT_CACHE), beforeGatewayCacheDir, { recursive: true });
  run('npx', ['nest', 'g', 'realtime-gateway', 'chat'], appDir);
  log('building the generated app');
  alongsideBuild?.({ appDir, scaffoldDir });
  run('npm', ['run', 'build'], appDir);

  return { ...describeGeneratedApp(nestMajor), tarball };
}

/**
 * Copies an app without node_modules and dist to `destination` (replacing it): the app as `nest add` left
 * it, which the generator timing (generator.mjs) restores before every `nest g`, with the format cache
 * `nest add` left (prepareGeneratedApp keeps that beside it).
 *
 * @param {string} appDir
 * @param {string} destination
 */
function snapshotSources(appDir, destination) {
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  for (const entry of readdirSync(appDir).filter((name) => !['node_modules', 'dist'].includes(name))) {
    cpSync(join(appDir, entry), join(destination, entry), { recursive: true, verbatimSymlinks: true });
  }
}

/**
 * The app prepareGeneratedApp last built for a Nest major.
 *
 * @param {string} nestMajor
 */
export function describeGeneratedApp(nestMajor) {
  const { scaffoldDir, appDir, beforeGatewayDir, beforeGatewayCacheDir } = appPaths(nestMajor);
  return { ...describeApp(appDir, scaffoldDir), beforeGatewayDir, beforeGatewayCacheDir };
}

/**
 * A built generated app (or a copy of one): its folders, entry point, compiled DTOs and versions.
 *
 * @param {string} appDir
 * @param {string} scaffoldDir
 */
export function describeApp(appDir, scaffoldDir) {
  const entry = join(appDir, 'dist', 'main.js');
  const roomDto = existsSync(entry) ? findFile(join(appDir, 'dist'), 'room.dto.js') : undefined;
  if (!roomDto) {
    throw new Error(`${appDir} has no built dist/main.js with a compiled room.dto.js; run npm run bench first`);
  }
  const versionOf = (/** @type {string} */ name) =>
    JSON.parse(readFileSync(join(appDir, 'node_modules', name, 'package.json'), 'utf-8')).version;
  return {
    appDir,
    scaffoldDir,
    entry,
    dtoDir: dirname(roomDto),
    versions: {
      nestCli: versionOf('@nestjs/cli'),
      nestCore: versionOf('@nestjs/core'),
      socketIo: versionOf('socket.io'),
      classValidator: versionOf('class-validator'),
    },
  };
}
