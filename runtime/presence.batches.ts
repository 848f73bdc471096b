import type { PresenceEvent } from './realtime.contract.js';

export type { PresenceEvent } from './realtime.contract.js';

export type PresenceChange = 'joined' | 'left' | 'offline';

interface PendingChange {
  /** Whether the members last heard of the user as one of them. */
  wasMember: boolean;
  latest: PresenceChange;
}

interface RoomBatch {
  changes: Map<string, PendingChange>;
  timer?: NodeJS.Timeout;
}

/**
 * Coalesces one namespace's membership changes into at most one `presence`
 * batch per room per interval: the first change in a quiet room goes out on
 * the next tick, later ones wait for the interval to pass since the last
 * batch. Only net changes are sent, so a user who joins and leaves within
 * one interval costs the room nothing.
 *
 * @example
 * const batches = new PresenceBatches(1_000, (event) =>
 *   server.to(roomKey(event.roomId)).emit('presence', event),
 * );
 * batches.record('general', 'alice', 'joined');
 */
export class PresenceBatches {
  private readonly rooms = new Map<string, RoomBatch>();
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (event: PresenceEvent) => void,
  ) {}

  record(roomId: string, userId: string, change: PresenceChange): void {
    if (this.stopped) {
      return;
    }
    let batch = this.rooms.get(roomId);
    if (batch === undefined) {
      batch = { changes: new Map() };
      this.rooms.set(roomId, batch);
    }
    const pending = batch.changes.get(userId);
    batch.changes.set(userId, {
      wasMember: pending?.wasMember ?? change !== 'joined',
      latest: change,
    });
    batch.timer ??= this.schedule(roomId, 0);
  }

  /** Drops what is pending and sends nothing more (the instance is draining). */
  stop(): void {
    this.stopped = true;
    for (const batch of this.rooms.values()) {
      clearTimeout(batch.timer);
    }
    this.rooms.clear();
  }

  private schedule(roomId: string, delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.flush(roomId), delayMs);
    // Pending notices must not keep a closing app alive.
    timer.unref();
    return timer;
  }

  private flush(roomId: string): void {
    const batch = this.rooms.get(roomId);
    if (batch === undefined) {
      return;
    }
    batch.timer = undefined;
    const event: PresenceEvent = { roomId, joined: [], left: [], offline: [] };
    for (const [userId, { wasMember, latest }] of batch.changes) {
      if ((latest === 'joined') !== wasMember) {
        event[latest].push(userId);
      }
    }
    batch.changes.clear();
    if (event.joined.length + event.left.length + event.offline.length === 0) {
      // Nothing went out, so the next change needs no wait.
      this.rooms.delete(roomId);
      return;
    }
    this.send(event);
    // Changes until then are held and sent together when the interval ends.
    batch.timer = this.schedule(roomId, this.intervalMs);
  }
}
