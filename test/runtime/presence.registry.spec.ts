import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterSocket, QueryableNamespace } from '../../runtime/cluster-query.js';
import type { PresenceEvent } from '../../runtime/presence.batches.js';
import { PresenceRegistry, type PresenceTracker, type PresenceSocket } from '../../runtime/presence.registry.js';
import { RealtimeLifecycle } from '../../runtime/realtime.lifecycle.js';
import { roomKey, userRoom } from '../../runtime/realtime.rooms.js';
import { RealtimeSettings } from '../../runtime/realtime.settings.js';

/** Answers fetchSockets from a list of remote sockets, or fails like an unreachable cluster. */
class FakeNamespace implements QueryableNamespace {
  readonly name = '/chat';
  remoteSockets: ClusterSocket[] = [];
  failing = false;
  queries = 0;

  in(rooms: string | string[]) {
    const wanted = new Set(Array.isArray(rooms) ? rooms : [rooms]);
    return {
      timeout: () => ({
        fetchSockets: (): Promise<ClusterSocket[]> => {
          this.queries += 1;
          if (this.failing) {
            return Promise.reject(new Error('Redis is down'));
          }
          return Promise.resolve(
            this.remoteSockets.filter((socket) => [...socket.rooms].some((room) => wanted.has(room))),
          );
        },
      }),
    };
  }
}

/** A socket of this instance: its rooms, and the disconnecting event socket.io fires. */
class FakeSocket implements PresenceSocket {
  readonly rooms = new Set<string>();
  private onDisconnecting?: () => void;

  constructor(readonly data: { userId: string }) {}

  once(_event: 'disconnecting', listener: () => void): void {
    this.onDisconnecting = listener;
  }

  join(roomId: string): void {
    this.rooms.add(roomKey(roomId));
  }

  disconnect(): void {
    this.onDisconnecting?.();
    this.rooms.clear();
  }
}

function remoteSocketOf(userId: string, ...roomIds: string[]): ClusterSocket {
  return {
    id: `remote-${userId}`,
    rooms: new Set([userRoom(userId), ...roomIds.map((id) => roomKey(id))]),
    data: { userId },
  };
}

describe('PresenceTracker', () => {
  let namespace: FakeNamespace;
  let sent: PresenceEvent[];
  let lifecycle: RealtimeLifecycle;
  let registry: PresenceRegistry;
  let presence: PresenceTracker;

  beforeEach(() => {
    namespace = new FakeNamespace();
    // This test's own list: a batch of an earlier test that arrives late cannot land in it.
    const events: PresenceEvent[] = [];
    sent = events;
    // One instance (no REDIS_URL), every change sent at once.
    const settings = RealtimeSettings.resolve({
      env: { REALTIME_PRESENCE_INTERVAL_MS: '0' },
    });
    lifecycle = new RealtimeLifecycle(settings);
    registry = new PresenceRegistry(lifecycle, settings);
    presence = registry.track(namespace, (event) => events.push(event));
  });

  function connect(userId: string): FakeSocket {
    const socket = new FakeSocket({ userId });
    presence.connected(socket);
    return socket;
  }

  function joinRoom(socket: FakeSocket, roomId: string): void {
    socket.join(roomId);
    presence.joined(socket, roomId);
  }

  /**
   * Lets the scheduled cluster check and then the batch timer run. Each hop is
   * a timer created after the previous one fired, so a timer that one created
   * fires first however late a loaded machine runs them.
   */
  async function settle(): Promise<void> {
    for (let hop = 0; hop < 4; hop++) {
      await sleep(1);
    }
  }

  /** A socket of the user in these rooms, its joins already announced. */
  async function connectedIn(userId: string, ...roomIds: string[]): Promise<FakeSocket> {
    const socket = connect(userId);
    roomIds.forEach((roomId) => joinRoom(socket, roomId));
    await settle();
    sent.length = 0;
    return socket;
  }

  it('tells a room who joined it', async () => {
    joinRoom(connect('alice'), 'general');
    await settle();

    expect(sent).toEqual([{ roomId: 'general', joined: ['alice'], left: [], offline: [] }]);
  });

  it('tells the user’s rooms, and only those, that their last socket anywhere left', async () => {
    const socket = await connectedIn('alice', 'general', 'support');

    socket.disconnect();
    await settle();

    expect(sent).toEqual([
      { roomId: 'general', joined: [], left: [], offline: ['alice'] },
      { roomId: 'support', joined: [], left: [], offline: ['alice'] },
    ]);
  });

  it('tells no one, and asks no one, about a user in no room', async () => {
    connect('alice').disconnect();
    await settle();

    expect(sent).toEqual([]);
    expect(namespace.queries).toBe(0);
  });

  it('tells a room nothing while another socket of the user here is in it', async () => {
    const tab = await connectedIn('alice', 'general');
    await connectedIn('alice', 'general');

    tab.disconnect();
    await settle();

    expect(sent).toEqual([]);
    expect(namespace.queries).toBe(0);
  });

  it('reports a user who is still connected as having left the rooms only the closed socket was in', async () => {
    const tab = await connectedIn('alice', 'general', 'support');
    await connectedIn('alice', 'support');

    tab.disconnect();
    await settle();

    // Asked the cluster first: a socket of hers elsewhere may be in the room.
    expect(namespace.queries).toBe(1);
    expect(sent).toEqual([{ roomId: 'general', joined: [], left: ['alice'], offline: [] }]);
  });

  it('does not report a user as having left a room her socket on another instance is in', async () => {
    namespace.remoteSockets = [remoteSocketOf('alice', 'general')];
    const tab = await connectedIn('alice', 'general');
    connect('alice');

    tab.disconnect();
    await settle();

    expect(sent).toEqual([]);
  });

  it('counts a session that connection state recovery resumed in the rooms it is back in', async () => {
    const resumed = new FakeSocket({ userId: 'alice' });
    resumed.join('general');
    Object.assign(resumed, { recovered: true });

    presence.connected(resumed);
    await settle();

    expect(sent).toEqual([{ roomId: 'general', joined: ['alice'], left: [], offline: [] }]);
    resumed.disconnect();
    await settle();
    expect(sent.at(-1)).toEqual({
      roomId: 'general',
      joined: [],
      left: [],
      offline: ['alice'],
    });
  });

  it('reports a user still online elsewhere as having left the rooms no socket of theirs is in', async () => {
    namespace.remoteSockets = [remoteSocketOf('alice', 'support')];
    const socket = await connectedIn('alice', 'general', 'support');

    socket.disconnect();
    await settle();

    expect(sent).toEqual([{ roomId: 'general', joined: [], left: ['alice'], offline: [] }]);
  });

  it('retries a check the cluster could not answer instead of guessing', async () => {
    const alice = await connectedIn('alice', 'general');
    const bob = await connectedIn('bob', 'general');
    namespace.failing = true;

    alice.disconnect();
    bob.disconnect();
    await settle();
    expect(sent).toEqual([]);

    namespace.failing = false;
    namespace.remoteSockets = [remoteSocketOf('bob', 'general')];
    await presence.resolvePending();
    await settle();

    expect(sent).toEqual([{ roomId: 'general', joined: [], left: [], offline: ['alice'] }]);
    await presence.resolvePending();
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('drops a pending check once the user is back on this instance', async () => {
    const socket = await connectedIn('alice', 'general');
    namespace.failing = true;
    socket.disconnect();
    await settle();

    connect('alice');
    namespace.failing = false;
    await presence.resolvePending();
    await settle();

    expect(sent).toEqual([]);
  });

  it('announces nothing while the instance drains', async () => {
    const socket = await connectedIn('alice', 'general');

    lifecycle.beginDrain();
    socket.disconnect();
    await settle();

    expect(sent).toEqual([]);
    expect(namespace.queries).toBe(0);
  });
});
