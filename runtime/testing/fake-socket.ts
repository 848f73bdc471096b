import { randomUUID } from 'node:crypto';

/** An event a fake socket sent: to its own client, or to a room (`to(room).emit`). */
export interface SentEvent {
  /** The room it went to; undefined for the socket's own client. */
  room?: string;
  event: string;
  payload: unknown;
}

/**
 * A socket for unit tests of handlers: joins, leaves and emits are recorded,
 * nothing goes over a network. Hand it to a handler as the gateway's socket
 * type with {@link as}.
 *
 * @example
 * const alice = new FakeSocket('alice', '/chat');
 * await gateway.joinRoom({ roomId: 'general' }, alice.as<ChatSocket>());
 * expect(alice.rooms).toContain('room:general');
 */
export class FakeSocket {
  readonly id = randomUUID();
  readonly data: { userId: string; tokenExpiresAt: number };
  readonly rooms = new Set<string>([this.id]);
  readonly nsp: { name: string };
  readonly handshake = { address: '127.0.0.1', headers: {}, query: {}, auth: {} };
  readonly sent: SentEvent[] = [];
  connected = true;

  constructor(userId: string, namespace = '/') {
    this.data = { userId, tokenExpiresAt: Date.now() + 60_000 };
    this.nsp = { name: namespace };
  }

  join(room: string): void {
    this.rooms.add(room);
  }

  leave(room: string): void {
    this.rooms.delete(room);
  }

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

  once(): this {
    return this;
  }

  disconnect(): this {
    this.connected = false;
    return this;
  }

  /** This fake as the gateway's socket type, for the members handlers use. */
  as<Typed>(): Typed {
    return this as unknown as Typed;
  }
}
