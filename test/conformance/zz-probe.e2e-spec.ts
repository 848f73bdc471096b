import { setTimeout as sleep } from 'node:timers/promises';
import { RealtimeRooms, type PresenceEvent } from 'nest-realtime';
import { REDIS_SERVER_BINARY, RedisServer, collectEvents, connected, freePort } from 'nest-realtime/testing';
import { presenceAbout, startLobby, type Lobby } from './support/lobby-testing.js';

describe('probe', () => {
  let redis: RedisServer;
  let a: Lobby;
  let b: Lobby;
  beforeAll(async () => {
    redis = new RedisServer(REDIS_SERVER_BINARY!, await freePort());
    await redis.start();
    const env = { REDIS_URL: redis.url, REDIS_ADAPTER: 'streams', REALTIME_PRESENCE_TTL_MS: '1500' };
    a = await startLobby({ env });
    b = await startLobby({ env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.kill();
  });
  it('presence around a recovered session', async () => {
    const alice = a.open({ token: a.token('alice'), reconnection: true });
    await connected(alice);
    const bob = await b.connectAs('bob');
    await b.join(bob, 'r');
    const joined = presenceAbout(bob, 'r', 'joined', 'alice');
    await a.join(alice, 'r');
    await joined;
    const seen = collectEvents<PresenceEvent>(bob, 'presence');
    const resumed = connected(alice);
    alice.io.engine.close();
    await resumed;
    console.log('recovered', alice.recovered);
    await sleep(1000);
    console.log('after resume', JSON.stringify(seen));
    console.log('rooms', await b.app.get(RealtimeRooms).roomsOf(b.server, 'alice'));
    alice.disconnect();
    await sleep(1000);
    console.log('after disconnect', JSON.stringify(seen));
  }, 20000);
});
