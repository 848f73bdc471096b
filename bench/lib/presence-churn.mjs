// @ts-check
// Presence churn: K users in rooms of M, then one user of each of L rooms disconnects at the same moment.
// The contract says `presence` reaches only the members of the leaver's rooms, batched per room, so the
// cost should follow the rooms the leavers shared (L rooms × M − 1 members), not everyone connected
// (L × K events if each departure went to the whole namespace). With --redis, the users alternate between
// two instances, so every room spans both and each departure is checked across the cluster.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLoadGroup } from './load.mjs';
import { cpuMicros } from './processes.mjs';
import { withInstances } from './systems.mjs';

const CONNECTIONS_PER_WORKER = 2_500;
const POLL_MS = 250;

/** @typedef {import('./systems.mjs').RunningSystem} RunningSystem */

/**
 * User i is in room ⌊i / M⌋ on instance i mod instances; the first member of each of the first L rooms leaves.
 *
 * @param {RunningSystem[]} servers
 * @param {{ users: number, roomSize: number, leavers: number }} churn
 * @returns {import('./load-worker.mjs').ClientSpec[]}
 */
function churnClients(servers, { users, roomSize, leavers }) {
  return Array.from({ length: users }, (_, index) => {
    const server = servers[index % servers.length];
    const room = Math.floor(index / roomSize);
    return {
      url: server.namespaceUrl,
      token: server.tokenFor(`churn-${index}`),
      room: `churn-${room}`,
      sends: false,
      leaves: index % roomSize === 0 && room < leavers,
    };
  });
}

/**
 * Waits until no `presence` arrived for `quietMs` (or `timeoutMs` passed); returns what arrived in total.
 *
 * @param {import('./load.mjs').LoadGroup} group
 * @param {number} quietMs
 * @param {number} timeoutMs
 */
async function presenceUntilQuiet(group, quietMs, timeoutMs) {
  const total = { events: 0, users: 0 };
  const startedAt = Date.now();
  let lastChangeAt = startedAt;
  while (Date.now() - lastChangeAt < quietMs && Date.now() - startedAt < timeoutMs) {
    await sleep(POLL_MS);
    const counted = await group.presenceCounters();
    if (counted.events > 0) lastChangeAt = Date.now();
    total.events += counted.events;
    total.users += counted.users;
  }
  return { ...total, settledMs: lastChangeAt - startedAt };
}

/**
 * Presence churn for one system, on one instance, or two sharing `redisUrl`.
 *
 * @param {import('./reconnect-storm.mjs').ScenarioRun} options
 */
export function measurePresenceChurn({ system, app, settings, redisUrl, log }) {
  const churn = settings.churn;
  /** @type {Record<string, string>} */
  const env = { JWT_SECRET: randomBytes(24).toString('hex'), ...(redisUrl && { REDIS_URL: redisUrl }) };
  const workers = Math.max(1, Math.ceil(churn.users / CONNECTIONS_PER_WORKER));
  return withInstances(system, app, env, redisUrl ? 2 : 1, (servers) =>
    withLoadGroup(workers, settings.workerLifetimeMs, async (group) => {
      const specs = churnClients(servers, churn);
      const connection = await group.connect(specs, { concurrency: 25, timeoutMs: 300_000 });
      if (connection.connected !== specs.length) {
        throw new Error(`${connection.connected} of ${specs.length} clients connected: ${connection.firstError}`);
      }
      // The joins' own presence batches go out first.
      await presenceUntilQuiet(group, churn.quietMs, churn.timeoutMs);
      const cpuBefore = servers.map((server) => cpuMicros(server.pid));
      const left = await group.leave();
      const received = await presenceUntilQuiet(group, churn.quietMs, churn.timeoutMs);
      const cpuMicrosSpent = servers.reduce(
        (total, server, index) => total + cpuMicros(server.pid) - cpuBefore[index],
        0,
      );
      const remaining = specs.length - left;
      const sharedRooms = churn.leavers;
      const result = {
        system: system.name,
        redis: Boolean(redisUrl),
        users: specs.length,
        left,
        remaining,
        roomsWithALeaver: sharedRooms,
        // Each such room's other members hear of the departure, in one batch if it all fits in one.
        expectedPresenceEvents: sharedRooms * (churn.roomSize - 1),
        namespaceWidePresenceEvents: left * remaining,
        presenceEvents: received.events,
        presenceEntries: received.users,
        presenceEventsPerRemainingClient: received.events / remaining,
        settledMs: received.settledMs,
        serverCpuMs: cpuMicrosSpent / 1000,
        serverCpuUsPerLeaver: cpuMicrosSpent / left,
      };
      log(
        `${system.name}${redisUrl ? ' (redis)' : ''}: ${left} of ${specs.length} left; ${result.presenceEvents} presence ` +
          `events (${result.expectedPresenceEvents} expected, ${result.namespaceWidePresenceEvents} if namespace-wide), ` +
          `${result.serverCpuMs.toFixed(0)} ms server CPU`,
      );
      return result;
    }),
  );
}
