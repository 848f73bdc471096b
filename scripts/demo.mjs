// @ts-check
// npm run demo [-- --nest 11|12] [--port 3000] [--fresh] [--dir .demo]
// Builds and packs nest-realtime, scaffolds (or reuses) a fresh Nest app in .demo/, applies our schematics
// through the real Nest CLI, builds it and runs it with the in-memory adapter. Prints what a person needs to
// connect: the socket playground in a browser with two users ready, or any socket.io client. Ctrl-C stops it
// cleanly.
// It never waits for an answer, even in a terminal: see sh().
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NEST_CLI_VERSIONS, nestNewCommand } from './lib/tooling.cjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    nest: { type: 'string', default: '12' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    fresh: { type: 'boolean', default: false },
    dir: { type: 'string', default: '.demo' },
  },
});
const cliVersion = NEST_CLI_VERSIONS[args.nest];
if (!cliVersion) {
  fail(`--nest must be one of ${Object.keys(NEST_CLI_VERSIONS).join(', ')} (got ${args.nest}).`);
}

const demoDir = resolve(root, args.dir);
const appDir = join(demoDir, `nest${args.nest}`, 'realtime-demo');

step('Building and packing nest-realtime');
mkdirSync(demoDir, { recursive: true });
readdirSync(demoDir)
  .filter((file) => file.endsWith('.tgz'))
  .forEach((file) => rmSync(join(demoDir, file)));
await sh('npm', ['pack', '--pack-destination', demoDir], root);
const packed = readdirSync(demoDir).find((file) => file.endsWith('.tgz'));
if (packed === undefined) fail(`npm pack wrote no tarball to ${demoDir}.`);
const tarball = join(demoDir, packed);

if (args.fresh || !existsSync(join(appDir, 'node_modules'))) {
  step(`Scaffolding a fresh app with @nestjs/cli@${cliVersion} into ${appDir}`);
  // Scaffolded outside this repository: inside it, the Nest CLI would pick up our own @nestjs/schematics.
  const scratch = mkdtempSync(join(tmpdir(), 'nest-realtime-demo-'));
  const { command, args: newArgs } = nestNewCommand(args.nest, 'realtime-demo');
  await sh(command, newArgs, scratch);
  rmSync(dirname(appDir), { recursive: true, force: true });
  mkdirSync(dirname(appDir), { recursive: true });
  cpSync(join(scratch, 'realtime-demo'), appDir, { recursive: true, verbatimSymlinks: true });
  rmSync(scratch, { recursive: true, force: true });
} else {
  step(`Reusing ${appDir} (pass --fresh to scaffold again)`);
}

step('Installing nest-realtime and generating the chat gateway with the Nest CLI');
await sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball], appDir);
await sh('npx', ['nest', 'g', '-c', 'nest-realtime', 'realtime-gateway', 'chat'], appDir);
// The Nest CLI exits 0 even when a schematic throws.
if (!existsSync(join(appDir, 'src/chat/chat.gateway.ts'))) {
  fail(`nest g realtime-gateway chat wrote no src/chat/chat.gateway.ts in ${appDir}: see its output above.`);
}
await sh('npm', ['run', 'build'], appDir);

step('Starting the app (in-memory adapter: REDIS_URL is not set)');
const child = spawn(process.execPath, ['dist/main.js'], {
  cwd: appDir,
  env: {
    ...process.env,
    PORT: args.port,
    // No JWT_SECRET: the development secret, with which the playground mints tokens for any user.
    JWT_SECRET: '',
    NODE_ENV: 'development',
    REALTIME_PLAYGROUND: '1',
    CORS_ORIGINS: 'http://localhost:5173',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
child.once('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill('SIGTERM'));
}
waitForPort(Number(args.port)).then(async (listening) => {
  if (!listening) {
    child.kill('SIGKILL');
    fail(`The app did not listen on port ${args.port} within 20 s.`);
  }
  const url = `http://localhost:${args.port}`;
  const token = await mintToken(url, 'demo-user');
  console.log(`
  nest-realtime demo is running (Nest ${args.nest}, app in ${appDir})

    Playground ${url}/realtime/playground?connect=alice,bob&namespace=/chat
               (open it in a browser: alice and bob are connected side by side; emit joinRoom in both, then
               sendMessage in one, and watch the other receive it)

    URL        ${url}
    Namespace  /chat
    Token      ${token}
               (HS256, sub "demo-user", valid 1 hour; minted by the app with its development secret)

  Connect from any socket.io client, e.g. from ${appDir}:
    node -e "const s=require('socket.io-client').io('${url}/chat',{transports:['websocket'],auth:{token:process.argv[1]}});s.on('connect',async()=>{console.log(await s.emitWithAck('joinRoom',{roomId:'lobby'}));console.log(await s.emitWithAck('sendMessage',{roomId:'lobby',content:'hi'}));s.close()});s.on('connect_error',e=>console.log(e.message))" ${token}

  Ctrl-C stops the app cleanly (clients get "serverShutdown").
`);
});

/**
 * A token from the app's own playground, which signs with the development secret.
 *
 * @param {string} url
 * @param {string} sub
 * @returns {Promise<string>}
 */
async function mintToken(url, sub) {
  const response = await fetch(`${url}/realtime/playground/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sub }),
  });
  if (!response.ok) {
    child.kill('SIGTERM');
    fail(`The app's playground did not mint a token (HTTP ${response.status}): ${await response.text()}`);
  }
  const { token } = /** @type {{ token: string }} */ (await response.json());
  return token;
}

/**
 * Whether the app listens on `port` within 20 s (false as soon as it exits).
 *
 * @param {number} port
 */
async function waitForPort(port) {
  for (let attempt = 0; attempt < 200 && child.exitCode === null; attempt++) {
    const open = await new Promise((/** @type {(open: boolean) => void} */ resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Runs a command to its end, its output passed through; a failure ends the demo.
 *
 * @param {string} command
 * @param {string[]} commandArgs
 * @param {string} cwd
 */
async function sh(command, commandArgs, cwd) {
  // No terminal for the tools: no input, and their output passed through. On a terminal the Nest CLI asks
  // questions (its own, and the schematics' x-prompts such as Nest 12's module system), and its spinners
  // (ora 9) redraw forever on a terminal that reports no width, as a pseudo-terminal without a size does.
  const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(process.stdout, { end: false });
  child.stderr.pipe(process.stderr, { end: false });
  const [status] = await once(child, 'close');
  if (status !== 0) {
    fail(`\`${command} ${commandArgs.join(' ')}\` failed in ${cwd} (exit ${status}).`);
  }
}

/** @param {string} message */
function step(message) {
  console.log(`\n▶ ${message}`);
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}
