import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';
import {
  assertRoomAvailable,
  clientAddress,
  RealtimeAdmission,
  type ConnectingSocket,
  type EventRefusal,
} from '../../runtime/realtime.admission.js';
import { HandshakeRefused, RealtimeErrorCode } from '../../runtime/realtime.errors.js';
import { DEFAULT_REALTIME_LIMITS, resolveRealtimeLimits, type RealtimeLimits } from '../../runtime/realtime.limits.js';
import { roomKey } from '../../runtime/realtime.rooms.js';

const limits: RealtimeLimits = {
  ...DEFAULT_REALTIME_LIMITS,
  socketEvents: { perSecond: 2, burst: 3 },
  userEvents: { perSecond: 4, burst: 4 },
  handshakes: { perSecond: 1, burst: 2 },
  floodDisconnectAfter: 2,
  maxSocketsPerUser: 2,
  maxRoomsPerSocket: 2,
};

/** A handshaking socket: its namespace, address, user and the events that release it. */
class FakeSocket extends EventEmitter implements ConnectingSocket {
  readonly conn = new EventEmitter();
  readonly handshake = {
    address: '10.0.0.1',
    headers: {},
  } as Socket['handshake'];

  constructor(
    readonly nsp: object,
    readonly data: { userId?: string },
    readonly id = `socket-${Math.random()}`,
  ) {
    super();
  }
}

function codeOf(error: unknown): unknown {
  return error instanceof HandshakeRefused ? error.data.code : undefined;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('RealtimeAdmission', () => {
  const namespace = {};
  let admission: RealtimeAdmission;

  beforeEach(() => {
    admission = new RealtimeAdmission(limits);
  });

  it('refuses a socket’s events beyond its rate and burst, saying when to retry', async () => {
    const socket = new FakeSocket(namespace, { userId: 'alice' });

    const results: (EventRefusal | undefined)[] = [];
    for (let sent = 0; sent < 4; sent++) {
      results.push(await admission.admitEvent(socket));
    }

    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(results[3]).toMatchObject({
      payload: { code: RealtimeErrorCode.RateLimited },
      disconnect: false,
    });
    expect(results[3]?.payload.retryAfterMs).toBeGreaterThan(0);
  });

  it('limits a user over all their sockets', async () => {
    const sockets = [1, 2, 3].map(() => new FakeSocket(namespace, { userId: 'alice' }));

    const results: (EventRefusal | undefined)[] = [];
    for (const socket of sockets) {
      results.push(await admission.admitEvent(socket));
      results.push(await admission.admitEvent(socket));
    }

    expect(results.filter((result) => result !== undefined)).toHaveLength(2);
  });

  it('asks to disconnect a socket that keeps sending while refused', async () => {
    const socket = new FakeSocket(namespace, { userId: 'alice' });
    let last: EventRefusal | undefined;
    for (let sent = 0; sent < 3 + limits.floodDisconnectAfter + 1; sent++) {
      last = await admission.admitEvent(socket);
    }

    expect(last?.disconnect).toBe(true);
  });

  it('refuses handshakes from one address beyond its rate', async () => {
    const socket = new FakeSocket(namespace, {});
    await admission.admitHandshake(socket.handshake);
    await admission.admitHandshake(socket.handshake);

    const refusal = await admission.admitHandshake(socket.handshake).catch((error: unknown) => error);

    expect(codeOf(refusal)).toBe(RealtimeErrorCode.RateLimited);
  });

  it('caps a user’s sockets per namespace and frees a place when one closes', () => {
    const first = new FakeSocket(namespace, { userId: 'alice' });
    const second = new FakeSocket(namespace, { userId: 'alice' });
    admission.admitUserSocket(first);
    admission.admitUserSocket(second);

    const third = thrownBy(() => admission.admitUserSocket(new FakeSocket(namespace, { userId: 'alice' })));
    expect(codeOf(third)).toBe(RealtimeErrorCode.LimitExceeded);
    admission.admitUserSocket(new FakeSocket({}, { userId: 'alice' }));
    admission.admitUserSocket(new FakeSocket(namespace, { userId: 'bob' }));

    first.emit('disconnect');
    // Released once, whichever of the two events comes.
    first.conn.emit('close');
    admission.admitUserSocket(new FakeSocket(namespace, { userId: 'alice' }));
    const again = thrownBy(() => admission.admitUserSocket(new FakeSocket(namespace, { userId: 'alice' })));
    expect(codeOf(again)).toBe(RealtimeErrorCode.LimitExceeded);
  });

  it('refuses a room beyond the socket’s cap, counting client rooms only', () => {
    const rooms = new Set(['socket-id', 'user:alice', roomKey('a')]);

    expect(thrownBy(() => assertRoomAvailable({ rooms }, limits.maxRoomsPerSocket))).toBeUndefined();
    rooms.add(roomKey('b'));
    expect(thrownBy(() => assertRoomAvailable({ rooms }, limits.maxRoomsPerSocket))).toMatchObject({
      code: RealtimeErrorCode.LimitExceeded,
    });
  });
});

describe('clientAddress', () => {
  it('is the TCP peer unless proxies are trusted', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.7', 0)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', undefined, 1)).toBe('10.0.0.5');
  });

  it('takes the entry the outermost trusted proxy saw, ignoring what the client wrote', () => {
    const forwarded = '198.51.100.1, 203.0.113.7, 10.0.0.9';

    expect(clientAddress('10.0.0.5', forwarded, 1)).toBe('10.0.0.9');
    expect(clientAddress('10.0.0.5', forwarded, 2)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.5', '203.0.113.7', 3)).toBe('203.0.113.7');
  });
});

describe('resolveRealtimeLimits', () => {
  it('uses the defaults when nothing is set', () => {
    expect(resolveRealtimeLimits({})).toEqual(DEFAULT_REALTIME_LIMITS);
  });

  it('reads REALTIME_* variables', () => {
    const read = resolveRealtimeLimits({
      REALTIME_SOCKET_EVENTS_PER_SECOND: '50',
      REALTIME_MAX_ROOMS_PER_SOCKET: '500',
      REALTIME_PAYLOAD_MAX_DEPTH: '4',
    });

    // Raising a rate alone raises its burst with it.
    expect(read.socketEvents).toEqual({ perSecond: 50, burst: 50 });
    expect(read.maxRoomsPerSocket).toBe(500);
    expect(read.payload.maxDepth).toBe(4);
  });

  it('refuses a value that is not a whole number in range, naming the variable', () => {
    expect(() => resolveRealtimeLimits({ REALTIME_MAX_SOCKETS_PER_USER: 'ten' })).toThrow(
      'REALTIME_MAX_SOCKETS_PER_USER must be an integer of at least 1; got "ten".',
    );
    expect(() =>
      resolveRealtimeLimits({
        REALTIME_USER_EVENTS_PER_SECOND: '40',
        REALTIME_USER_EVENT_BURST: '10',
      }),
    ).toThrow('REALTIME_USER_EVENT_BURST (10) must be at least REALTIME_USER_EVENTS_PER_SECOND (40).');
  });
});
