// A load-generator process (forked by load.mjs): holds socket.io clients and runs the commands its parent
// sends over IPC, answering each with { id, result } or { id, error }. It exits when its parent goes away
// (child-preload.cjs) or after BENCH_WORKER_MAX_MS, whatever happens, so a broken run leaves nothing behind.
import { io } from 'socket.io-client';
import { setTimeout as sleep } from 'node:timers/promises';

const TICK_MS = 5;
const CONNECT_TIMEOUT_MS = 20_000;
const ACK_TIMEOUT_MS = 10_000;

setTimeout(() => process.exit(3), Number(process.env.BENCH_WORKER_MAX_MS ?? 600_000)).unref();

/** @type {Array<{ socket: import('socket.io-client').Socket, room?: string, sends: boolean, inFlight: number }>} */
let clients = [];
/** Where deliveries are counted (and, when asked, timed) during the current load run. */
let deliveries = { received: 0, latencies: undefined };

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

function onNewMessage({ content }) {
  deliveries.received++;
  // Senders stamp their send time into the content; sender and receiver share this process's clock.
  deliveries.latencies?.push(performance.now() - Number.parseFloat(content));
}

/** Opens one client per spec ({ url, token, room?, sends }), `concurrency` handshakes at a time. */
async function connect({ specs, concurrency }) {
  const failures = [];
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      try {
        const socket = await openSocket(spec.url, spec.token);
        socket.on('newMessage', onNewMessage);
        if (spec.room !== undefined) {
          const reply = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('joinRoom', { roomId: spec.room });
          if (reply?.status !== 'joined') throw new Error(`joinRoom answered ${JSON.stringify(reply)}`);
        }
        clients.push({ socket, room: spec.room, sends: spec.sends, inFlight: 0 });
      } catch (error) {
        failures.push(error.message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { connected: clients.length, failed: failures.length, firstError: failures[0] };
}

function stampedContent(length) {
  return performance.now().toFixed(3).padEnd(length, 'x');
}

/**
 * Sends `sendMessage` with an ack at `rate` messages per second (over all sending clients, round robin)
 * for warmupMs + windowMs, then waits up to drainMs for the acks of the window's messages. A client with
 * maxInFlight unacknowledged messages is skipped, which bounds memory when the server falls behind.
 * Reports acks received during the window, ack latencies of messages sent in it, and deliveries.
 */
async function load({ rate, warmupMs, windowMs, drainMs, maxInFlight, contentLength, timeDeliveries }) {
  const senders = clients.filter((client) => client.sends);
  if (senders.length === 0) throw new Error('no sending client is connected');
  const start = performance.now();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + windowMs;
  const stats = { sent: 0, skipped: 0, acked: 0, errors: 0, firstError: undefined, ackedInWindow: 0, sentInWindow: 0 };
  const latencies = [];
  deliveries = { received: 0, latencies: timeDeliveries ? [] : undefined };
  let issued = 0;
  let nextSender = 0;
  let pendingInWindow = 0;

  const send = (client) => {
    const sentAt = performance.now();
    const inWindow = sentAt >= windowStart && sentAt < windowEnd;
    client.inFlight++;
    stats.sent++;
    if (inWindow) {
      stats.sentInWindow++;
      pendingInWindow++;
    }
    client.socket.emit('sendMessage', { roomId: client.room, content: stampedContent(contentLength) }, (reply) => {
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
    });
  };

  while (performance.now() < windowEnd) {
    const due = Math.floor((rate * (performance.now() - start)) / 1000) - issued;
    for (let i = 0; i < due; i++) {
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
    deliveryLatenciesMs: windowDeliveries.latencies ?? [],
  };
}

/** How many clients are still connected. */
function count() {
  return { connected: clients.filter((client) => client.socket.connected).length, total: clients.length };
}

function close() {
  for (const { socket } of clients) socket.close();
  clients = [];
  return { closed: true };
}

const commands = { connect, load, count, close };

process.on('message', async ({ id, command, params }) => {
  try {
    process.send({ id, result: await commands[command](params) });
  } catch (error) {
    process.send({ id, error: error.message });
  }
});
process.send({ ready: true });
