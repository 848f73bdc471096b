import { readInteger, type Environment } from './environment.js';
import type { OutboxLimits } from './redis/redis.outbox.js';

/** How socket.io instances exchange packets through Redis. */
export const RedisAdapterKind = {
  /** Classic pub/sub (`@socket.io/redis-adapter`); any Redis version. */
  PubSub: 'pubsub',
  /** Sharded pub/sub (`createShardedAdapter`); needs Redis 7 or later. */
  Sharded: 'sharded',
  /**
   * Redis streams (`@socket.io/redis-streams-adapter`): messages published
   * during a Redis outage of up to REALTIME_REDIS_OUTAGE_BUFFER_MS are held
   * and delivered afterwards; enables connection state recovery.
   */
  Streams: 'streams',
} as const;

export type RedisAdapterKind =
  (typeof RedisAdapterKind)[keyof typeof RedisAdapterKind];

export interface RealtimeRedisConfig {
  url: string;
  kind: RedisAdapterKind;
  /** Lifetime of an instance's presence heartbeat; see PresenceRegistry. */
  presenceTtlMs: number;
  /** What the streams adapter holds while Redis is unreachable; see withOutageOutbox. */
  outageBuffer: OutboxLimits;
}

const DEFAULT_PRESENCE_TTL_MS = 15_000;
// Below this the heartbeat, sent every third of the TTL, floods Redis for no gain.
const MIN_PRESENCE_TTL_MS = 300;
// Covers a Redis restart or failover; older messages would arrive too late to matter.
const DEFAULT_OUTAGE_BUFFER_MS = 10_000;
const DEFAULT_OUTAGE_BUFFER_BYTES = 16 * 1024 * 1024;

const KINDS: readonly string[] = Object.values(RedisAdapterKind);

function isKind(value: string): value is RedisAdapterKind {
  return KINDS.includes(value);
}

function parseKind(
  raw: string | undefined,
  fallback: RedisAdapterKind,
): RedisAdapterKind {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') {
    return fallback;
  }
  if (!isKind(value)) {
    throw new Error(
      `REDIS_ADAPTER must be one of ${KINDS.join(', ')}; got "${raw}".`,
    );
  }
  return value;
}

function parseUrl(raw: string): string {
  const url = raw.trim();
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error('REDIS_URL is not a valid URL.');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new Error(
      `REDIS_URL must start with redis:// or rediss://; got ${protocol}//.`,
    );
  }
  return url;
}

/**
 * Reads the scale-out settings from the environment at run time:
 * `REDIS_URL` (unset or empty: single instance, in-memory adapter),
 * `REDIS_ADAPTER` (`pubsub`, `sharded` or `streams`; `defaultKind` when unset),
 * `REALTIME_PRESENCE_TTL_MS` and, for the streams adapter, how long and how
 * much it holds during a Redis outage: `REALTIME_REDIS_OUTAGE_BUFFER_MS`
 * (default 10000, 0 holds nothing) and `REALTIME_REDIS_OUTAGE_BUFFER_BYTES`
 * (default 16 MiB). Invalid values are startup errors, never a silent
 * fallback to the in-memory adapter.
 *
 * @example
 * const config = resolveRedisConfig(process.env);
 * if (config?.kind === RedisAdapterKind.Streams) {
 *   // connection state recovery is on
 * }
 */
export function resolveRedisConfig(
  env: Environment,
  defaultKind: RedisAdapterKind = RedisAdapterKind.PubSub,
): RealtimeRedisConfig | undefined {
  const url = env.REDIS_URL ?? '';
  if (url.trim() === '') {
    return undefined;
  }
  return {
    url: parseUrl(url),
    kind: parseKind(env.REDIS_ADAPTER, defaultKind),
    presenceTtlMs: readInteger(
      env,
      'REALTIME_PRESENCE_TTL_MS',
      DEFAULT_PRESENCE_TTL_MS,
      MIN_PRESENCE_TTL_MS,
    ),
    outageBuffer: {
      maxAgeMs: readInteger(
        env,
        'REALTIME_REDIS_OUTAGE_BUFFER_MS',
        DEFAULT_OUTAGE_BUFFER_MS,
        0,
      ),
      maxBytes: readInteger(
        env,
        'REALTIME_REDIS_OUTAGE_BUFFER_BYTES',
        DEFAULT_OUTAGE_BUFFER_BYTES,
        0,
      ),
    },
  };
}

/** Redis URL without its password, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') {
    parsed.password = '***';
  }
  return parsed.toString();
}
