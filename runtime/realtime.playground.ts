import {
  BadRequestException,
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Header,
  Headers,
  HttpCode,
  Injectable,
  Logger,
  NotFoundException,
  Post,
  Req,
  UnsupportedMediaTypeException,
  UseGuards,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SignJWT } from 'jose';
import {
  buildAsyncApiDocument,
  type AsyncApiDocument,
} from './realtime.asyncapi.js';
import {
  AuthMode,
  DEV_JWT_SECRET,
  type RealtimeAuthConfig,
} from './realtime.auth.js';
import {
  PLAYGROUND_HTML,
  PLAYGROUND_SCRIPT,
  PLAYGROUND_STYLE,
} from './playground/assets.js';
import { playgroundHostAllowed } from './realtime.server-options.js';
import { PLAYGROUND_VARIABLE, RealtimeSettings } from './realtime.settings.js';

/** Where the playground is served, below the app's global prefix if it has one. */
export const PLAYGROUND_PATH = 'realtime/playground';

/** Lifetime of the tokens the playground mints: long enough for a session of poking. */
const DEV_TOKEN_LIFETIME_SECONDS = 60 * 60;

// Scripts and styles from this app only, sockets to this app only; no framing.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A user name the playground mints a token for. */
const DEV_TOKEN_SUBJECT = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * The `sub` of a `{ "sub": "alice" }` body, checked by hand: a flat shape
 * needs no recursive validation, which a deeply nested body would overflow.
 */
export function devTokenSubject(body: unknown): string {
  const fields =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? Object.keys(body)
      : undefined;
  const sub = (body as { sub?: unknown } | null)?.sub;
  if (
    fields === undefined ||
    fields.length !== 1 ||
    typeof sub !== 'string' ||
    !DEV_TOKEN_SUBJECT.test(sub)
  ) {
    throw new BadRequestException(
      'Send { "sub": "<user>" } and nothing else; the user is 1 to 64 letters, digits or any of _ . @ - (e.g. "alice").',
    );
  }
  return sub;
}

export interface DevTokenResponse {
  token: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** What the page needs to know before it connects. */
export interface PlaygroundSettings {
  /** `mint`: the app signs tokens for any user; `paste`: the person brings one. */
  tokens: 'mint' | 'paste';
  /** Why tokens must be pasted, shown on the page. */
  reason?: string;
  /** The variable listing the allowed browser origins, named in the page's hints. */
  originsVariable: string;
}

/** The page; `base` is the URL path the page was requested at, ending in `/`. */
export function playgroundPage(base: string): string {
  return PLAYGROUND_HTML.replace('__BASE__', escapeAttribute(base));
}

function escapeAttribute(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (character) => `&#${character.charCodeAt(0)};`,
  );
}

/**
 * Minting is allowed only where anyone could forge a token anyway: HS256 with
 * the public development secret, which production refuses.
 */
export function playgroundSettings({
  auth,
  corsOriginsVariable,
}: Pick<RealtimeSettings, 'auth' | 'corsOriginsVariable'>): PlaygroundSettings {
  if (auth.mode !== AuthMode.Hs256) {
    return {
      tokens: 'paste',
      reason:
        'Tokens are verified against your identity provider (jwks mode): paste one it issued.',
      originsVariable: corsOriginsVariable,
    };
  }
  if (auth.secret !== DEV_JWT_SECRET) {
    return {
      tokens: 'paste',
      reason:
        'JWT_SECRET is set, so the playground does not sign tokens with it: paste a token signed with that secret.',
      originsVariable: corsOriginsVariable,
    };
  }
  return { tokens: 'mint', originsVariable: corsOriginsVariable };
}

/** A token for `sub`, signed with the development secret, as a client would get one. */
export async function mintDevToken(
  config: RealtimeAuthConfig,
  sub: string,
  now = Math.floor(Date.now() / 1000),
): Promise<DevTokenResponse> {
  const lifetime = Math.min(
    DEV_TOKEN_LIFETIME_SECONDS,
    config.maxTokenLifetimeSeconds,
  );
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime);
  if (config.issuer !== undefined) {
    jwt = jwt.setIssuer(config.issuer);
  }
  if (config.audience !== undefined) {
    jwt = jwt.setAudience(config.audience);
  }
  const token = await jwt.sign(new TextEncoder().encode(DEV_JWT_SECRET));
  return { token, expiresAt: now + lifetime };
}

/**
 * Answers 404 as Nest does for a route that does not exist, unless the
 * playground is served; a guard, so it runs before anything reads the body.
 * Only a loopback Host, or one whose origin the allowed origins list, gets
 * the page: a DNS-rebinding site cannot read the document or mint tokens.
 */
@Injectable()
export class PlaygroundServedGuard implements CanActivate {
  constructor(private readonly settings: RealtimeSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const { method, url, headers } = context.switchToHttp().getRequest<{
      method: string;
      url: string;
      headers: Record<string, string | string[] | undefined>;
    }>();
    if (!this.settings.playgroundEnabled) {
      throw new NotFoundException(`Cannot ${method} ${url}`);
    }
    const host = String(headers.host ?? '');
    if (playgroundHostAllowed(host, this.settings)) {
      return true;
    }
    throw new ForbiddenException(
      `The socket playground answers on localhost only; to open it at http://${host}, add that origin to ${this.settings.corsOriginsVariable}.`,
    );
  }
}

/**
 * "Swagger UI for sockets": a page that lists every namespace and event of
 * the app's AsyncAPI document and lets a person open connections side by
 * side, emit events and watch acks, errors and server events. Served only
 * with REALTIME_PLAYGROUND=1 outside production; otherwise every route here
 * answers 404, as if it did not exist (see PlaygroundServedGuard).
 */
@Controller(PLAYGROUND_PATH)
@UseGuards(PlaygroundServedGuard)
export class PlaygroundController implements OnApplicationBootstrap {
  private readonly logger = new Logger('RealtimePlayground');

  constructor(
    private readonly settings: RealtimeSettings,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    const requested = this.settings.playgroundVariable;
    if (this.settings.playgroundEnabled) {
      this.logger.log(
        `Socket playground at /${PLAYGROUND_PATH}, under the global prefix if the app sets one (${PLAYGROUND_VARIABLE}=${requested}; never served in production).`,
      );
    } else if (this.settings.playgroundRequested) {
      this.logger.warn(
        `${PLAYGROUND_VARIABLE}=${requested} is ignored: the socket playground is not served with NODE_ENV=production.`,
      );
    } else if ((requested ?? '').trim() !== '') {
      this.logger.warn(
        `${PLAYGROUND_VARIABLE}=${requested} does not turn the socket playground on; set it to 1.`,
      );
    }
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  @Header('Cache-Control', 'no-store')
  page(@Req() request: { url: string }): string {
    // Relative links resolve below this path, with or without a trailing slash or global prefix.
    return playgroundPage(
      `${request.url.replace(/[?#].*$/, '').replace(/\/+$/, '')}/`,
    );
  }

  @Get('playground.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  script(): string {
    return PLAYGROUND_SCRIPT;
  }

  @Get('playground.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  style(): string {
    return PLAYGROUND_STYLE;
  }

  @Get('asyncapi.json')
  @Header('Cache-Control', 'no-store')
  document(): AsyncApiDocument {
    return buildAsyncApiDocument(this.moduleRef);
  }

  @Get('settings.json')
  @Header('Cache-Control', 'no-store')
  pageSettings(): PlaygroundSettings {
    return playgroundSettings(this.settings);
  }

  /** Minting is refused (403) before the body is read; only JSON is taken. */
  @Post('tokens')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async token(
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<DevTokenResponse> {
    const settings = playgroundSettings(this.settings);
    if (settings.tokens !== 'mint') {
      throw new ForbiddenException(settings.reason);
    }
    if (!/^application\/json\b/i.test(contentType ?? '')) {
      throw new UnsupportedMediaTypeException(
        'Send the body as application/json: { "sub": "<user>" }.',
      );
    }
    return mintDevToken(this.settings.auth, devTokenSubject(body));
  }
}
