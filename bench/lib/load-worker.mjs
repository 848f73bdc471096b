// @ts-check
// A load-generator process (forked by load.mjs): holds socket.io clients and runs the commands its parent
// sends over IPC, answering each with { id, result } or { id, error }. It exits when its parent goes away
// (child-preload.cjs) or after BENCH_WORKER_MAX_MS, whatever happens, so a broken run leaves nothing behind.
import { io } from 'socket.io-client';
import { setTimeout as sleep } from 'node:timers/promises';

const TICK_MS = 5;
const CONNECT_TIMEOUT_MS = 20_000;
const ACK_TIMEOUT_MS = 10_000;

setTimeout(() => process.exit(3), Number(process.env.BENCH_WORKER_MAX_MS ?? 600_000)).unref();

/**
 * One client: its server's chat namespace, its token, its room; `sends`: it sends during `load`; `leaves`:
 * closed by the `leave` command; `failoverUrl`: follows `serverShutdown` there.
 *
 * @typedef {{ url: string, token: string, room?: string, sends: boolean, leaves?: boolean, failoverUrl?: string }} ClientSpec
 */
/** @typedef {{ socket: Socket, spec: ClientSpec, room?: string, sends: boolean, inFlight: number }} Client */
/**
 * A `load` command: `rate` messages per second for warmupMs + windowMs, then up to drainMs for the acks.
 *
 * @typedef {{ rate: number, warmupMs: number, windowMs: number, drainMs: number, maxInFlight: number,
 *   contentLength: number, timeDeliveries: boolean }} LoadParams
 */
/**
 * What a `load` command measured.
 *
 * @typedef {object} LoadResult
 * @property {number} sent
 * @property {number} skipped turns a client skipped with maxInFlight messages unacknowledged
 * @property {number} acked
 * @property {number} errors
 * @property {string} [firstError]
 * @property {number} ackedInWindow
 * @property {number} sentInWindow
 * @property {number} unackedInWindow
 * @property {number[]} latenciesMs ack latencies of the messages sent in the window
 * @property {number} delivered
 * @property {number} deliveredInWindow
 * @property {number[]} deliveryLatenciesMs send → `newMessage`, when timeDeliveries
 */
/** @typedef {import('socket.io-client').Socket} Socket */

/** @type {Client[]} */
let clients = [];
/**
 * Where deliveries are counted (and, when asked, timed) during the current load run.
 *
 * @type {{ received: number, inWindow: number, latencies: number[] | undefined, windowStart: number, windowEnd: number }}
 */
let deliveries = { received: 0, inWindow: 0, latencies: undefined, windowStart: 0, windowEnd: 0 };
/** Set by the `stop` command: the running load ends its window now (its drain still runs). */
let stopRequested = false;
/** `presence` events received, and the user entries they carried, since the last `counters` command. */
let presence = { events: 0, users: 0 };
/**
 * What the clients with a failoverUrl did after their server announced its shutdown.
 *
 * @type {{ noticed: number, disconnected: number, rejoinedAt: number[], attempts: number, errors: number, firstError?: string }}
 */
const failover = { noticed: 0, disconnected: 0, rejoinedAt: [], attempts: 0, errors: 0, firstError: undefined };

/**
 * A connected client, or a rejection with its `connect_error`.
 *
 * @param {string} url
 * @param {string} token
 * @returns {Promise<Socket>}
 */
function openSocket(url, token) {
  const socket = io(url, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between the load workers. */
const now = () => performance.timeOrigin + performance.now();

/** @param {{ content: string }} message */
function onNewMessage({ content }) {
  const receivedAt = now();
  // Senders stamp their send time into the content; every worker reads the same clock.
  const sentAt = Number.parseFloat(content);
  deliveries.received++;
  if (receivedAt >= deliveries.windowStart && receivedAt < deliveries.windowEnd) deliveries.inWindow++;
  if (sentAt >= deliveries.windowStart && sentAt < deliveries.windowEnd)
    deliveries.latencies?.push(receivedAt - sentAt);
}

/** @param {{ joined: string[], left: string[], offline: string[] }} batch */
function onPresence({ joined, left, offline }) {
  presence.events++;
  presence.users += joined.length + left.length + offline.length;
}

/**
 * Does what the contract asks of a client whose server shuts down: after `serverShutdown`, wait
 * `retryAfter`, connect again (here to the other instance, as a load balancer would route it) and rejoin
 * the room. A refused handshake is retried after the `retryAfterMs` it names, or a second.
 *
 * @param {Client} client
 */
function followShutdown(client) {
  /** @type {number | undefined} */
  let retryAfter;
  client.socket.once('serverShutdown', (/** @type {{ retryAfter: number }} */ notice) => {
    failover.noticed++;
    retryAfter = notice.retryAfter;
  });
  client.socket.once('disconnect', () => {
    if (retryAfter === undefined) return;
    failover.disconnected++;
    setTimeout(() => reconnect(client), retryAfter);
  });
}

/** @param {Client} client */
async function reconnect(client) {
  failover.attempts++;
  try {
    client.socket = await openSocket(client.spec.failoverUrl ?? client.spec.url, client.spec.token);
    client.socket.on('newMessage', onNewMessage);
    client.socket.on('presence', onPresence);
    if (client.room !== undefined) await joinRoom(client.socket, client.room);
    failover.rejoinedAt.push(Date.now());
  } catch (caught) {
    const error = /** @type {Error & { data?: { retryAfterMs?: number } }} */ (caught);
    failover.errors++;
    failover.firstError ??= error.message;
    client.socket?.close();
    setTimeout(() => reconnect(client), error.data?.retryAfterMs ?? 1_000);
  }
}

/**
 * @param {Socket} socket
 * @param {string} roomId
 */
async function joinRoom(socket, roomId) {
  const reply = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('joinRoom', { roomId });
  if (reply?.status !== 'joined') throw new Error(`joinRoom answered ${JSON.stringify(reply)}`);
}

/**
 * Opens one client per spec ({ url, token, room?, sends }), `concurrency` handshakes at a time.
 *
 * @param {{ specs: ClientSpec[], concurrency: number }} params
 */
async function connect({ specs, concurrency }) {
  /** @type {string[]} */
  const failures = [];
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      try {
        const socket = await openSocket(spec.url, spec.token);
        socket.on('newMessage', onNewMessage);
        socket.on('presence', onPresence);
        if (spec.room !== undefined) await joinRoom(socket, spec.room);
        const client = { socket, spec, room: spec.room, sends: spec.sends, inFlight: 0 };
        if (spec.failoverUrl !== undefined) followShutdown(client);
        clients.push(client);
      } catch (error) {
        failures.push(/** @type {Error} */ (error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return {
    connected: clients.length,
    senders: clients.filter((client) => client.sends).length,
    failed: failures.length,
    firstError: failures[0],
  };
}

/** @param {number} length */
function stampedContent(length) {
  return now().toFixed(3).padEnd(length, 'x');
}

/**
 * Sends `sendMessage` with an ack at `rate` messages per second (over all sending clients, round robin)
 * for warmupMs + windowMs, then waits up to drainMs for the acks of the window's messages. A client with
 * maxInFlight unacknowledged messages is skipped, which bounds memory when the server falls behind.
 * Reports acks received during the window, ack latencies of messages sent in it, and deliveries.
 *
 * @param {LoadParams} params
 * @returns {Promise<LoadResult>}
 */
async function load({ rate, warmupMs, windowMs, drainMs, maxInFlight, contentLength, timeDeliveries }) {
  const senders = clients.filter((client) => client.sends && client.socket.connected);
  // A worker with no sender (its clients only receive) counts deliveries through the window.
  if (senders.length === 0 && rate > 0) throw new Error('no sending client is connected');
  const start = performance.now();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + windowMs;
  /** @type {{ sent: number, skipped: number, acked: number, errors: number, firstError?: string, ackedInWindow: number, sentInWindow: number }} */
  const stats = { sent: 0, skipped: 0, acked: 0, errors: 0, firstError: undefined, ackedInWindow: 0, sentInWindow: 0 };
  /** @type {number[]} */
  const latencies = [];
  const wallOffset = performance.timeOrigin;
  deliveries = {
    received: 0,
    inWindow: 0,
    latencies: timeDeliveries ? [] : undefined,
    windowStart: wallOffset + windowStart,
    windowEnd: wallOffset + windowEnd,
  };
  let issued = 0;
  let nextSender = 0;
  let pendingInWindow = 0;
  stopRequested = false;

  const send = (/** @type {Client} */ client) => {
    const sentAt = performance.now();
    const inWindow = sentAt >= windowStart && sentAt < windowEnd;
    client.inFlight++;
    stats.sent++;
    if (inWindow) {
      stats.sentInWindow++;
      pendingInWindow++;
    }
    client.socket.emit(
      'sendMessage',
      { roomId: client.room, content: stampedContent(contentLength) },
      (/** @type {{ status?: string } | undefined} */ reply) => {
        const ackedAt = performance.now();
        client.inFlight--;
        if (inWindow) pendingInWindow--;
        if (reply?.status !== 'ok') {
          stats.errors++;
          stats.firstError ??= JSON.stringify(reply);
          return;
        }
        stats.acked++;
        if (ackedAt >= windowStart && ackedAt < windowEnd) stats.ackedInWindow++;
        if (inWindow) latencies.push(ackedAt - sentAt);
      },
    );
  };

  while (performance.now() < windowEnd && !stopRequested) {
    const due = Math.floor((rate * (performance.now() - start)) / 1000) - issued;
    for (let i = 0; i < due && senders.length > 0; i++) {
      const client = senders[nextSender++ % senders.length];
      if (client.inFlight >= maxInFlight) {
        stats.skipped++;
      } else {
        send(client);
      }
    }
    issued += Math.max(due, 0);
    await sleep(TICK_MS);
  }
  const windowDeliveries = deliveries;
  const drainDeadline = performance.now() + drainMs;
  while (pendingInWindow > 0 && performance.now() < drainDeadline) await sleep(TICK_MS);
  return {
    ...stats,
    unackedInWindow: pendingInWindow,
    latenciesMs: latencies,
    delivered: windowDeliveries.received,
    deliveredInWindow: windowDeliveries.inWindow,
    deliveryLatenciesMs: windowDeliveries.latencies ?? [],
  };
}

/** How many clients are still connected, and the deliveries since the last load began (still counting). */
function count() {
  return {
    connected: clients.filter((client) => client.socket.connected).length,
    total: clients.length,
    delivered: deliveries.received,
  };
}

/** Closes the clients whose spec says `leaves`, all at once; the others stay. */
function leave() {
  const leaving = clients.filter((client) => client.spec.leaves);
  for (const { socket } of leaving) socket.close();
  clients = clients.filter((client) => !client.spec.leaves);
  return { left: leaving.length };
}

/** The presence counters since the last call, then zeroes them. */
function counters() {
  const counted = presence;
  presence = { events: 0, users: 0 };
  return counted;
}

/** What the failover clients did so far (rejoin times are wall-clock ms). */
function failoverStatus() {
  const following = clients.filter((client) => client.spec.failoverUrl !== undefined);
  return { following: following.length, connected: following.filter((c) => c.socket.connected).length, ...failover };
}

function close() {
  for (const { socket } of clients) socket.close();
  clients = [];
  return { closed: true };
}

function stop() {
  stopRequested = true;
  return { stopped: true };
}

/** @type {Record<string, (params: any) => unknown>} */
const commands = { connect, load, stop, count, leave, counters, failoverStatus, close };

/** @param {unknown} message */
const answer = (message) => process.send?.(message);

process.on(
  'message',
  async (/** @type {{ id: number, command: string, params: unknown }} */ { id, command, params }) => {
    try {
      answer({ id, result: await commands[command](params) });
    } catch (error) {
      answer({ id, error: /** @type {Error} */ (error).message });
    }
  },
);
answer({ ready: true });
