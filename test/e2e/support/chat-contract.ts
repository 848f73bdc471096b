import { Socket } from 'socket.io-client';
import { ack, connect, delay, handshakeOutcome, Inbox, RunningApp, signToken, startApp, tokenFor } from './contract';

/** How long "nothing arrives" is watched for: far above loopback delivery times, short enough to keep tests fast. */
const SILENCE_MS = 300;

/**
 * The section-4 contract of a `realtime-gateway chat` feature, checked against `node dist/main.js`.
 * Every socket it opens is closed; the app is stopped with SIGTERM and must exit 0 within 10 s.
 */
export async function checkChatContract(appDir: string, namespace = '/chat'): Promise<void> {
  const app = await startApp(appDir);
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
    expect(await alice.inbox.next('userJoined')).toEqual({ userId: 'bob', roomId: 'lobby' });

    const sent = await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: 'hello' });
    expect(sent).toEqual({ status: 'ok', messageId: expect.any(String) });
    const delivered = await bob.inbox.next('newMessage');
    expect(delivered).toMatchObject({ sender: 'alice', content: 'hello', messageId: sent.messageId });
    expect(typeof delivered.timestamp === 'number' || typeof delivered.timestamp === 'string').toBe(true);
    await delay(SILENCE_MS);
    expect(alice.inbox.named('newMessage')).toEqual([]);
    expect(carol.inbox.named('newMessage')).toEqual([]);

    // Not a member of the room: refused, with the error on the ack and as an `exception` event.
    const outsider = await ack(carol.socket, 'sendMessage', { roomId: 'lobby', content: 'let me in' });
    expect(outsider).toEqual({ status: 'error', message: expect.any(String) });
    expect(await carol.inbox.next('exception')).toEqual(outsider);
    expect(bob.inbox.named('newMessage')).toHaveLength(1);

    // Invalid payloads: the client learns which field, on the ack and as an `exception` event.
    const invalid = await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: '' });
    expect(invalid).toMatchObject({ status: 'error', message: expect.stringMatching(/content/) });
    expect(await alice.inbox.next('exception')).toEqual(invalid);
    const tooLong = await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: 'x'.repeat(2001) });
    expect(tooLong).toMatchObject({ status: 'error', message: expect.stringMatching(/content/) });
    const unknownField = await ack(alice.socket, 'joinRoom', { roomId: 'lobby', isAdmin: true });
    expect(unknownField).toMatchObject({ status: 'error', message: expect.stringMatching(/isAdmin/) });
    const notAnObject = await ack(alice.socket, 'sendMessage', 'just a string');
    expect(notAnObject).toMatchObject({ status: 'error' });
    // A client-chosen room id cannot reach a server room such as another user's personal room.
    await ack(carol.socket, 'joinRoom', { roomId: 'user:bob' });
    await ack(carol.socket, 'sendMessage', { roomId: 'user:bob', content: 'spoof' });
    await delay(SILENCE_MS);
    expect(bob.inbox.named('newMessage')).toHaveLength(1);
    // Still serving after every refusal.
    expect(await ack(alice.socket, 'sendMessage', { roomId: 'lobby', content: 'still here' })).toMatchObject({
      status: 'ok',
    });

    expect(await ack(bob.socket, 'leaveRoom', { roomId: 'lobby' })).toEqual({ status: 'left', roomId: 'lobby' });
    expect(await alice.inbox.next('userLeft')).toEqual({ userId: 'bob', roomId: 'lobby' });

    // Presence: offline only when the user's last socket goes.
    const secondAlice = await open('alice');
    alice.socket.close();
    await delay(SILENCE_MS);
    expect(bob.inbox.named('userOffline')).toEqual([]);
    secondAlice.socket.close();
    expect(await bob.inbox.next('userOffline')).toEqual({ userId: 'alice' });

    // A connection does not outlive its token: told why, then disconnected.
    const shortLived = await connect(app, namespace, tokenFor(app, 'dave', 2));
    sockets.push(shortLived);
    const shortLivedInbox = new Inbox(shortLived);
    const closedByServer = new Promise<string>((resolve) => shortLived.once('disconnect', resolve));
    expect(await shortLivedInbox.next('exception', 4000)).toEqual({
      status: 'error',
      message: expect.stringMatching(/expired/i),
    });
    expect(await closedByServer).toBe('io server disconnect');

    // Graceful shutdown: clients are told before their sockets close, and the process exits 0 within 10 s.
    const exited = new Promise<number | null>((resolve) => app.process.once('exit', (code) => resolve(code)));
    const startedAt = Date.now();
    app.process.kill('SIGTERM');
    expect(await bob.inbox.next('serverShutdown', 10_000)).toEqual({
      message: expect.any(String),
      retryAfter: expect.any(Number),
    });
    expect(await exited).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- app output ---\n${app.output()}`);
  } finally {
    sockets.forEach((socket) => socket.close());
    if (app.process.exitCode === null) {
      app.process.kill('SIGKILL');
    }
  }
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
  expect(await handshakeOutcome(app, namespace, tokenFor(app, 'alice'))).toBe('connected');
  expect(await handshakeOutcome(app, namespace, tokenFor(app, 'alice'), 'header')).toBe('connected');
  expect(await handshakeOutcome(app, namespace, signToken('another-secret', { sub: 'x' }), 'header')).toMatch(
    /unauthorized/i,
  );
}
