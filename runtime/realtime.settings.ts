import {
  isProduction,
  readInteger,
  readList,
  type Environment,
} from './environment.js';
import {
  AuthMode,
  resolveAuthConfig,
  type RealtimeAuthConfig,
} from './realtime.auth.js';
import type { RealtimeModuleSettings } from './realtime.options.js';
import {
  resolveRealtimeLimits,
  type RealtimeLimits,
} from './realtime.limits.js';
import { resolveShutdownRetryAfterMs } from './realtime.shutdown.js';
import {
  RedisAdapterKind,
  resolveRedisConfig,
  type RealtimeRedisConfig,
} from './redis.config.js';

/** The variable that lists the browser origins allowed to connect, unless the options name another. */
export const DEFAULT_CORS_ORIGINS_VARIABLE = 'CORS_ORIGINS';

/** Set to 1 to serve the socket playground at /realtime/playground; never served in production. */
export const PLAYGROUND_VARIABLE = 'REALTIME_PLAYGROUND';

/** The port of the management server (health and metrics outside the app's HTTP pipeline); unset: none. */
export const MANAGEMENT_PORT_VARIABLE = 'REALTIME_MANAGEMENT_PORT';

const MAX_PORT = 65_535;

/** REALTIME_MANAGEMENT_PORT, else the option; undefined when neither is set. 0 picks a free port (tests). */
function resolveManagementPort(
  env: Environment,
  option: number | undefined,
): number | undefined {
  const port =
    (env[MANAGEMENT_PORT_VARIABLE] ?? '').trim() === ''
      ? option
      : readInteger(env, MANAGEMENT_PORT_VARIABLE, 0, 0);
  if (
    port !== undefined &&
    (!Number.isSafeInteger(port) || port < 0 || port > MAX_PORT)
  ) {
    throw new Error(
      `${MANAGEMENT_PORT_VARIABLE} (or managementPort) must be a port number from 0 to ${MAX_PORT}; got ${port}.`,
    );
  }
  return port;
}

/** Whether REALTIME_PLAYGROUND asks for the playground (`1` or `true`). */
export function playgroundRequested(env: Environment): boolean {
  return ['1', 'true'].includes(
    (env[PLAYGROUND_VARIABLE] ?? '').trim().toLowerCase(),
  );
}

function assertVariableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(
      `RealtimeModule: corsOriginsVariable must name an environment variable (e.g. CORS_ORIGINS); got "${name}".`,
    );
  }
  return name;
}

/**
 * Everything the runtime reads from the environment, read once when the app
 * starts: an invalid value stops the app there, naming the variable, and
 * never falls back silently. The module's options set the defaults; the
 * `REALTIME_*`, JWT, Redis and CORS variables override them, as operators
 * expect of a twelve-factor app.
 *
 * @example
 * const settings = RealtimeSettings.resolve({ auth: 'jwks' }, process.env);
 * settings.limits.socketEvents; // { perSecond: 20, burst: 40 } unless REALTIME_SOCKET_EVENTS_* say otherwise
 */
export class RealtimeSettings {
  /** Whether REALTIME_PLAYGROUND asks for the playground, production or not. */
  readonly playgroundRequested: boolean;
  /** Whether the socket playground is served: asked for, and not in production. */
  readonly playgroundEnabled: boolean;

  constructor(
    /** Client limits: see resolveRealtimeLimits. */
    readonly limits: RealtimeLimits,
    /** How socket tokens are verified. */
    readonly auth: RealtimeAuthConfig,
    /** Scale-out through Redis; undefined without REDIS_URL (one instance). */
    readonly redis: RealtimeRedisConfig | undefined,
    /** The variable that lists the allowed browser origins, named in messages. */
    readonly corsOriginsVariable: string,
    /** The browser origins that variable allows. */
    readonly allowedOrigins: readonly string[],
    readonly production: boolean,
    /** What REALTIME_PLAYGROUND says, as set (for the startup log). */
    readonly playgroundVariable: string | undefined,
    /** The earliest `retryAfter` of the shutdown notices. */
    readonly shutdownRetryAfterMs: number,
    /** Where the management server listens (REALTIME_MANAGEMENT_PORT); undefined: it does not run. */
    readonly managementPort?: number,
  ) {
    this.playgroundRequested = playgroundRequested({
      [PLAYGROUND_VARIABLE]: playgroundVariable,
    });
    this.playgroundEnabled = this.playgroundRequested && !production;
  }

  /** Reads the settings; throws a startup error naming the variable or option at fault. */
  static resolve(
    options: RealtimeModuleSettings = {},
    env: Environment = options.env ?? process.env,
  ): RealtimeSettings {
    const corsOriginsVariable = assertVariableName(
      options.corsOriginsVariable ?? DEFAULT_CORS_ORIGINS_VARIABLE,
    );
    return new RealtimeSettings(
      resolveRealtimeLimits(env, options.limits),
      resolveAuthConfig(env, options.auth ?? AuthMode.Hs256),
      resolveRedisConfig(env, options.redisAdapter ?? RedisAdapterKind.PubSub),
      corsOriginsVariable,
      readList(env, corsOriginsVariable) ?? [],
      isProduction(env),
      env[PLAYGROUND_VARIABLE],
      resolveShutdownRetryAfterMs(env),
      resolveManagementPort(env, options.managementPort),
    );
  }
}
