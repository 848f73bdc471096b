// @ts-check
// The two servers the bench compares, started the same way: one Node process on a free loopback port, in
// production mode, with a fresh HS256 secret.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, signToken, userClaims } from '../../scripts/lib/tooling.cjs';
import { startServer } from './processes.mjs';

const BASELINE_SERVER = join(dirname(fileURLToPath(import.meta.url)), '..', 'baseline-server.mjs');
export const NAMESPACE = '/chat';

/** @typedef {{ name: 'baseline' | 'generated' | 'floor', args: string[], env: Record<string, string> }} System */
/** @typedef {import('./generated-app.mjs').App} App */
/**
 * A started system: its server, the URL of its chat namespace, and tokens its JWT_SECRET verifies.
 *
 * @typedef {import('./processes.mjs').Server & { namespaceUrl: string, tokenFor: (userId: string) => string }} RunningSystem
 */

/**
 * Client limits for both systems, which read the same REALTIME_* variables. The bench's clients all connect
 * from one address, by the thousand, and send faster than an interactive user: the limiters still run on every
 * handshake and event, in both systems, but never refuse.
 */
const BENCH_LIMITS = {
  REALTIME_SOCKET_EVENTS_PER_SECOND: '1000000',
  REALTIME_USER_EVENTS_PER_SECOND: '1000000',
  REALTIME_HANDSHAKES_PER_SECOND: '1000000',
};

/**
 * The baseline and the generated app, for an app prepared by prepareGeneratedApp. Both run with
 * --expose-gc so that child-preload.cjs can collect garbage before memory is read.
 *
 * @param {App} app
 * @returns {{ baseline: System, generated: System }}
 */
export function systemsOf(app) {
  return {
    baseline: {
      name: 'baseline',
      args: ['--expose-gc', BASELINE_SERVER],
      env: { BENCH_APP_DIR: app.appDir, BENCH_DTO_DIR: app.dtoDir },
    },
    generated: { name: 'generated', args: ['--expose-gc', app.entry], env: {} },
  };
}

/**
 * Starts a system in `app.appDir`; the result also signs tokens for it and gives the namespace URL.
 *
 * @example
 * const server = await startSystem(systems.generated, app, { REDIS_URL: 'redis://127.0.0.1:6390' });
 * io(server.namespaceUrl, { auth: { token: server.tokenFor('alice') } });
 *
 * @param {System} system
 * @param {App} app
 * @param {Record<string, string>} [env]
 * @returns {Promise<RunningSystem>}
 */
export async function startSystem(system, app, env = {}) {
  const port = await freePort();
  // Instances of one deployment share their secret (env.JWT_SECRET); otherwise each gets a fresh one.
  const secret = env.JWT_SECRET ?? randomBytes(24).toString('hex');
  const server = await startServer({
    name: system.name,
    args: system.args,
    cwd: app.appDir,
    port,
    env: { ...BENCH_LIMITS, ...system.env, ...env, NODE_ENV: 'production', PORT: String(port), JWT_SECRET: secret },
  });
  return {
    ...server,
    namespaceUrl: `${server.url}${NAMESPACE}`,
    tokenFor: (userId) => signToken(secret, userClaims(userId)),
  };
}

/**
 * Starts a system, runs `use(server)` and stops the server whatever happens. A server that died on its own
 * fails the run, and its output is added to the error.
 *
 * @template T
 * @param {System} system
 * @param {App} app
 * @param {Record<string, string>} env
 * @param {(server: RunningSystem) => Promise<T>} use
 * @returns {Promise<T>}
 */
export async function withSystem(system, app, env, use) {
  const server = await startSystem(system, app, env);
  try {
    const result = await use(server);
    const failure = server.failure();
    if (failure) throw new Error(failure);
    return result;
  } catch (error) {
    const output = server.failure() ? `\n--- ${system.name} output ---\n${server.output()}` : '';
    throw new Error(`${system.name}: ${/** @type {Error} */ (error).message}${output}`);
  } finally {
    await server.stop();
  }
}

/**
 * Starts `count` instances of a system with the same env (one deployment), runs `use(servers)`, stops them.
 *
 * @template T
 * @param {System} system
 * @param {App} app
 * @param {Record<string, string>} env
 * @param {number} count
 * @param {(servers: RunningSystem[]) => Promise<T>} use
 * @param {RunningSystem[]} [started]
 * @returns {Promise<T>}
 */
export async function withInstances(system, app, env, count, use, started = []) {
  if (started.length === count) return use(started);
  return withSystem(system, app, env, (server) => withInstances(system, app, env, count, use, [...started, server]));
}
