import { DEFAULT_REALTIME_LIMITS, RealtimeErrorCode, RealtimeMetrics, type ErrorPayload } from 'nest-realtime';
import { collectEvents, connected, disconnected, handshakeOutcome, nextEvent, refused } from 'nest-realtime/testing';
import { Manager } from 'socket.io-client';
import { FILES_NAMESPACE, FilesModule, type FilesClient } from './support/files.js';
import {
  eventually,
  secondsSince,
  startLobby,
  untyped,
  type Lobby,
  type LobbyClient,
  say,
} from './support/lobby-testing.js';

/**
 * A rate low enough that what it refills while a slow machine sends a burst
 * stays far below the attempts beyond it: a test that relied on the default
 * rate would pass only while the burst arrives within a second.
 */
const LOW_RATE = { perSecond: 1, burst: 5 };

/** The most a rate let through since `started`: the burst, and what it refilled meanwhile. */
function admittedAtMost(started: number): number {
  return LOW_RATE.burst + LOW_RATE.perSecond * secondsSince(started);
}

describe('limits (conformance)', () => {
  let lobby: Lobby;

  afterEach(() => lobby.close());

  describe('event rates', () => {
    it('refuses events beyond the socket’s rate with RATE_LIMITED and keeps serving others', async () => {
      lobby = await startLobby({ limits: { socketEvents: LOW_RATE } });
      const flooder = await lobby.connectAs('mallory');
      const bystander = await lobby.connectAs('bob');
      await lobby.join(flooder, 'general');
      await lobby.join(bystander, 'general');

      const started = Date.now();
      const acks = await Promise.all(Array.from({ length: LOW_RATE.burst + 20 }, () => say(flooder)));

      const admitted = acks.filter((ack) => ack.status === 'ok');
      expect(admitted.length).toBeLessThanOrEqual(admittedAtMost(started));
      const refusals = acks.filter((ack): ack is ErrorPayload => ack.status === 'error');
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect(refusal.code).toBe(RealtimeErrorCode.RateLimited);
        expect(refusal.retryAfterMs).toBeGreaterThan(0);
      }
      await expect(say(bystander)).resolves.toEqual({ status: 'ok' });
    });

    it('limits a user over all their sockets', async () => {
      lobby = await startLobby({ limits: { userEvents: LOW_RATE } });
      const sockets = [
        await lobby.connectAs('mallory'),
        await lobby.connectAs('mallory'),
        await lobby.connectAs('mallory'),
      ];
      for (const socket of sockets) {
        await lobby.join(socket, 'general');
      }
      // Each socket stays within its own rate; together they exceed the user's.
      const perSocket = Math.ceil(LOW_RATE.burst / sockets.length) + 5;
      expect(perSocket).toBeLessThan(DEFAULT_REALTIME_LIMITS.socketEvents.burst);

      const started = Date.now();
      const acks = await Promise.all(sockets.flatMap((socket) => Array.from({ length: perSocket }, () => say(socket))));

      const admitted = acks.filter((ack) => ack.status === 'ok');
      expect(admitted.length).toBeLessThanOrEqual(admittedAtMost(started));
      expect(acks.filter((ack) => ack.status === 'error')).not.toHaveLength(0);
    });

    it('disconnects a socket that keeps flooding', async () => {
      const floodDisconnectAfter = 20;
      lobby = await startLobby({
        limits: { socketEvents: LOW_RATE, floodDisconnectAfter },
      });
      const flooder = await lobby.connectAs('mallory');
      const bystander = await lobby.connectAs('bob');
      await lobby.join(flooder, 'general');
      await lobby.join(bystander, 'general');
      const closed = disconnected(flooder);
      const notices = collectEvents<ErrorPayload>(flooder, 'exception');

      // Enough to be refused floodDisconnectAfter times, too few to hit the packet ceiling.
      const flood = LOW_RATE.burst + floodDisconnectAfter + 10;
      for (let sent = 0; sent < flood; sent++) {
        untyped(flooder).emit('say', { roomId: 'general', content: 'x' });
      }

      await expect(closed).resolves.toBe('io server disconnect');
      expect(notices.at(-1)).toEqual({
        status: 'error',
        code: RealtimeErrorCode.RateLimited,
        message: 'Disconnected: too many events',
      });
      await expect(say(bystander)).resolves.toEqual({ status: 'ok' });
    });

    it('closes a connection that floods with events no handler takes', async () => {
      lobby = await startLobby();
      const flooder = await lobby.connectAs('mallory');
      const bystander = await lobby.connectAs('bob');
      await lobby.join(bystander, 'general');
      const closed = disconnected(flooder);

      for (let sent = 0; sent < 10 * DEFAULT_REALTIME_LIMITS.socketEvents.burst; sent++) {
        untyped(flooder).emit('notAnEvent', sent);
      }

      await expect(closed).resolves.toBe('transport close');
      await expect(say(bystander)).resolves.toEqual({ status: 'ok' });
    });
  });

  describe('connections', () => {
    it('refuses handshakes beyond the rate of one client address', async () => {
      // One trusted proxy, so X-Forwarded-For tells the two addresses apart.
      lobby = await startLobby({
        limits: { handshakes: LOW_RATE, trustedProxyHops: 1 },
      });
      const fromAddress = (address: string, userId: string): LobbyClient =>
        lobby.open({
          token: lobby.token(userId),
          headers: { 'x-forwarded-for': address },
        });

      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: LOW_RATE.burst + 20 }, (_unused, index) =>
          handshakeOutcome(fromAddress('203.0.113.9', `user-${index}`)),
        ),
      );

      // The burst, then what the rate refilled while they arrived; the rest refused.
      const admitted = outcomes.filter((outcome) => outcome === 'connected');
      expect(admitted.length).toBeGreaterThanOrEqual(LOW_RATE.burst);
      expect(admitted.length).toBeLessThanOrEqual(admittedAtMost(started));
      for (const outcome of outcomes.filter((outcome) => outcome !== 'connected')) {
        expect(outcome).toMatchObject({ code: RealtimeErrorCode.RateLimited });
        expect(outcome).toHaveProperty('retryAfterMs', expect.any(Number));
      }
      await expect(connected(fromAddress('198.51.100.7', 'bob'))).resolves.toBeUndefined();
    });

    it('refuses a user more sockets than allowed, until one closes', async () => {
      const maxSocketsPerUser = 3;
      lobby = await startLobby({ limits: { maxSocketsPerUser } });
      const sockets: LobbyClient[] = [];
      for (let opened = 0; opened < maxSocketsPerUser; opened++) {
        sockets.push(await lobby.connectAs('mallory'));
      }

      await expect(refused(lobby.open({ token: lobby.token('mallory') }))).resolves.toEqual({
        message: `A user may hold at most ${maxSocketsPerUser} connections; close one first`,
        code: RealtimeErrorCode.LimitExceeded,
      });
      await expect(lobby.connectAs('bob')).resolves.toBeDefined();

      sockets[0].disconnect();
      await eventually(() => lobby.server.sockets.size === maxSocketsPerUser, 'The server-side disconnect');
      await expect(lobby.connectAs('mallory')).resolves.toBeDefined();
    });

    it('closes a connection that never completes its namespace handshake', async () => {
      lobby = await startLobby({ limits: { connectTimeoutMs: 300 } });
      // A connection to the server that never asks for a namespace.
      const manager = new Manager(lobby.origin, {
        transports: ['websocket'],
        reconnection: false,
        autoConnect: false,
      });
      const closed = new Promise<string>((resolve) => manager.once('close', (reason: string) => resolve(reason)));

      manager.open();

      try {
        await expect(closed).resolves.toBe('transport close');
      } finally {
        manager.engine?.close();
      }
    });
  });

  describe('rooms', () => {
    it('refuses a socket more rooms than allowed', async () => {
      lobby = await startLobby({ limits: { maxRoomsPerSocket: 3 } });
      const alice = await lobby.connectAs('alice');
      for (const roomId of ['a', 'b', 'c']) {
        await lobby.join(alice, roomId);
      }

      const ack = await alice.emitWithAck('join', { roomId: 'd' });

      expect(ack).toEqual({
        status: 'error',
        code: RealtimeErrorCode.LimitExceeded,
        message: 'A connection may join at most 3 rooms; leave one first',
      });
      // A socket's events are handled in order, so the join follows the leave.
      alice.emit('leave', { roomId: 'a' });
      await lobby.join(alice, 'd');
    });
  });

  describe('payloads', () => {
    beforeEach(async () => {
      lobby = await startLobby();
    });

    it('refuses oversized payloads before validating them, and keeps serving', async () => {
      const { payload } = DEFAULT_REALTIME_LIMITS;
      const alice = await lobby.connectAs('alice');
      await lobby.join(alice, 'general');
      // Neither is a valid say either: the limits answer before validation would.
      const manyKeys: Record<string, number> = { roomId: 0 };
      for (let key = 0; key < 4 * payload.maxKeys; key++) {
        manyKeys[`k${key.toString(36)}`] = 0;
      }
      const longArray = {
        roomId: 'general',
        content: 'hi',
        tags: Array.from({ length: payload.maxArrayLength + 1 }, () => 'x'),
      };

      for (const oversized of [manyKeys, longArray]) {
        await expect(untyped(alice).emitWithAck('say', oversized)).resolves.toMatchObject({
          status: 'error',
          code: RealtimeErrorCode.LimitExceeded,
        });
      }
      await expect(say(alice)).resolves.toEqual({ status: 'ok' });
    });

    it('refuses a payload nested 10,000 deep without failing', async () => {
      const alice = await lobby.connectAs('alice');
      const exception = nextEvent<ErrorPayload>(alice, 'exception');
      const depth = 10_000;
      // Written as a raw packet: the client's own encoder would overflow its stack.
      const nested = `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;

      alice.io.engine.write(`2/lobby,["say",${nested}]`);

      await expect(exception).resolves.toMatchObject({
        status: 'error',
        code: RealtimeErrorCode.LimitExceeded,
      });
      await lobby.join(alice, 'general');
    });

    it('closes a connection that sends binary attachments, and counts it', async () => {
      const alice = await lobby.connectAs('alice');
      const bob = await lobby.connectAs('bob');
      const closed = disconnected(alice);

      untyped(alice).emit('say', {
        roomId: 'general',
        content: Buffer.from('x'),
      });

      await expect(closed).resolves.toBe('transport close');
      await expect(lobby.join(bob, 'general')).resolves.toBeUndefined();
      await expect(lobby.app.get(RealtimeMetrics).registry.metrics()).resolves.toContain(
        'realtime_disconnects_total{namespace="/lobby",reason="invalid_packet"} 1',
      );
    });
  });

  describe('binary attachments where a gateway accepts them', () => {
    beforeEach(async () => {
      lobby = await startLobby({ imports: [FilesModule] });
    });

    function openFiles(userId: string): FilesClient {
      return lobby.client(FILES_NAMESPACE, { token: lobby.token(userId) });
    }

    it('hands a Buffer to the handler of a gateway declared with binaryAttachments', async () => {
      const uploader = openFiles('alice');
      await connected(uploader);

      const ack = await uploader.emitWithAck('upload', {
        name: 'hello.txt',
        data: Buffer.from('hello'),
      });

      expect(ack).toEqual({ status: 'stored', name: 'hello.txt', bytes: 5 });
    });

    it('still applies the payload limits there', async () => {
      const uploader = openFiles('alice');
      await connected(uploader);
      // No valid upload either: the limits answer before validation would.
      const tooDeep = { name: 'deep.bin', data: Buffer.from('x'), meta: {} };
      let inner: Record<string, unknown> = tooDeep.meta;
      for (let level = 0; level < DEFAULT_REALTIME_LIMITS.payload.maxDepth; level++) {
        inner.next = {};
        inner = inner.next as Record<string, unknown>;
      }

      await expect(untyped(uploader).emitWithAck('upload', tooDeep)).resolves.toMatchObject({
        status: 'error',
        code: RealtimeErrorCode.LimitExceeded,
      });
    });

    it('accepts them in that namespace only', async () => {
      const uploader = openFiles('alice');
      await connected(uploader);
      const alice = await lobby.connectAs('alice');
      const closed = disconnected(alice);
      untyped(alice).emit('say', {
        roomId: 'general',
        content: Buffer.from('x'),
      });
      await expect(closed).resolves.toBe('transport close');
      await expect(
        uploader.emitWithAck('upload', {
          name: 'after.txt',
          data: Buffer.from('still here'),
        }),
      ).resolves.toMatchObject({ status: 'stored' });
    });
  });
});
