import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'socket.io-client';
import {
  ack,
  connect,
  delay,
  handshakeOutcome,
  Inbox,
  RunningApp,
  signToken,
  startApp,
  tokenFor,
  waitFor,
} from './contract';
import { recordNote } from './report';

/** How long "nothing arrives" is watched for: far above loopback delivery times, short enough to keep tests fast. */
const SILENCE_MS = 300;
/** Presence batches go out at most once a second per room; by then every pending one has. */
const PRESENCE_SETTLED_MS = 1_500;

function includes(list: unknown, userId: string): boolean {
  return Array.isArray(list) && list.includes(userId);
}

/**
 * The section-4 contract of a `realtime-gateway chat` feature, checked against `node dist/main.js`.
 * Every socket it opens is closed; the app is stopped with SIGTERM and must exit 0 within 10 s.
 */
export async function checkChatContract(appDir: string, namespace = '/chat', label = appDir): Promise<void> {
  // As a team running it in production might: SIGUSR2 writes a heap snapshot and must not stop the app.
  const diagnosticDir = mkdtempSync(join(tmpdir(), 'nest-realtime-diagnostics-'));
  const app = await startApp(appDir, ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${diagnosticDir}`]);
  const sockets: Socket[] = [];
  const open = async (userId: string) => {
    const socket = await connect(app, namespace, tokenFor(app, userId));
    sockets.push(socket);
    return { socket, inbox: new Inbox(socket) };
  };
  try {
    await checkHandshake(app, namespace);

    const alice = await open('alice');
    const bob = await open('bob');
    const carol = await open('carol');

    expect(await ack(alice.socket, 'joinRoom', { roomId: 'lobby' })).toEqual({ status: 'joined', roomId: 'lobby' });
    expect(await ack(bob.socket, 'joinRoom', { roomId: 'lobby' })).toEqual({ status: 'joined', roomId: 'lobby' });
    // Presence arrives in batches per room: who joined, left or went offline.
    expect(await alice.inbox.first('presence', (batch) => includes(batch.joined, 'bob'))).toMatchObject({
      roomId: 'lobby',
    });

    const sent = await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: 'hello' });
    expect(sent).toEqual({ status: 'ok', messageId: expect.any(String) });
    const delivered = await bob.inbox.next('newMessage');
    expect(delivered).toMatchObject({ sender: 'alice', content: 'hello', messageId: sent.messageId });
    expect(typeof delivered.timestamp === 'number' || typeof delivered.timestamp === 'string').toBe(true);
    await delay(SILENCE_MS);
    expect(alice.inbox.named('newMessage')).toEqual([]);
    expect(carol.inbox.named('newMessage')).toEqual([]);

    // Sent without an ack: handled all the same.
    alice.socket.emit('sendMessage', { roomId: 'lobby', content: 'no ack' });
    expect(await bob.inbox.next('newMessage')).toMatchObject({ content: 'no ack' });

    // Not a member of the room: refused with a code, through the ack only.
    const outsider = await ack(carol.socket, 'sendMessage', { roomId: 'lobby', content: 'let me in' });
    expect(outsider).toEqual({ status: 'error', code: 'FORBIDDEN', message: expect.any(String) });
    expect(bob.inbox.named('newMessage')).toHaveLength(2);

    // Invalid payloads: the client learns which field, with a code.
    const invalid = await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: '' });
    expect(invalid).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED', fields: [{ field: 'content' }] });
    const tooLong = await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: 'x'.repeat(2001) });
    expect(tooLong).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/content/) });
    const unknownField = await ack(alice.socket, 'joinRoom', { roomId: 'lobby', isAdmin: true });
    expect(unknownField).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/isAdmin/) });
    const notAnObject = await ack(alice.socket, 'sendMessage', 'just a string');
    expect(notAnObject).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
    const oversized = await ack(alice.socket, 'sendMessage', {
      roomId: 'lobby',
      content: 'x',
      tags: new Array(5_000).fill(0),
    });
    expect(oversized).toMatchObject({ status: 'error', code: 'LIMIT_EXCEEDED' });
    // An error reaches the client once: the acked ones above never came as `exception` too.
    await delay(SILENCE_MS);
    expect(alice.inbox.named('exception')).toEqual([]);
    expect(carol.inbox.named('exception')).toEqual([]);
    // Without an ack, the error arrives as `exception`.
    alice.socket.emit('sendMessage', { roomId: 'lobby', content: '' });
    expect(await alice.inbox.next('exception')).toMatchObject({ code: 'VALIDATION_FAILED' });
    // A client-chosen room id cannot reach a server room such as another user's personal room.
    await ack(carol.socket, 'joinRoom', { roomId: 'user:bob' });
    await ack(carol.socket, 'sendMessage', { roomId: 'user:bob', content: 'spoof' });
    await delay(SILENCE_MS);
    expect(bob.inbox.named('newMessage')).toHaveLength(2);

    // A flood is refused with RATE_LIMITED while the others are still served.
    const flood = await Promise.all(
      Array.from({ length: 60 }, () => ack(carol.socket, 'sendMessage', { roomId: 'user:bob', content: 'flood' })),
    );
    expect(flood.filter((reply) => reply.code === 'RATE_LIMITED').length).toBeGreaterThan(0);
    expect(await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: 'still here' })).toMatchObject({
      status: 'ok',
    });

    expect(await ack(bob.socket, 'leaveRoom', { roomId: 'lobby' })).toEqual({ status: 'left', roomId: 'lobby' });
    expect(await alice.inbox.first('presence', (batch) => includes(batch.left, 'bob'))).toMatchObject({
      roomId: 'lobby',
    });

    // Presence: offline only when the user's last socket goes, and only to those sharing a room. While another
    // of her sockets is in the room, closing one is neither a departure nor offline.
    const dave = await open('dave');
    expect(await ack(dave.socket, 'joinRoom', { roomId: 'lobby' })).toMatchObject({ status: 'joined' });
    const secondAlice = await open('alice');
    expect(await ack(secondAlice.socket, 'joinRoom', { roomId: 'lobby' })).toMatchObject({ status: 'joined' });
    await delay(PRESENCE_SETTLED_MS);
    alice.socket.close();
    await delay(SILENCE_MS);
    expect(
      dave.inbox.named('presence').filter((batch) => includes(batch.offline, 'alice') || includes(batch.left, 'alice')),
    ).toEqual([]);
    secondAlice.socket.close();
    expect(await dave.inbox.first('presence', (batch) => includes(batch.offline, 'alice'))).toMatchObject({
      roomId: 'lobby',
    });
    await delay(SILENCE_MS);
    // bob left the lobby and shares no room with alice any more.
    expect(bob.inbox.named('presence').filter((batch) => includes(batch.offline, 'alice'))).toEqual([]);

    // A newer token of the same user keeps the connection past its first token's expiry.
    const refreshed = await connect(app, namespace, tokenFor(app, 'erin', 2));
    sockets.push(refreshed);
    expect(await ack(refreshed, 'refreshToken', { token: tokenFor(app, 'mallory', 60) })).toMatchObject({
      status: 'error',
      code: 'FORBIDDEN',
    });
    expect(await ack(refreshed, 'refreshToken', { token: tokenFor(app, 'erin', 60) })).toMatchObject({
      status: 'refreshed',
    });
    await delay(2_500);
    expect(refreshed.connected).toBe(true);
    expect(await ack(refreshed, 'joinRoom', { roomId: 'refreshed' })).toMatchObject({ status: 'joined' });
    refreshed.close();

    // A connection does not outlive its token: told why, then disconnected.
    const shortLived = await connect(app, namespace, tokenFor(app, 'dave', 2));
    sockets.push(shortLived);
    const shortLivedInbox = new Inbox(shortLived);
    const closedByServer = new Promise<string>((resolve) => shortLived.once('disconnect', resolve));
    expect(await shortLivedInbox.next('exception', 4000)).toEqual({
      status: 'error',
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/expired/i),
    });
    expect(await closedByServer).toBe('io server disconnect');

    await checkHealthAndMetrics(app, namespace);

    // Signals other than SIGTERM and SIGINT keep their meaning: a heap snapshot, and the app goes on serving.
    app.process.kill('SIGUSR2');
    await waitFor(
      () => readdirSync(diagnosticDir).some((file) => file.endsWith('.heapsnapshot')),
      20_000,
      'a heap snapshot',
    );
    // The file appears when writing starts; the app answers again once it is written (seconds on a busy machine).
    await waitForStableSize(
      join(diagnosticDir, readdirSync(diagnosticDir).find((file) => file.endsWith('.heapsnapshot')) ?? ''),
    );
    expect(app.process.exitCode).toBeNull();
    expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
    expect(await ack(bob.socket, 'joinRoom', { roomId: 'after-sigusr2' })).toMatchObject({ status: 'joined' });
    recordNote(`${label} SIGUSR2`, 'heap snapshot written, app still serving');

    // Graceful shutdown: readiness fails at once, then clients are told before their sockets close, and the
    // process exits 0 within 10 s.
    const exited = new Promise<number | null>((resolve) => app.process.once('exit', (code) => resolve(code)));
    const startedAt = performance.now();
    app.process.kill('SIGTERM');
    const notReadyAfterMs = (await firstNotReady(app)) - startedAt;
    expect(notReadyAfterMs).toBeLessThan(100);
    expect(await bob.inbox.next('serverShutdown', 10_000)).toEqual({
      message: expect.any(String),
      retryAfter: expect.any(Number),
    });
    expect(await exited).toBe(0);
    const exitedAfterMs = performance.now() - startedAt;
    expect(exitedAfterMs).toBeLessThan(10_000);
    recordNote(
      `${label} SIGTERM`,
      `readiness 503 after ${notReadyAfterMs.toFixed(1)} ms, serverShutdown received, exit 0 after ${exitedAfterMs.toFixed(0)} ms`,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- app output ---\n${app.output()}`);
  } finally {
    sockets.forEach((socket) => socket.close());
    if (app.process.exitCode === null) {
      app.process.kill('SIGKILL');
    }
    rmSync(diagnosticDir, { recursive: true, force: true });
  }
}

/** Probes and Prometheus metrics of the running app, after the traffic above. */
async function checkHealthAndMetrics(app: RunningApp, namespace: string): Promise<void> {
  expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
  const ready = await fetch(`${app.url}/health/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ok' });
  const metrics = await fetch(`${app.url}/metrics`);
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples = parseMetrics(await metrics.text());
  const labels = `namespace="${namespace}"`;
  // bob, carol and dave are still connected.
  expect(samples.get(`realtime_connected_sockets{${labels}}`)).toBe(3);
  expect(samples.get(`realtime_events_total{${labels},event="sendMessage"}`)).toBeGreaterThanOrEqual(5);
  // Each handshake refusal is counted by its reason.
  for (const reason of [
    'missing_token',
    'invalid_token',
    'token_expired',
    'token_without_expiry',
    'algorithm_not_allowed',
  ]) {
    expect(`${reason}: ${samples.get(`realtime_connections_refused_total{${labels},reason="${reason}"}`)}`).toMatch(
      new RegExp(`^${reason}: [1-9]`),
    );
  }
  expect(
    samples.get(`realtime_event_errors_total{${labels},event="sendMessage",code="VALIDATION_FAILED"}`),
  ).toBeGreaterThanOrEqual(3);
  expect(samples.get(`realtime_event_errors_total{${labels},event="sendMessage",code="RATE_LIMITED"}`)).toBeGreaterThan(
    0,
  );
  expect(samples.get(`realtime_ack_latency_seconds_count{${labels},event="joinRoom"}`)).toBeGreaterThanOrEqual(3);
  expect(samples.get(`realtime_connections_refused_total{${labels},reason="invalid_token"}`)).toBeGreaterThanOrEqual(2);
  expect(samples.get(`realtime_connections_refused_total{${labels},reason="missing_token"}`)).toBe(1);
  expect(samples.get('process_cpu_seconds_total')).toBeGreaterThan(0);
}

/** Prometheus text format: `name{labels} value` lines, comments skipped. */
function parseMetrics(text: string): Map<string, number> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const split = line.lastIndexOf(' ');
        return [line.slice(0, split), Number(line.slice(split + 1))];
      }),
  );
}

/** Polls GET /health/ready until it answers 503; resolves with the performance.now() of that answer. */
async function firstNotReady(app: RunningApp): Promise<number> {
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline) {
    const response = await fetch(`${app.url}/health/ready`);
    if (response.status === 503) {
      return performance.now();
    }
  }
  throw new Error('/health/ready did not answer 503 within 5 s of SIGTERM');
}

async function checkHandshake(app: RunningApp, namespace: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  expect(await handshakeOutcome(app, namespace)).toMatch(/unauthorized/i);
  expect(await handshakeOutcome(app, namespace, 'not-a-jwt')).toMatch(/unauthorized/i);
  expect(
    await handshakeOutcome(app, namespace, signToken('another-secret', { sub: 'mallory', exp: now + 60 })),
  ).toMatch(/unauthorized/i);
  expect(await handshakeOutcome(app, namespace, signToken(app.secret, { sub: 'late', exp: now - 10 }))).toMatch(
    /unauthorized/i,
  );
  expect(await handshakeOutcome(app, namespace, signToken(app.secret, { exp: now + 60 }))).toMatch(/unauthorized/i);
  // Every token needs an expiry, within the maximum lifetime, and the pinned algorithm.
  expect(await handshakeOutcome(app, namespace, signToken(app.secret, { sub: 'forever' }))).toMatch(/no expiry/);
  expect(
    await handshakeOutcome(app, namespace, signToken(app.secret, { sub: 'year', exp: now + 365 * 24 * 3600 })),
  ).toMatch(/lifetime/);
  expect(
    await handshakeOutcome(app, namespace, signToken(app.secret, { sub: 'none', exp: now + 60 }, { alg: 'none' })),
  ).toMatch(/algorithm not allowed/);
  expect(await handshakeOutcome(app, namespace, tokenFor(app, 'alice'))).toBe('connected');
  expect(await handshakeOutcome(app, namespace, tokenFor(app, 'alice'), 'header')).toBe('connected');
  expect(await handshakeOutcome(app, namespace, signToken('another-secret', { sub: 'x' }), 'header')).toMatch(
    /unauthorized/i,
  );
}

/**
 * SIGTERM on an app with one client in each namespace: every client hears one `serverShutdown` and the
 * process exits 0. Resolves with the time from SIGTERM to exit, recorded in the run's summary so runs with
 * one and with several gateways can be compared (the drain is the kit's, once per app).
 */
export async function checkSharedDrain(appDir: string, namespaces: string[], label: string): Promise<number> {
  const app = await startApp(appDir);
  const clients: Array<{ namespace: string; socket: Socket; inbox: Inbox }> = [];
  try {
    for (const [index, namespace] of namespaces.entries()) {
      const socket = await connect(app, namespace, tokenFor(app, `drain-${index}`));
      clients.push({ namespace, socket, inbox: new Inbox(socket) });
    }
    const exited = new Promise<number | null>((resolve) => app.process.once('exit', (code) => resolve(code)));
    const startedAt = performance.now();
    app.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    const exitAfterMs = performance.now() - startedAt;
    expect(
      clients.map(({ namespace, inbox }) => `${namespace}: ${inbox.named('serverShutdown').length} notice(s)`),
    ).toEqual(namespaces.map((namespace) => `${namespace}: 1 notice(s)`));
    recordNote(
      `${label} SIGTERM with ${namespaces.length} gateway(s)`,
      `one serverShutdown per client in ${namespaces.join(', ')}, exit 0 after ${exitAfterMs.toFixed(0)} ms`,
    );
    return exitAfterMs;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- app output ---\n${app.output()}`);
  } finally {
    clients.forEach(({ socket }) => socket.close());
    if (app.process.exitCode === null) {
      app.process.kill('SIGKILL');
    }
  }
}

/** Resolves once a file has kept its size for a second (a writer has finished with it), or fails after 60 s. */
async function waitForStableSize(path: string): Promise<void> {
  let size = -1;
  let stableSince = Date.now();
  await waitFor(
    () => {
      const current = statSync(path).size;
      if (current !== size) {
        size = current;
        stableSince = Date.now();
      }
      return current > 0 && Date.now() - stableSince >= 1000;
    },
    60_000,
    `a complete heap snapshot at ${path}`,
  );
}
