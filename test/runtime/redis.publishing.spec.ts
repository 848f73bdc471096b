import { once } from 'node:events';
import type { Namespace } from 'socket.io';
import { RealtimeRedis } from '../../runtime/redis/redis.client.js';
import { withOutageOutbox, type ClusterAdapterFactory } from '../../runtime/redis/redis.publishing.js';
import { RedisServer } from '../../runtime/testing/index.js';

const STREAM = 'outbox-test';
// Short, so a held message would expire within the test if the outbox kept the event loop busy.
const OUTAGE_BUFFER_MS = 2_000;

/** A broadcast as socket.io-adapter's ClusterAdapter publishes it. */
const BROADCAST = { type: 3, data: { packet: { data: ['said', 'hello'] } } };

interface PublishingAdapter {
  doPublish(message: object): Promise<string>;
}

/** The streams adapter's publishing, reduced to what the outbox wraps: an XADD per message. */
function streamsLikeFactory(publisher: RealtimeRedis): ClusterAdapterFactory {
  const adapter: PublishingAdapter = {
    doPublish: async (message) => (await publisher.xadd(STREAM, '*', 'message', JSON.stringify(message))) ?? '',
  };
  return (() => adapter) as unknown as ClusterAdapterFactory;
}

describe('withOutageOutbox on a real redis-server', () => {
  let redis: RedisServer;
  let publisher: RealtimeRedis;

  beforeAll(async () => {
    redis = await RedisServer.launch();
    publisher = RealtimeRedis.publisher(redis.url, 'outbox-test:pub');
    await publisher.ready();
  });

  afterAll(async () => {
    await publisher?.close();
    await redis?.kill();
  });

  it('holds a message sent as the connection closes, without blocking the event loop, and sends it once back', async () => {
    const dropped: string[] = [];
    const factory = withOutageOutbox(
      streamsLikeFactory(publisher),
      publisher,
      { maxAgeMs: OUTAGE_BUFFER_MS, maxBytes: 1 << 20 },
      (_namespace, outcome) => outcome === 'dropped' && dropped.push(outcome),
    );
    const adapter = factory({} as Namespace) as unknown as PublishingAdapter;

    // Our side of the connection ends: ioredis refuses writes at once, yet reads as ready until the socket closes.
    publisher.stream.end();
    expect(publisher.status).toBe('ready');
    await expect(adapter.doPublish(BROADCAST)).rejects.toThrow();
    // The outbox listened first, so its flush is written before the XRANGE on the same connection.
    await once(publisher, 'ready');

    expect(dropped).toEqual([]);
    const entries = await publisher.xrange(STREAM, '-', '+');
    expect(entries.map(([, fields]) => JSON.parse(fields[1]) as unknown)).toEqual([BROADCAST]);
  });
});
