// @ts-check
// Every process the bench starts goes through here, so that none outlives the bench: they are killed when
// it exits, on Ctrl-C, and (through child-preload.cjs and their IPC channel) even when the bench itself is
// killed with SIGKILL.
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */
/**
 * A long-running process startServer started (a server under test, or redis-server through supervise.cjs).
 *
 * @typedef {object} Server
 * @property {string} name
 * @property {number} port
 * @property {number} pid
 * @property {string} url `http://127.0.0.1:<port>`
 * @property {number} startupMs spawn → accepting TCP connections
 * @property {() => string} output the tail of its stdout and stderr
 * @property {(message: { benchCommand: string } & Record<string, unknown>, answerKey: string, timeoutMs?: number) => Promise<any>} ask
 *   sends `message` to child-preload.cjs and resolves with the `answerKey` of its answer
 * @property {() => string | undefined} failure why the process is gone when nobody stopped it, or undefined
 * @property {() => Promise<void>} stop SIGTERM, then SIGKILL after a grace period
 */

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHILD_PRELOAD = join(benchDir, 'lib', 'child-preload.cjs');
const OUTPUT_TAIL_CHARS = 20_000;
const STOP_GRACE_MS = 5_000;

/** @type {Set<ChildProcess>} */
const children = new Set();

/**
 * @template {ChildProcess} T
 * @param {T} child
 * @returns {T}
 */
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** @param {ChildProcess} child */
function isRunning(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills every process the bench started and that is still running. */
export function killAll() {
  for (const child of children) {
    if (isRunning(child)) child.kill('SIGKILL');
  }
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Whether something accepts TCP connections on the loopback interface's `port`.
 *
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Child environment: the bench's own, minus what would change how a server runs, plus `env`.
 *
 * @param {Record<string, string>} env
 */
function childEnvironment(env) {
  const { NODE_OPTIONS: _nodeOptions, REDIS_URL: _redisUrl, ...inherited } = process.env;
  return { ...inherited, NODE_OPTIONS: `--require ${JSON.stringify(CHILD_PRELOAD)}`, ...env };
}

/**
 * Starts a long-running Node process and resolves once it accepts TCP connections on `port`. The result's
 * `failure()` says whether it died on its own; `stop()` ends it (SIGTERM, then SIGKILL).
 *
 * @example
 * const server = await startServer({ name: 'app', args: ['dist/main.js'], cwd: appDir, env: { PORT: '3000' }, port: 3000 });
 * await server.stop();
 *
 * @param {{ name: string, args: string[], cwd?: string, env?: Record<string, string>, port: number, timeoutMs?: number }} options
 * @returns {Promise<Server>}
 */
export async function startServer({ name, args, cwd, env = {}, port, timeoutMs = 30_000 }) {
  const startedAt = performance.now();
  const child = track(
    spawn(process.execPath, args, { cwd, env: childEnvironment(env), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
  );
  let output = '';
  const collect = (/** @type {Buffer} */ chunk) => (output = (output + chunk).slice(-OUTPUT_TAIL_CHARS));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let stopping = false;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** @type {Server} */
  const server = {
    name,
    port,
    // NaN when it could not be spawned, which the wait below reports.
    pid: child.pid ?? Number.NaN,
    url: `http://127.0.0.1:${port}`,
    startupMs: Number.NaN,
    output: () => output,
    /** Sends `message` to child-preload.cjs and resolves with the `answerKey` of its answer. */
    ask(message, answerKey, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const onMessage = (/** @type {any} */ answer) => {
          if (answer?.[answerKey] === undefined) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(answer[answerKey]);
        };
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error(`${name} did not answer ${JSON.stringify(message)} within ${timeoutMs} ms`));
        }, timeoutMs);
        child.on('message', onMessage);
        child.send(message);
      });
    },
    /** Why the process is gone when nobody stopped it, or undefined while it runs (or was stopped). */
    failure: () =>
      !stopping && !isRunning(child)
        ? `${name} exited by itself (code ${child.exitCode}, signal ${child.signalCode})`
        : undefined,
    async stop() {
      stopping = true;
      if (!isRunning(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(`${name} exited (code ${child.exitCode}) before listening on ${port}:\n${output}`);
    }
    if (await accepts(port)) {
      server.startupMs = performance.now() - startedAt;
      return server;
    }
    await sleep(20);
  }
  await server.stop();
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms:\n${output}`);
}

/**
 * Forks a Node script with an IPC channel; it is killed with the bench like every other child.
 *
 * @param {string} modulePath
 * @param {Record<string, string>} [env]
 */
export function forkWorker(modulePath, env = {}) {
  return track(fork(modulePath, [], { env: childEnvironment(env), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf-8' }).stdout) || 100;

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds.
 *
 * @param {number} pid
 */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8');
  // Fields after the parenthesised command name start at field 3 (state); utime and stime are fields 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}

const HAS_SCHEDSTAT = existsSync('/proc/self/schedstat');

/**
 * CPU time a process's live threads have used so far, in microseconds, from each thread's schedstat
 * (nanoseconds): /proc/<pid>/stat counts clock ticks of 10 ms, which alone move a 3 s window at a few
 * hundred messages per second by a few percent. Node's threads live as long as the process, so none
 * takes its time away between two readings. Falls back to cpuMicros where the kernel keeps no schedstat.
 *
 * @param {number} pid
 */
export function threadCpuMicros(pid) {
  if (!HAS_SCHEDSTAT) return cpuMicros(pid);
  let nanos = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf-8').split(' ')[0]);
    } catch (error) {
      // A thread that ended since the listing.
      const { code } = /** @type {NodeJS.ErrnoException} */ (error);
      if (code !== 'ENOENT' && code !== 'ESRCH') throw error;
    }
  }
  return nanos / 1000;
}

/**
 * Resident set size of a process, in bytes.
 *
 * @param {number} pid
 */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf-8');
  const kilobytes = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kilobytes * 1024;
}
