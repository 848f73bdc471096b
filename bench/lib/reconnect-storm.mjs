// @ts-check
// Reconnect storm after a deploy: K clients spread over two instances of one system (sharing a redis-server
// with --redis), each in a room; one instance gets SIGTERM. Its clients do what `serverShutdown` tells them
// (wait `retryAfter`, reconnect to the other instance, rejoin their room) while the survivor's own clients
// keep chatting. Measured on the survivor: how fast the movers are back, the handshake rate it sustains, its
// CPU per reconnect, its event-loop delay, and whether any message between clients that never disconnected
// was lost.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLoadGroup } from './load.mjs';
import { cpuMicros } from './processes.mjs';
import { percentile } from './stats.mjs';
import { withSystem } from './systems.mjs';

const CONTENT_LENGTH = 100;
const CONNECTIONS_PER_WORKER = 2_500;
const POLL_MS = 100;

/** @typedef {import('./systems.mjs').RunningSystem} RunningSystem */
/**
 * One scenario run of one system: its instances share `redisUrl` when given.
 *
 * @typedef {Omit<import('./settings.mjs').Measurement, 'systems'> & { system: import('./systems.mjs').System, redisUrl?: string }} ScenarioRun
 */

/**
 * Clients 0 … K/2−1 stay on the survivor, the rest start on the instance that will drain and fail over to
 * the survivor. Rooms never span the two halves, so every message between stayers has a known set of
 * receivers and a lost one shows.
 *
 * @param {RunningSystem} survivor
 * @param {RunningSystem} draining
 * @param {{ clients: number, roomSize: number }} storm
 * @returns {import('./load-worker.mjs').ClientSpec[]}
 */
function stormClients(survivor, draining, { clients, roomSize }) {
  const stayers = Math.floor(clients / 2 / roomSize) * roomSize;
  return Array.from({ length: clients }, (_, index) => {
    const stays = index < stayers;
    const server = stays ? survivor : draining;
    return {
      url: server.namespaceUrl,
      token: server.tokenFor(`storm-${index}`),
      room: `storm-${Math.floor(index / roomSize)}`,
      sends: stays,
      ...(!stays && { failoverUrl: survivor.namespaceUrl }),
    };
  });
}

/**
 * The most reconnects completed within any one second.
 *
 * @param {number[]} times
 */
function peakPerSecond(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= 1_000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

/**
 * Runs the storm for one system. `redisUrl`: both instances use it (their Redis adapter, shared limits and
 * presence); without it they are two independent instances behind a load balancer.
 *
 * @param {ScenarioRun} options
 */
export function measureReconnectStorm({ system, app, settings, redisUrl, log }) {
  const storm = settings.storm;
  // One deployment: both instances verify the same tokens.
  /** @type {Record<string, string>} */
  const env = {
    JWT_SECRET: randomBytes(24).toString('hex'),
    // Unset in full runs: the generated default (5 s). Quick runs wait less.
    ...(storm.retryAfterMs !== undefined && { REALTIME_SHUTDOWN_RETRY_AFTER_MS: String(storm.retryAfterMs) }),
    ...(redisUrl && { REDIS_URL: redisUrl }),
  };
  const workers = Math.max(2, Math.ceil(storm.clients / CONNECTIONS_PER_WORKER));
  return withSystem(system, app, env, (survivor) =>
    withSystem(system, app, env, (draining) =>
      withLoadGroup(workers, settings.workerLifetimeMs, async (group) => {
        const specs = stormClients(survivor, draining, storm);
        const movers = specs.filter((spec) => spec.failoverUrl).length;
        const stayers = specs.length - movers;
        const connection = await group.connect(specs, { concurrency: 25, timeoutMs: 300_000 });
        if (connection.connected !== specs.length) {
          throw new Error(`${connection.connected} of ${specs.length} clients connected: ${connection.firstError}`);
        }
        await sleep(storm.settleMs);
        // The stayers chat all through the storm; the drain starts once their load is steady. A worker with
        // senders answers `stop` while its load runs.
        const chat = group.load({
          rate: storm.chatRate,
          warmupMs: 0,
          // Until stopped, once the storm is over and the chat's own cost was read again.
          windowMs: 2 * storm.leadMs + storm.timeoutMs,
          drainMs: 3_000,
          maxInFlight: 20,
          contentLength: CONTENT_LENGTH,
          timeDeliveries: false,
        });
        await survivor.ask({ benchCommand: 'eventLoopDelayStart' }, 'benchEventLoopDelay');
        const leadCpu = cpuMicros(survivor.pid);
        await sleep(storm.leadMs);
        const sigtermAt = Date.now();
        const cpuAtSigterm = cpuMicros(survivor.pid);
        const drained = draining.stop();
        let status = await group.failoverStatus();
        let cpuAtEnd = cpuMicros(survivor.pid);
        let endedAt = Date.now();
        while (status.rejoinedAt.length < movers && Date.now() - sigtermAt < storm.timeoutMs) {
          await sleep(POLL_MS);
          status = await group.failoverStatus();
          cpuAtEnd = cpuMicros(survivor.pid);
          endedAt = Date.now();
        }
        const delay = await survivor.ask({ benchCommand: 'eventLoopDelayStop' }, 'benchEventLoopDelay');
        await drained;
        // The chat's own cost, read over as long a quiet stretch after the storm as before it.
        const trailCpu = cpuMicros(survivor.pid);
        await sleep(storm.leadMs);
        const chatCpuPerMs = (cpuAtSigterm - leadCpu + cpuMicros(survivor.pid) - trailCpu) / (2 * storm.leadMs);
        await group.stopLoad();
        const chatResult = await chat;
        // Deliveries of the last acked messages may still be on their way.
        await sleep(storm.settleMs);
        const delivered = await group.deliveredSoFar();
        const expected = chatResult.acked * (storm.roomSize - 1);
        const sinceSigterm = status.rejoinedAt.map((at) => at - sigtermAt);
        const spanMs = endedAt - sigtermAt;
        // What the storm cost beyond the chat the survivor was serving anyway.
        const stormCpuMicros = cpuAtEnd - cpuAtSigterm - chatCpuPerMs * spanMs;
        const result = {
          system: system.name,
          redis: Boolean(redisUrl),
          clients: specs.length,
          movers,
          stayers,
          noticed: status.noticed,
          rejoined: status.rejoinedAt.length,
          reconnectAttempts: status.attempts,
          refusedAttempts: status.errors,
          firstRefusal: status.firstError,
          p99RejoinedMs: percentile(sinceSigterm, 99),
          allRejoinedMs: status.rejoinedAt.length === movers ? Math.max(...sinceSigterm) : null,
          firstRejoinedMs: Math.min(...sinceSigterm),
          peakReconnectsPerSecond: peakPerSecond(status.rejoinedAt),
          survivorCpuUsPerReconnect: stormCpuMicros / Math.max(status.rejoinedAt.length, 1),
          chatCpuShare: chatCpuPerMs / 1_000,
          peakEventLoopDelayMs: delay.maxMs,
          p99EventLoopDelayMs: delay.p99Ms,
          chat: { acked: chatResult.acked, errors: chatResult.errors, firstError: chatResult.firstError },
          stayerMessagesLost: expected - delivered,
        };
        log(
          `${system.name}${redisUrl ? ' (redis)' : ''}: ${result.rejoined}/${movers} back in their rooms, ` +
            `99 % after ${Math.round(result.p99RejoinedMs)} ms, all after ${result.allRejoinedMs ?? '—'} ms; ` +
            `peak ${result.peakReconnectsPerSecond}/s, ${Math.round(result.survivorCpuUsPerReconnect)} µs CPU each, ` +
            `event loop delay max ${Math.round(result.peakEventLoopDelayMs)} ms; ${result.stayerMessagesLost} of ${expected} ` +
            `stayer deliveries lost`,
        );
        return result;
      }),
    ),
  );
}
