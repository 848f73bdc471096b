// @ts-check
// Memory per idle authenticated connection: the server's growth in RSS (and V8 heap), each read after a full
// GC, while it holds K connected, idle clients (every one through the JWT handshake, none in a chat room),
// and how many of the K it held.
import { setTimeout as sleep } from 'node:timers/promises';
import { withLoadGroup } from './load.mjs';
import { rssBytes } from './processes.mjs';
import { withSystem } from './systems.mjs';

const CONNECTIONS_PER_WORKER = 2_500;
const WARM_UP_CONNECTIONS = 50;
const SETTLE_MS = 1_000;

/** @typedef {import('./systems.mjs').RunningSystem} RunningSystem */

/**
 * `count` clients that connect and do nothing else.
 *
 * @param {RunningSystem} server
 * @param {number} count
 * @param {string} prefix of their user ids
 * @returns {import('./load-worker.mjs').ClientSpec[]}
 */
export function idleClients(server, count, prefix) {
  return Array.from({ length: count }, (_, index) => ({
    url: server.namespaceUrl,
    token: server.tokenFor(`${prefix}-${index}`),
    sends: false,
  }));
}

/**
 * The server's memory right after a full garbage collection (see child-preload.cjs).
 *
 * @param {RunningSystem} server
 */
async function memoryAfterGc(server) {
  const heap = await server.ask({ benchCommand: 'heap' }, 'benchHeap');
  return { rssBytes: rssBytes(server.pid), heapBytes: heap.usedHeapBytes, externalBytes: heap.externalBytes };
}

/**
 * Connects and drops a few clients so that the measured connections find every code path warm.
 *
 * @param {RunningSystem} server
 * @param {Pick<import('./settings.mjs').BenchSettings, 'workerLifetimeMs'>} settings
 */
function warmUp(server, settings) {
  return withLoadGroup(1, settings.workerLifetimeMs, (group) =>
    group.connect(idleClients(server, WARM_UP_CONNECTIONS, 'warm-up')),
  );
}

/**
 * Memory per idle authenticated connection of one system, and how many of settings.idle.connections it held.
 *
 * @param {Omit<import('./settings.mjs').Measurement, 'systems'> & { system: import('./systems.mjs').System }} options
 */
export function measureIdleMemory({ system, app, settings, log }) {
  const target = settings.idle.connections;
  const workers = Math.ceil(target / CONNECTIONS_PER_WORKER);
  return withSystem(system, app, {}, async (server) => {
    await warmUp(server, settings);
    await sleep(SETTLE_MS);
    const before = await memoryAfterGc(server);
    return withLoadGroup(workers, settings.workerLifetimeMs, async (group) => {
      const startedAt = performance.now();
      const connection = await group.connect(idleClients(server, target, 'idle'), {
        concurrency: 25,
        timeoutMs: 300_000,
      });
      const connectSeconds = (performance.now() - startedAt) / 1000;
      await sleep(settings.idle.holdMs);
      const held = await group.connectedCount();
      const after = await memoryAfterGc(server);
      const perConnectionKb = (/** @type {'rssBytes' | 'heapBytes' | 'externalBytes'} */ key) =>
        held > 0 ? (after[key] - before[key]) / held / 1024 : Number.NaN;
      const kbPerConnection = perConnectionKb('rssBytes');
      log(
        `${system.name}: ${held}/${target} idle connections held in ${connectSeconds.toFixed(1)} s, ` +
          `${kbPerConnection.toFixed(1)} KB RSS each (heap ${perConnectionKb('heapBytes').toFixed(1)} KB)`,
      );
      return {
        system: system.name,
        connections: target,
        held,
        failedToConnect: connection.failed,
        firstError: connection.firstError,
        connectSeconds,
        rssBeforeMb: before.rssBytes / 2 ** 20,
        rssAfterMb: after.rssBytes / 2 ** 20,
        kbPerConnection,
        heapKbPerConnection: perConnectionKb('heapBytes'),
        externalKbPerConnection: perConnectionKb('externalBytes'),
      };
    });
  });
}
