// @ts-check
// How long generating takes as a user sees it: `nest g realtime-gateway chat` against Nest's own `nest g
// gateway chat` through the same Nest CLI in the same app, and a fresh app's way from `nest new` to passing
// generated tests.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nestNewCommand } from '../../scripts/lib/tooling.cjs';
import { cacheRoot, FORMAT_CACHE } from './generated-app.mjs';
import { median, ratio } from './stats.mjs';

/** @typedef {import('./generated-app.mjs').GeneratedApp} GeneratedApp */

const OUTPUT_TAIL_CHARS = 8_000;

/**
 * Runs a command to its end and resolves with its wall time and output; rejects when it exits non-zero.
 * CI=true keeps the Nest CLI from asking anything (Nest 12 asks about @nestjs/observe on a terminal);
 * prefer-offline lets the warm npm cache answer; NODE_OPTIONS and REDIS_URL of the bench stay out.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @param {Record<string, string>} [env]
 * @returns {Promise<{ ms: number, output: string }>}
 */
function timed(command, args, cwd, env = {}) {
  const { NODE_OPTIONS: _nodeOptions, REDIS_URL: _redisUrl, ...inherited } = process.env;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...inherited, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', npm_config_prefer_offline: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (/** @type {Buffer} */ chunk) => (output += chunk);
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) {
        resolve({ ms, output });
      } else {
        reject(
          new Error(
            `\`${[command, ...args].join(' ')}\` failed in ${cwd} (exit ${code}):\n${output.slice(-OUTPUT_TAIL_CHARS)}`,
          ),
        );
      }
    });
  });
}

/**
 * Puts `dir` back as `nest add` left it: everything but node_modules from the app's snapshot, and the
 * schematics' format cache as it was then (the entries of the files `nest add` wrote, none of a feature):
 * otherwise every run after the first would find the feature's files already formatted, which a user's
 * first `nest g` does not.
 *
 * @param {GeneratedApp} app
 * @param {string} dir
 */
function restoreApp(app, dir) {
  for (const entry of readdirSync(dir).filter((name) => name !== 'node_modules')) {
    rmSync(join(dir, entry), { recursive: true, force: true });
  }
  cpSync(app.beforeGatewayDir, dir, { recursive: true, verbatimSymlinks: true });
  rmSync(join(dir, FORMAT_CACHE), { recursive: true, force: true });
  if (existsSync(app.beforeGatewayCacheDir)) {
    cpSync(app.beforeGatewayCacheDir, join(dir, FORMAT_CACHE), { recursive: true });
  }
}

// The Nest CLI exits 0 when a schematic throws, so a run counts only when it says it created the gateway.
const CREATED_GATEWAY = /^\s*CREATE src\/chat\/chat\.gateway\.ts\b/m;
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * One `nest g <schematic> chat` in `workDir` restored to the app as `nest add` left it; its wall time in ms.
 *
 * @param {GeneratedApp} app
 * @param {string} workDir
 * @param {string} schematic
 */
async function generateOnce(app, workDir, schematic) {
  restoreApp(app, workDir);
  const { ms, output } = await timed(join(workDir, 'node_modules', '.bin', 'nest'), ['g', schematic, 'chat'], workDir);
  const plain = output.replace(ANSI, '');
  if (!CREATED_GATEWAY.test(plain) || !existsSync(join(workDir, 'src', 'chat', 'chat.gateway.ts'))) {
    throw new Error(
      `\`nest g ${schematic} chat\` created no src/chat/chat.gateway.ts:\n${plain.slice(-OUTPUT_TAIL_CHARS)}`,
    );
  }
  return { ms, created: plain.match(/^\s*CREATE /gm)?.length ?? 0 };
}

/**
 * `nest g realtime-gateway chat` (ours) against `nest g gateway chat` (Nest's, through the same collection,
 * which extends @nestjs/schematics), each run by the app's own Nest CLI binary in a copy of the generated app
 * as `nest add nest-realtime` left it (generated-app.mjs snapshots it before generating), restored before
 * every run so that both really write their files. The copy shares the app's node_modules through a symlink:
 * the same packages, without copying 250 MB. The two alternate (ABAB) `runs` times each; medians in ms.
 * The app's node_modules is left as it was found, its format cache included.
 *
 * @param {{ app: GeneratedApp, runs: number, log: (message: string) => void }} options
 */
export async function measureGeneratorWall({ app, runs, log }) {
  if (!existsSync(app.beforeGatewayDir)) {
    throw new Error(
      `no snapshot of the app before \`nest g\` in ${app.beforeGatewayDir}; run the bench without --app once`,
    );
  }
  const workDir = join(dirname(dirname(app.beforeGatewayDir)), 'generator', 'bench-app');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  symlinkSync(join(app.appDir, 'node_modules'), join(workDir, 'node_modules'), 'dir');
  /** @type {{ ours: number[], nest: number[] }} */
  const timings = { ours: [], nest: [] };
  /** @type {{ ours?: number, nest?: number }} */
  const created = {};
  /** @type {Array<['ours' | 'nest', string]>} */
  const schematics = [
    ['ours', 'realtime-gateway'],
    ['nest', 'gateway'],
  ];
  try {
    for (let run = 0; run < runs; run++) {
      for (const [key, schematic] of schematics) {
        const result = await generateOnce(app, workDir, schematic);
        timings[key].push(Math.round(result.ms));
        created[key] = result.created;
      }
    }
  } finally {
    restoreApp(app, workDir);
    rmSync(workDir, { recursive: true, force: true });
  }
  const generatorWallMs = median(timings.ours);
  const nestGatewayWallMs = median(timings.nest);
  log(
    `nest g realtime-gateway chat ${generatorWallMs} ms, nest g gateway chat ${nestGatewayWallMs} ms (medians of ${runs})`,
  );
  return {
    runs,
    generatorWallMs,
    nestGatewayWallMs,
    ratio: ratio(generatorWallMs, nestGatewayWallMs),
    timingsMs: timings,
    filesCreated: created,
  };
}

/**
 * A test run's output as the harness reads it: it must name the generated specs (a schematic that threw
 * leaves only the stock ones), and its summary (Jest `Tests:`, Vitest `Tests`) must count no skipped test.
 */
/**
 * @param {string} output
 * @param {string} label
 * @param {string[]} specs
 */
function checkTests(output, label, specs) {
  for (const spec of specs) {
    if (!output.includes(spec)) throw new Error(`${label} ran no ${spec}:\n${output.slice(-OUTPUT_TAIL_CHARS)}`);
  }
  if (/^\s*Tests:?\s.*\bskipped\b/m.test(output)) {
    throw new Error(`${label} skipped tests:\n${output.slice(-OUTPUT_TAIL_CHARS)}`);
  }
}

/**
 * A new app's way to green, timed per step, with the npm cache warm from earlier runs: `nest new` of the
 * pinned CLI in a new temp folder, the packed package installed and `nest add nest-realtime --skip-install`
 * (as prepareGeneratedApp does: a plain `nest add` would install nest-realtime@latest from the registry),
 * `nest g realtime-gateway chat`, `npm install`, `npm run build`, then the app's unit tests and e2e tests as
 * the README's quick start runs them (the chat feature's specs need no Redis: the runtime's own suite covers
 * scale-out).
 * The app is deleted afterwards. Seconds, per step and in total.
 *
 * @param {{ tarball: string, nestMajor: string, log: (message: string) => void }} options
 */
export async function measureGenToGreen({ tarball, nestMajor, log }) {
  const parent = join(cacheRoot(), `nest${nestMajor}`);
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, 'gen-to-green-'));
  const appDir = join(root, 'green-app');
  /** @type {Record<string, number>} */
  const stepsMs = {};
  /**
   * Runs the commands of one step, in `appDir` unless a command names its folder; their output, plain.
   *
   * @param {string} name
   * @param {Array<[command: string, args: string[], cwd?: string]>} commands
   */
  const step = async (name, commands) => {
    let output = '';
    stepsMs[name] = 0;
    for (const [command, args, cwd = appDir] of commands) {
      const result = await timed(command, args, cwd);
      stepsMs[name] += result.ms;
      output += result.output;
    }
    log(`gen-to-green: ${name} ${(stepsMs[name] / 1000).toFixed(1)} s`);
    return output.replace(ANSI, '');
  };
  const nest = join(appDir, 'node_modules', '.bin', 'nest');
  try {
    const { command, args } = nestNewCommand(nestMajor, 'green-app');
    await step('new', [[command, args, root]]);
    await step('add', [
      ['npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball]],
      [nest, ['add', 'nest-realtime', '--skip-install']],
    ]);
    const generated = await step('generate', [[nest, ['g', 'realtime-gateway', 'chat']]]);
    if (!CREATED_GATEWAY.test(generated))
      throw new Error(`nest g realtime-gateway chat created no gateway:\n${generated}`);
    await step('install', [['npm', ['install', '--no-audit', '--no-fund']]]);
    await step('build', [['npm', ['run', 'build']]]);
    checkTests(await step('unitTests', [['npm', ['test']]]), 'npm test', ['chat.gateway.spec']);
    checkTests(await step('e2eTests', [['npm', ['run', 'test:e2e']]]), 'npm run test:e2e', ['chat.e2e-spec']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const seconds = (/** @type {number} */ ms) => +(ms / 1000).toFixed(1);
  const totalMs = Object.values(stepsMs).reduce((sum, ms) => sum + ms, 0);
  return {
    seconds: seconds(totalMs),
    steps: Object.fromEntries(Object.entries(stepsMs).map(([name, ms]) => [name, seconds(ms)])),
  };
}
