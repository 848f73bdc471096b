import { Logger } from '@nestjs/common';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { errorTrace } from './error-trace.js';
import type { RealtimeTokenClaims } from './realtime.auth-policy.js';
import { RealtimeErrorCode } from './realtime.errors.js';
import {
  isProduction,
  readInteger,
  readList,
  type Environment,
} from './environment.js';

/** How socket tokens are verified. */
export const AuthMode = {
  /** Tokens signed with one shared secret (`JWT_SECRET`); the quick start. */
  Hs256: 'hs256',
  /** Asymmetric tokens from an identity provider, verified against its published key set (`JWKS_URI`). */
  Jwks: 'jwks',
} as const;

export type AuthMode = (typeof AuthMode)[keyof typeof AuthMode];

/** Signing secret used outside production when JWT_SECRET is unset. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me';

const logger = new Logger('RealtimeAuth');

/**
 * Returns the HS256 secret for socket tokens. Outside production a missing
 * JWT_SECRET falls back to {@link DEV_JWT_SECRET} with a warning; in production
 * it is a startup error, since tokens signed with a public secret can be forged.
 */
export function resolveJwtSecret(env: Environment): string {
  const secret = env.JWT_SECRET ?? '';
  if (secret.trim() !== '' && secret !== DEV_JWT_SECRET) {
    return secret;
  }
  if (isProduction(env)) {
    throw new Error(
      'JWT_SECRET is not set (or is the development default). Set JWT_SECRET to a strong random secret before starting in production.',
    );
  }
  logger.warn(
    'JWT_SECRET is not set; using the insecure development secret. Set JWT_SECRET before deploying.',
  );
  return DEV_JWT_SECRET;
}

/** Asymmetric algorithms an identity provider signs with; HS* never, so a public key cannot act as a secret. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const DEFAULT_JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

export interface RealtimeAuthConfig {
  mode: AuthMode;
  /** Accepted `alg` header values; anything else is refused before the signature is checked. */
  algorithms: string[];
  /** Required `iss` when set (always set in jwks mode). */
  issuer?: string;
  /** Accepted `aud` values when set (always set in jwks mode). */
  audience?: string[];
  /** Longest remaining lifetime a token may claim (`exp` minus now). */
  maxTokenLifetimeSeconds: number;
  /** Clock skew allowed for `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /** HS256 secret (hs256 mode). */
  secret?: string;
  /** The identity provider's key set (jwks mode). */
  jwksUri?: URL;
  /** How long a fetched key set is trusted before it is fetched again. */
  jwksCacheMaxAgeMs: number;
  /** Least time between two fetches, however many unknown `kid`s arrive. */
  jwksCooldownMs: number;
}

const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
// A key set fetch that hangs must not hold handshakes for long.
const JWKS_TIMEOUT_MS = 5_000;

const AUTH_MODES: readonly string[] = Object.values(AuthMode);

function isAuthMode(value: string): value is AuthMode {
  return AUTH_MODES.includes(value);
}

function readMode(env: Environment, generatedDefault: AuthMode): AuthMode {
  const requested = (env.REALTIME_AUTH ?? '').trim().toLowerCase();
  const jwksUri = (env.JWKS_URI ?? '').trim();
  if (requested !== '' && !isAuthMode(requested)) {
    throw new Error(
      `REALTIME_AUTH must be ${AUTH_MODES.join(' or ')}; got "${env.REALTIME_AUTH}".`,
    );
  }
  const explicit = isAuthMode(requested) ? requested : undefined;
  if (explicit === AuthMode.Hs256 && jwksUri !== '') {
    throw new Error(
      'REALTIME_AUTH=hs256 and JWKS_URI are both set. Unset JWKS_URI to use JWT_SECRET, or unset REALTIME_AUTH to verify tokens against JWKS_URI.',
    );
  }
  if (jwksUri !== '') {
    return AuthMode.Jwks;
  }
  return explicit ?? generatedDefault;
}

/**
 * The key set's URL; undefined when unset outside production, where the app
 * starts (its HTTP side and tests keep working) but refuses every handshake.
 */
function readJwksUri(env: Environment): URL | undefined {
  const raw = (env.JWKS_URI ?? '').trim();
  if (raw === '') {
    if (!isProduction(env)) {
      return undefined;
    }
    throw new Error(
      "Token verification is in jwks mode but JWKS_URI is not set. Set it to your identity provider's key set (e.g. https://idp.example.com/.well-known/jwks.json), or set REALTIME_AUTH=hs256.",
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`JWKS_URI is not a valid URL: "${raw}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`JWKS_URI must be an https:// URL; got ${url.protocol}//.`);
  }
  return url;
}

function readAlgorithms(env: Environment): string[] {
  const requested = readList(env, 'JWT_ALGORITHMS') ?? DEFAULT_JWKS_ALGORITHMS;
  const allowed: readonly string[] = ASYMMETRIC_ALGORITHMS;
  const refused = requested.filter((algorithm) => !allowed.includes(algorithm));
  if (refused.length > 0) {
    throw new Error(
      `JWT_ALGORITHMS may only list asymmetric algorithms (${allowed.join(', ')}); got ${refused.join(', ')}.`,
    );
  }
  return requested;
}

/**
 * Reads how socket tokens are verified from the environment. `JWKS_URI` selects
 * jwks mode whatever was generated; `REALTIME_AUTH` (`hs256` or `jwks`) picks a
 * mode explicitly. jwks mode requires `JWT_ISSUER` and `JWT_AUDIENCE`
 * (comma-separated); hs256 mode checks them when they are set. Outside
 * production, jwks mode without `JWKS_URI` starts but refuses every
 * handshake, so HTTP endpoints and tests keep working. Every mode
 * requires `exp`, no further away than `REALTIME_TOKEN_MAX_LIFETIME_S`.
 * A missing or invalid setting is a startup error that names the variable.
 *
 * @example
 * // JWKS_URI=https://idp.example.com/realms/app/protocol/openid-connect/certs
 * // JWT_ISSUER=https://idp.example.com/realms/app JWT_AUDIENCE=chat-api
 * resolveAuthConfig(process.env).mode; // AuthMode.Jwks
 */
export function resolveAuthConfig(
  env: Environment,
  generatedDefault: AuthMode = AuthMode.Hs256,
): RealtimeAuthConfig {
  const mode = readMode(env, generatedDefault);
  const issuer = (env.JWT_ISSUER ?? '').trim() || undefined;
  const audience = readList(env, 'JWT_AUDIENCE');
  const shared = {
    mode,
    issuer,
    audience,
    maxTokenLifetimeSeconds: readInteger(
      env,
      'REALTIME_TOKEN_MAX_LIFETIME_S',
      DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
      1,
    ),
    clockToleranceSeconds: readInteger(
      env,
      'REALTIME_TOKEN_CLOCK_TOLERANCE_S',
      DEFAULT_CLOCK_TOLERANCE_SECONDS,
      0,
    ),
    jwksCacheMaxAgeMs: readInteger(
      env,
      'JWKS_CACHE_MAX_AGE_MS',
      DEFAULT_JWKS_CACHE_MAX_AGE_MS,
      0,
    ),
    jwksCooldownMs: readInteger(
      env,
      'JWKS_COOLDOWN_MS',
      DEFAULT_JWKS_COOLDOWN_MS,
      0,
    ),
  };
  if (mode === AuthMode.Hs256) {
    return { ...shared, algorithms: ['HS256'], secret: resolveJwtSecret(env) };
  }
  const jwksUri = readJwksUri(env);
  if (
    jwksUri !== undefined &&
    (issuer === undefined || audience === undefined)
  ) {
    throw new Error(
      'Token verification is in jwks mode, which requires JWT_ISSUER and JWT_AUDIENCE: without them a token your identity provider issued for another application would be accepted. Set both (JWT_AUDIENCE may list several, comma-separated).',
    );
  }
  return { ...shared, algorithms: readAlgorithms(env), jwksUri };
}

/** Why a token was refused: a metrics reason, the client's code and a message. */
export class TokenRejected extends Error {
  constructor(
    readonly reason: string,
    readonly code: RealtimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function unauthorized(reason: string, detail: string): TokenRejected {
  return new TokenRejected(
    reason,
    RealtimeErrorCode.Unauthorized,
    `Unauthorized: ${detail}`,
  );
}

/** The claims a failed claim check names, as jose reports them. */
const CLAIM_REFUSALS: Readonly<Record<string, [string, string]>> = {
  exp: ['token_without_expiry', 'token has no expiry (exp)'],
  nbf: ['token_not_yet_valid', 'token not yet valid'],
  iss: ['wrong_issuer', 'token issuer not accepted'],
  aud: ['wrong_audience', 'token audience not accepted'],
};

/** Maps a jose failure to a refusal; anything unexpected is not the client's fault. */
function rejection(error: unknown): TokenRejected | undefined {
  if (
    error instanceof errors.JWTExpired ||
    error instanceof errors.JWTClaimValidationFailed
  ) {
    if (error instanceof errors.JWTExpired) {
      return unauthorized('token_expired', 'token expired');
    }
    const [reason, detail] = CLAIM_REFUSALS[error.claim] ?? [
      'invalid_token',
      'invalid token',
    ];
    return unauthorized(reason, detail);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthorized('algorithm_not_allowed', 'token algorithm not allowed');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return unauthorized('unknown_key', 'token signed by an unknown key');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return unauthorized('invalid_token', 'invalid token');
  }
  return undefined;
}

/** What a verified token says about its socket. */
export interface VerifiedToken {
  claims: RealtimeTokenClaims;
  /** `exp` in epoch milliseconds. */
  expiresAt: number;
}

type VerifyJwt = (
  token: string,
  options: JWTVerifyOptions,
) => Promise<{ payload: JWTPayload }>;

function verifierFor(config: RealtimeAuthConfig): VerifyJwt {
  if (config.mode === AuthMode.Hs256) {
    const secret = new TextEncoder().encode(config.secret);
    return (token, options) => jwtVerify(token, secret, options);
  }
  if (config.jwksUri === undefined) {
    return () =>
      Promise.reject(
        new TokenRejected(
          'auth_not_configured',
          RealtimeErrorCode.Internal,
          'Token verification is not configured on this server',
        ),
      );
  }
  // Cached for jwksCacheMaxAgeMs; a token with an unknown kid refetches at
  // most once per cooldown, so rotated keys work without a restart.
  const keySet = createRemoteJWKSet(config.jwksUri, {
    cacheMaxAge: config.jwksCacheMaxAgeMs,
    cooldownDuration: config.jwksCooldownMs,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return (token, options) => jwtVerify(token, keySet, options);
}

/**
 * Verifies socket tokens for the handshake middleware and for `refreshToken`.
 * The algorithm is pinned per mode (no `alg: none`, no HS256 token checked
 * with a public key), `exp` is required and bounded, `nbf`, `iss` and `aud`
 * are checked whenever configured. RealtimeModule creates it from
 * RealtimeSettings at bootstrap, so a misconfiguration stops the app at startup.
 *
 * @example
 * const { claims, expiresAt } = await auth.verify(token);
 */
export class RealtimeAuth {
  private readonly verifyJwt: VerifyJwt;
  private readonly options: JWTVerifyOptions;

  constructor(readonly config: RealtimeAuthConfig) {
    this.verifyJwt = verifierFor(config);
    this.options = {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
      requiredClaims: ['exp'],
    };
  }

  /** A verifier of `config`, with a startup log line that says how tokens are verified. */
  static announced(config: RealtimeAuthConfig): RealtimeAuth {
    const auth = new RealtimeAuth(config);
    const { mode, jwksUri } = auth.config;
    if (mode === AuthMode.Hs256) {
      logger.log('Verifying socket tokens with JWT_SECRET (HS256)');
    } else if (jwksUri === undefined) {
      logger.warn(
        'Token verification is in jwks mode but JWKS_URI is not set: every socket handshake is refused. Set JWKS_URI, JWT_ISSUER and JWT_AUDIENCE (in production their absence stops the app).',
      );
    } else {
      logger.log(
        `Verifying socket tokens against ${jwksUri.origin}${jwksUri.pathname}`,
      );
    }
    return auth;
  }

  /**
   * Resolves with the token's claims and expiry, or rejects with TokenRejected:
   * `UNAUTHORIZED` for a bad token, `INTERNAL` when the key set cannot be
   * fetched (the client may retry).
   */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await this.verifyJwt(token, this.options));
    } catch (error) {
      if (error instanceof TokenRejected) {
        throw error;
      }
      const refused = rejection(error);
      if (refused !== undefined) {
        throw refused;
      }
      logger.error('Token verification failed', errorTrace(error));
      throw new TokenRejected(
        'verification_unavailable',
        RealtimeErrorCode.Internal,
        'Token verification is unavailable; try again later',
      );
    }
    const { sub, exp } = payload;
    if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number') {
      throw unauthorized('invalid_token', 'invalid token');
    }
    const expiresAt = exp * 1000;
    if (expiresAt - Date.now() > this.config.maxTokenLifetimeSeconds * 1000) {
      throw unauthorized(
        'token_lifetime_too_long',
        'token lifetime exceeds the maximum',
      );
    }
    return { claims: { ...payload, sub, exp }, expiresAt };
  }
}
