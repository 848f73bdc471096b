import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type { RealtimeAuthPolicy } from './realtime.auth-policy.js';
import type { AuthMode } from './realtime.auth.js';
import type { RealtimeLimitOptions } from './realtime.limits.js';
import type { RedisAdapterKind } from './redis.config.js';

/** DI token of the options given to RealtimeModule.forRoot (or made by forRootAsync's factory). */
export const REALTIME_MODULE_OPTIONS = Symbol('REALTIME_MODULE_OPTIONS');

/**
 * The app's realtime choices. Each is a default: the environment variable
 * named beside it overrides it where one exists, so operators tune a
 * deployment without a rebuild.
 */
export interface RealtimeModuleSettings {
  /** How tokens are verified unless `REALTIME_AUTH` or `JWKS_URI` says otherwise. Default `hs256`. */
  auth?: AuthMode;
  /** The Redis adapter when `REDIS_URL` is set, unless `REDIS_ADAPTER` names another. Default `pubsub`. */
  redisAdapter?: RedisAdapterKind;
  /** The variable listing the browser origins allowed to connect, comma-separated. Default `CORS_ORIGINS`. */
  corsOriginsVariable?: string;
  /** Client limits in place of the built-in ones; each `REALTIME_*` variable still overrides its limit. */
  limits?: RealtimeLimitOptions;
  /**
   * Also serve `/health/live`, `/health/ready` and `/metrics` on this port, outside the app's HTTP
   * pipeline (no global prefix, guards or interceptors), as Spring Boot's management port does; for
   * probes and scrapes of an app whose routes are prefixed or guarded. `REALTIME_MANAGEMENT_PORT`
   * overrides it. Default: none.
   */
  managementPort?: number;
  /** Where variables are read from; `process.env` unless given (e.g. a test's own values). */
  env?: Record<string, string | undefined>;
}

/** What RealtimeModule needs when it is declared, before any factory runs. */
export interface RealtimeModuleStructure {
  /** Serve Prometheus metrics at `GET /metrics`. Default true. */
  metrics?: boolean;
  /**
   * The app's RealtimeAuthPolicy subclass: who may connect, and who they are
   * once connected. Default: the token's `sub` is the user, everyone with a
   * valid token may connect.
   */
  authPolicy?: Type<RealtimeAuthPolicy>;
  /** Modules whose providers the auth policy (or forRootAsync's factory) injects, e.g. a UsersModule. */
  imports?: ModuleMetadata['imports'];
}

/**
 * @example
 * RealtimeModule.forRoot({ auth: 'jwks', authPolicy: AuthPolicy, limits: { maxRoomsPerSocket: 20 } });
 */
export interface RealtimeModuleOptions
  extends RealtimeModuleSettings, RealtimeModuleStructure {}

/**
 * @example
 * RealtimeModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     corsOriginsVariable: config.get('ORIGINS_VARIABLE', 'CORS_ORIGINS'),
 *   }),
 * });
 */
export interface RealtimeModuleAsyncOptions extends RealtimeModuleStructure {
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (
    ...dependencies: never[]
  ) => RealtimeModuleSettings | Promise<RealtimeModuleSettings>;
}
