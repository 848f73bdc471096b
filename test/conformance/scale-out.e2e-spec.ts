import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { membershipField, presenceKeys, RealtimeRooms, RedisAdapterKind, type PresenceEvent } from 'nest-realtime';
import { RedisServer, TEST_TIMEOUT_MS, collectEvents, connected, nextEvent } from 'nest-realtime/testing';
import { LOBBY_NAMESPACE, type SaidEventDto } from './support/lobby.js';
import {
  PRESENCE_SETTLED_MS,
  eventually,
  presenceAbout,
  startLobby,
  type Lobby,
  type LobbyClient,
  say,
} from './support/lobby-testing.js';

// Long enough for a wrongly routed event to cross Redis and arrive over loopback.
const QUIET_WINDOW_MS = 300;
// Heartbeat every 500 ms, so a dead instance is swept within about a second.
const PRESENCE_TTL_MS = 1_500;
// ioredis retries at most every 2 s, plus time to resubscribe.
const RECOVERY_TIMEOUT_MS = 10_000;
// Long enough to span several sends and ioredis' first reconnect attempts, short enough for CI.
const OUTAGE_MS = 3_000;
const SEND_INTERVAL_MS = 100;
// Local members are served from memory; this only rules out waiting on Redis.
const LOCAL_DELIVERY_BOUND_MS = 1_000;
const SLOW_TEST_TIMEOUT_MS = 20_000;

/**
 * What a crashed instance leaves in Redis, in PresenceRegistry's layout
 * (presenceKeys), which every instance of a deployment shares: its room
 * memberships, and no heartbeat key.
 */
async function leaveCrashedInstance(
  admin: Redis,
  instanceId: string,
  memberships: Array<[userId: string, roomId: string]>,
): Promise<string> {
  const rooms = presenceKeys.rooms(LOBBY_NAMESPACE, instanceId);
  await admin.sadd(presenceKeys.instances(LOBBY_NAMESPACE), instanceId);
  await admin.hset(rooms, ...memberships.flatMap(([userId, roomId]) => [membershipField(userId, roomId), '1']));
  return rooms;
}

// Never skipped: our suite needs redis-server (.ci/run installs it), and fails saying so without it.
describe('scale-out (conformance)', () => {
  let redisServer: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    redisServer = await RedisServer.launch();
    admin = new Redis(redisServer.port, '127.0.0.1', {
      maxRetriesPerRequest: null,
    });
    // Expected while the outage test has Redis down.
    admin.on('error', () => undefined);
  }, SLOW_TEST_TIMEOUT_MS);

  afterAll(async () => {
    admin?.disconnect();
    await redisServer?.kill();
  });

  for (const kind of Object.values(RedisAdapterKind)) {
    describe(`with the ${kind} adapter`, () => {
      let instanceA: Lobby;
      let instanceB: Lobby;
      let clients: LobbyClient[] = [];
      let testRun = 0;

      // Unique per test: a previous test's disconnects may still be
      // announcing presence while the next test runs.
      function user(name: string): string {
        return `${name}-${kind}-${testRun}`;
      }

      function open(instance: Lobby, name: string, reconnection = false): LobbyClient {
        const client = instance.open({ token: instance.token(user(name)), reconnection });
        clients.push(client);
        return client;
      }

      async function connectAs(instance: Lobby, name: string): Promise<LobbyClient> {
        const client = open(instance, name);
        await connected(client);
        return client;
      }

      function startInstance(): Promise<Lobby> {
        return startLobby({
          env: {
            REDIS_URL: redisServer.url,
            REDIS_ADAPTER: kind,
            REALTIME_PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
          },
          // Every client here comes from 127.0.0.1, and Redis keeps the count
          // across tests and instances; the handshake limit has its own test.
          limits: { handshakes: { perSecond: 1_000, burst: 1_000 } },
        });
      }

      beforeAll(async () => {
        await admin.flushall();
        instanceA = await startInstance();
        instanceB = await startInstance();
      }, SLOW_TEST_TIMEOUT_MS);

      beforeEach(() => {
        testRun += 1;
        clients = [];
      });

      afterEach(async () => {
        for (const client of clients) {
          client.disconnect();
        }
        // A failed outage test must not leave the next tests without Redis.
        if (!redisServer.running) {
          await redisServer.start();
        }
        const instances = [instanceA, instanceB];
        await eventually(
          () => instances.every((instance) => instance.server.sockets.size === 0),
          'Server-side disconnects',
        );
        // Lets the presence checks these disconnects started finish: a
        // cluster query answered after theirs means they are done.
        await Promise.all(
          instances.map((instance) =>
            instance.app
              .get(RealtimeRooms)
              .isOnline(instance.server, 'no-such-user')
              .catch(() => false),
          ),
        );
      }, SLOW_TEST_TIMEOUT_MS);

      afterAll(async () => {
        await instanceA?.close();
        await instanceB?.close();
      }, SLOW_TEST_TIMEOUT_MS);

      it('delivers room and user events across instances', async () => {
        const alice = await connectAs(instanceA, 'alice');
        const alicePhone = await connectAs(instanceB, 'alice');
        const bob = await connectAs(instanceB, 'bob');
        await instanceA.join(alice, 'general');
        const joined = presenceAbout(alice, 'general', 'joined', user('bob'));
        await instanceB.join(bob, 'general');
        await expect(joined).resolves.toMatchObject({ joined: [user('bob')] });

        const delivered = nextEvent<SaidEventDto>(alice, 'said');
        await expect(say(bob, 'hi from B', 'general')).resolves.toEqual({ status: 'ok' });
        await expect(delivered).resolves.toEqual({
          sender: user('bob'),
          content: 'hi from B',
        });

        // To every socket of one user, from an instance that holds only some of them.
        const notice = { sender: 'system', content: `for ${user('alice')}` };
        const forNotice = { matches: (event: SaidEventDto) => event.content === notice.content };
        const onA = nextEvent<SaidEventDto>(alice, 'said', forNotice);
        const onPhone = nextEvent<SaidEventDto>(alicePhone, 'said', forNotice);
        const toBob = collectEvents(bob, 'said');
        instanceB.server.to(instanceB.app.get(RealtimeRooms).user(user('alice'))).emit('said', notice);
        await expect(onA).resolves.toEqual(notice);
        await expect(onPhone).resolves.toEqual(notice);
        await sleep(QUIET_WINDOW_MS);
        expect(toBob).toEqual([]);
      });

      it('tells room members who left on one instance and went offline on another, and no one else', async () => {
        const alice = user('alice');
        const memberA = await connectAs(instanceA, 'carol');
        const memberB = await connectAs(instanceB, 'dave');
        const stranger = await connectAs(instanceB, 'erin');
        const aliceTab = await connectAs(instanceA, 'alice');
        const alicePhone = await connectAs(instanceB, 'alice');
        const toStranger = collectEvents(stranger, 'presence');
        await instanceA.join(memberA, 'support');
        await instanceB.join(memberB, 'support');
        await instanceA.join(memberA, 'side');
        // Her joins are announced first: a join and a leave within one batch would cancel out.
        const joinedSupport = presenceAbout(memberA, 'support', 'joined', alice);
        const joinedSide = presenceAbout(memberA, 'side', 'joined', alice);
        await instanceB.join(alicePhone, 'support');
        await instanceA.join(aliceTab, 'side');
        await joinedSupport;
        await joinedSide;
        const rooms = instanceA.app.get(RealtimeRooms);
        await expect(rooms.isOnline(instanceA.server, alice)).resolves.toBe(true);
        await expect(rooms.roomsOf(instanceA.server, alice)).resolves.toEqual(['side', 'support']);

        // Her only socket in "side" goes; she is still online elsewhere.
        const leftSide = presenceAbout(memberA, 'side', 'left', alice);
        aliceTab.disconnect();
        await expect(leftSide).resolves.toEqual({
          roomId: 'side',
          joined: [],
          left: [alice],
          offline: [],
        });
        await expect(rooms.isOnline(instanceA.server, alice)).resolves.toBe(true);

        const seenOnA = presenceAbout(memberA, 'support', 'offline', alice);
        const seenOnB = presenceAbout(memberB, 'support', 'offline', alice);
        alicePhone.disconnect();
        await expect(seenOnA).resolves.toMatchObject({ offline: [alice] });
        await expect(seenOnB).resolves.toMatchObject({ offline: [alice] });
        await expect(rooms.isOnline(instanceA.server, alice)).resolves.toBe(false);
        await expect(rooms.roomsOf(instanceA.server, alice)).resolves.toEqual([]);
        expect(toStranger).toEqual([]);
      });

      it(
        'announces the users of an instance that died without shutting down',
        async () => {
          const observer = await connectAs(instanceA, 'carol');
          const alice = await connectAs(instanceB, 'alice');
          await instanceA.join(observer, 'hall');
          await instanceB.join(alice, 'hall');
          const aboutAlice = collectEvents<PresenceEvent>(observer, 'presence');
          const zoeOffline = presenceAbout(observer, 'hall', 'offline', user('zoe'), PRESENCE_TTL_MS + TEST_TIMEOUT_MS);

          // zoe was only there; alice has since reconnected to another instance and is in the room there.
          const crashedRooms = await leaveCrashedInstance(admin, `crashed-${kind}-${testRun}`, [
            [user('zoe'), 'hall'],
            [user('alice'), 'hall'],
          ]);

          await expect(zoeOffline).resolves.toMatchObject({
            offline: [user('zoe')],
          });
          await sleep(QUIET_WINDOW_MS);
          for (const event of aboutAlice) {
            expect(event.left).not.toContain(user('alice'));
            expect(event.offline).not.toContain(user('alice'));
          }
          await expect(admin.exists(crashedRooms)).resolves.toBe(0);
        },
        SLOW_TEST_TIMEOUT_MS,
      );

      it(
        'serves local clients while Redis is down and resumes cross-instance delivery after it returns',
        async () => {
          const alice = await connectAs(instanceA, 'alice');
          const carol = await connectAs(instanceA, 'carol');
          const bob = await connectAs(instanceB, 'bob');
          for (const [instance, client] of [
            [instanceA, alice],
            [instanceA, carol],
            [instanceB, bob],
          ] as const) {
            await instance.join(client, 'ops');
          }
          const toAlice = collectEvents<SaidEventDto>(alice, 'said');

          await redisServer.kill();

          await say(bob, 'lost in the outage', 'ops');
          const local = nextEvent<SaidEventDto>(alice, 'said', {
            matches: (event) => event.content === 'Redis is down',
            timeoutMs: LOCAL_DELIVERY_BOUND_MS,
          });
          await expect(say(carol, 'Redis is down', 'ops')).resolves.toEqual({ status: 'ok' });
          await expect(local).resolves.toEqual({
            sender: user('carol'),
            content: 'Redis is down',
          });
          // Nothing crosses instances while Redis is down.
          expect(toAlice.map((event) => event.content)).not.toContain('lost in the outage');
          // Presence cannot be known without Redis: the query fails instead of guessing.
          await expect(instanceA.app.get(RealtimeRooms).isOnline(instanceA.server, user('bob'))).rejects.toThrow();
          // Both instances still accept new clients.
          await connectAs(instanceA, 'frank');
          const latecomer = await connectAs(instanceB, 'erin');
          await instanceB.join(latecomer, 'ops');

          await redisServer.start();

          let attempt = 0;
          await eventually(
            async () => {
              attempt += 1;
              const content = `after restart #${attempt}`;
              const arrived = nextEvent<SaidEventDto>(alice, 'said', {
                matches: (event) => event.content === content,
                timeoutMs: 250,
              }).then(
                () => true,
                () => false,
              );
              await say(bob, content, 'ops');
              return arrived;
            },
            'Cross-instance delivery after the Redis restart',
            RECOVERY_TIMEOUT_MS,
          );
          const rooms = instanceA.app.get(RealtimeRooms);
          await eventually(
            () => rooms.isOnline(instanceA.server, user('erin')).catch(() => false),
            'A cluster-wide presence answer after the Redis restart',
            RECOVERY_TIMEOUT_MS,
          );
        },
        SLOW_TEST_TIMEOUT_MS,
      );

      if (kind === RedisAdapterKind.Streams) {
        it(
          'delivers every message acked during a Redis restart across instances, and local ones at once',
          async () => {
            const sender = await connectAs(instanceA, 'alice');
            const localMember = await connectAs(instanceA, 'carol');
            const remoteMember = await connectAs(instanceB, 'bob');
            for (const [instance, client] of [
              [instanceA, sender],
              [instanceA, localMember],
              [instanceB, remoteMember],
            ] as const) {
              await instance.join(client, 'outage');
            }
            const sentAt = new Map<string, number>();
            const localLatencies: number[] = [];
            localMember.on('said', ({ content }) => {
              const at = sentAt.get(content);
              if (at !== undefined) {
                localLatencies.push(Date.now() - at);
              }
            });
            const remote = collectEvents<SaidEventDto>(remoteMember, 'said');
            // At least once: a message may arrive twice, never out of order.
            const remoteContents = (): string[] => [...new Set(remote.map(({ content }) => content))];
            const acked: string[] = [];
            let sending = true;
            const sends = (async () => {
              for (let index = 0; sending; index++) {
                const content = `during the outage #${index}`;
                sentAt.set(content, Date.now());
                const ack = await say(sender, content, 'outage');
                if (ack.status === 'ok') {
                  acked.push(content);
                }
                await sleep(SEND_INTERVAL_MS);
              }
            })();

            await sleep(QUIET_WINDOW_MS);
            await redisServer.kill();
            await sleep(OUTAGE_MS);
            await redisServer.start();
            await sleep(QUIET_WINDOW_MS);
            sending = false;
            await sends;

            await eventually(
              () => acked.every((content) => remoteContents().includes(content)),
              'Every acked message on the other instance',
              RECOVERY_TIMEOUT_MS,
            );
            expect(acked.length).toBeGreaterThan(OUTAGE_MS / SEND_INTERVAL_MS / 2);
            expect(remoteContents()).toEqual(acked);
            expect(localLatencies).toHaveLength(acked.length);
            expect(Math.max(...localLatencies)).toBeLessThan(LOCAL_DELIVERY_BOUND_MS);
          },
          SLOW_TEST_TIMEOUT_MS,
        );

        it('resumes a dropped session, re-checking the token', async () => {
          const alice = open(instanceA, 'alice', true);
          await connected(alice);
          const bob = await connectAs(instanceB, 'bob');
          await instanceA.join(alice, 'recovery');
          await instanceB.join(bob, 'recovery');
          // A packet with an offset, so the client has something to resume from.
          const first = nextEvent<SaidEventDto>(alice, 'said');
          await say(bob, 'one', 'recovery');
          await first;

          const resumed = connected(alice);
          // Drops the transport; the client reconnects with its session id and offset.
          alice.io.engine.close();
          await resumed;
          expect(alice.recovered).toBe(true);
          // Still in the room without joining again.
          const second = nextEvent<SaidEventDto>(alice, 'said');
          await say(bob, 'two', 'recovery');
          await expect(second).resolves.toMatchObject({ content: 'two' });

          const refusal = new Promise<string>((resolve) =>
            alice.once('connect_error', (error) => resolve(error.message)),
          );
          alice.auth = { token: instanceA.token(user('mallory')) };
          alice.io.engine.close();
          await expect(refusal).resolves.toBe('Unauthorized: session belongs to another user');
        });

        it('shows a resumed session in its rooms again, and announces its departure once', async () => {
          const alice = open(instanceA, 'alice', true);
          await connected(alice);
          const bob = await connectAs(instanceB, 'bob');
          await instanceB.join(bob, 'recovery');
          const joined = presenceAbout(bob, 'recovery', 'joined', user('alice'));
          await instanceA.join(alice, 'recovery');
          await joined;
          // A packet with an offset, so the client has something to resume from.
          const first = nextEvent<SaidEventDto>(alice, 'said');
          await say(bob, 'one', 'recovery');
          await first;
          const heard = collectEvents<PresenceEvent>(bob, 'presence');
          /** What bob last heard of alice in the room, if anything. */
          const lastHeard = (): string | undefined =>
            heard
              .flatMap((event) =>
                (['joined', 'left', 'offline'] as const).filter((change) => event[change].includes(user('alice'))),
              )
              .at(-1);

          const resumed = connected(alice);
          alice.io.engine.close();
          await resumed;
          expect(alice.recovered).toBe(true);
          await sleep(PRESENCE_SETTLED_MS + QUIET_WINDOW_MS);

          // She is in the room again (its messages reach her), so bob must not be left believing she is gone.
          await expect(instanceB.app.get(RealtimeRooms).roomsOf(instanceB.server, user('alice'))).resolves.toEqual([
            'recovery',
          ]);
          expect(lastHeard() ?? 'joined').toBe('joined');
          const offlineBefore = heard.filter((event) => event.offline.includes(user('alice'))).length;

          const offline = presenceAbout(bob, 'recovery', 'offline', user('alice'));
          alice.disconnect();
          await offline;
          await sleep(QUIET_WINDOW_MS);
          expect(heard.filter((event) => event.offline.includes(user('alice')))).toHaveLength(offlineBefore + 1);
        });
      }
    });
  }
});
