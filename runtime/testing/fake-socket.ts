import { randomUUID } from 'node:crypto';

/** An event a fake socket sent: to its own client, or to a room (`to(room).emit`). */
export interface SentEvent {
  /** The room it went to; undefined for the socket's own client. */
  room?: string;
  event: string;
  payload: unknown;
}

/** What both fakes record and how they address rooms. */
class FakeEmitter {
  readonly sent: SentEvent[] = [];

  emit(event: string, payload?: unknown): boolean {
    this.sent.push({ event, payload });
    return true;
  }

  to(room: string): { emit(event: string, payload?: unknown): boolean } {
    return {
      emit: (event, payload) => {
        this.sent.push({ room, event, payload });
        return true;
      },
    };
  }

  /** This fake as the gateway's type, for the members its code uses. */
  as<Typed>(): Typed {
    return this as unknown as Typed;
  }
}

/**
 * A namespace for unit tests of services that push through a gateway's
 * `server`: what is emitted, and to which room, is recorded.
 *
 * @example
 * const server = new FakeNamespace('/alerts');
 * Object.assign(gateway, { server: server.as<AlertsServer>() });
 * service.notifyUser('alice', 'orderStatusChanged', event);
 * expect(server.sent).toEqual([{ room: 'user:alice', event: 'orderStatusChanged', payload: event }]);
 */
export class FakeNamespace extends FakeEmitter {
  constructor(readonly name = '/') {
    super();
  }
}

/**
 * A socket for unit tests of handlers: joins, leaves and emits are recorded,
 * nothing goes over a network. Hand it to a handler as the gateway's socket
 * type with `as`.
 *
 * @example
 * const alice = new FakeSocket('alice', '/chat');
 * await gateway.joinRoom({ roomId: 'general' }, alice.as<ChatSocket>());
 * expect(alice.rooms).toContain('room:general');
 */
export class FakeSocket extends FakeEmitter {
  readonly id = randomUUID();
  readonly data: { userId: string; tokenExpiresAt: number };
  readonly rooms = new Set<string>([this.id]);
  readonly nsp: FakeNamespace;
  readonly handshake = {
    address: '127.0.0.1',
    headers: {},
    query: {},
    auth: {},
  };
  connected = true;

  constructor(userId: string, namespace: string | FakeNamespace = '/') {
    super();
    this.data = { userId, tokenExpiresAt: Date.now() + 60_000 };
    this.nsp =
      typeof namespace === 'string' ? new FakeNamespace(namespace) : namespace;
  }

  join(room: string): void {
    this.rooms.add(room);
  }

  leave(room: string): void {
    this.rooms.delete(room);
  }

  once(): this {
    return this;
  }

  disconnect(): this {
    this.connected = false;
    return this;
  }
}
