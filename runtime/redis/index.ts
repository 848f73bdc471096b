/**
 * nest-realtime/redis: Redis for processes that run no gateway (a worker, a
 * cron job) and for apps that build their own adapter. Needs the optional
 * peers ioredis and the socket.io Redis adapters.
 */
export { RealtimeRedis } from './redis.client.js';
export { RedisIoAdapter } from './redis-io.adapter.js';
export {
  PUBLISH_DEADLINE_MS,
  withOutageOutbox,
  withPublishDeadline,
  type ClusterAdapterFactory,
} from './redis.publishing.js';
export { PublishOutbox, type OutboxLimits } from './redis.outbox.js';
export {
  RedisAdapterKind,
  redactRedisUrl,
  resolveRedisConfig,
  type RealtimeRedisConfig,
} from '../redis.config.js';
export {
  RealtimeEmitter,
  type RealtimeEmitterOptions,
} from './realtime.emitter.js';
