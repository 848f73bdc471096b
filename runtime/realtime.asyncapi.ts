import type { INestApplicationContext, Type } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import {
  GATEWAY_METADATA,
  GATEWAY_OPTIONS,
  MESSAGE_MAPPING_METADATA,
  MESSAGE_METADATA,
  PARAM_ARGS_METADATA,
} from '@nestjs/websockets/constants.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthMode,
  RealtimeAuth,
  type RealtimeAuthConfig,
} from './realtime.auth.js';
import type { RealtimeServerEvents } from './realtime.contract.js';
import {
  ACK_CLASS_METADATA,
  REALTIME_GATEWAY_METADATA,
  SERVER_EVENT_CLASSES_METADATA,
  type RealtimeGatewayBehaviour,
} from './realtime.gateway.js';
import { SchemaComponents, type JsonSchema } from './realtime.json-schema.js';
import {
  ErrorPayloadDto,
  PresenceEventDto,
  ServerShutdownEventDto,
} from './realtime.messages.js';

/** A client event a gateway handles, as Nest's metadata declares it. */
export interface ClientEventDescription {
  event: string;
  /** The handler method, e.g. `joinRoom`. */
  method: string;
  /** The type of the handler's `@MessageBody()` parameter, when it has one. */
  payload?: Type;
  /** The ack's class, from `@SubscribeMessage(event, { ack })` of `realtimeEvents`. */
  ack?: Type;
}

/** An event a gateway emits, with the class of its payload. */
export interface ServerEventDescription {
  event: string;
  payload: Type;
}

/** A gateway of the running app: its namespace and the events it handles and emits. */
export interface GatewayDescription {
  gateway: Type;
  /** `/chat`; undefined for a namespace given as a RegExp or function (one gateway, many namespaces). */
  namespace: string | undefined;
  /** How the namespace was declared, for a dynamic one. */
  namespacePattern: string;
  clientEvents: ClientEventDescription[];
  serverEvents: ServerEventDescription[];
}

export interface AsyncApiOptions {
  /** Defaults to the `name` in the package.json of the working directory. */
  title?: string;
  /** Defaults to the `version` in the package.json of the working directory. */
  version?: string;
  description?: string;
  /** `host[:port]` clients connect to; defaults to `ASYNCAPI_HOST`, else `localhost:$PORT` (3000). */
  host?: string;
  /** `wss` behind TLS; defaults to `ws`. */
  protocol?: 'ws' | 'wss';
  /** How tokens are verified; defaults to the app's RealtimeAuth. */
  auth?: RealtimeAuthConfig;
}

/** What the document is read from: the app, or a ModuleRef inside it. */
export type AppContext = Pick<INestApplicationContext, 'get'>;

/** The AsyncAPI 3.0 document: plain data, ready for JSON or YAML. */
export type AsyncApiDocument = {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description?: string };
  defaultContentType: string;
  servers: Record<string, JsonSchema>;
  channels: Record<string, JsonSchema>;
  operations: Record<string, JsonSchema>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
};

// Nest's WsParamtype.PAYLOAD (`@MessageBody()`), which the package does not export.
const PAYLOAD_PARAM_TYPE = 3;

/** What every gateway may emit through the runtime, whatever its feature. */
const RUNTIME_SERVER_EVENTS: Record<keyof RealtimeServerEvents, Type> = {
  exception: ErrorPayloadDto,
  serverShutdown: ServerShutdownEventDto,
};

const ACK_DESCRIPTION =
  "The reply is the Socket.IO acknowledgement: the ack on success, the error payload otherwise. A client that sends no ack callback gets the error as the 'exception' event instead.";

const SECURITY_SCHEME = 'jwt';
const SERVER = 'realtime';

const PRIMITIVE_SCHEMAS = new Map<unknown, JsonSchema>([
  [String, { type: 'string' }],
  [Number, { type: 'number' }],
  [Boolean, { type: 'boolean' }],
  [Array, { type: 'array' }],
  [Object, {}],
]);

/**
 * Every WebSocket gateway of the running app, found in Nest's module graph
 * (not from a list the schematics kept), with the events Nest routes to it
 * and those it declares in `@RealtimeGateway({ serverEvents })`.
 *
 * @example
 * const app = await NestFactory.createApplicationContext(AppModule);
 * discoverGateways(app).map((gateway) => gateway.namespace); // ['/chat', '/notifications']
 */
export function discoverGateways(app: AppContext): GatewayDescription[] {
  const gateways = new Set<Type>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.providers.values()) {
      const type: unknown = wrapper.metatype;
      if (typeof type === 'function' && isGateway(type)) {
        gateways.add(type as Type);
      }
    }
  }
  return [...gateways]
    .map(describeGateway)
    .sort((a, b) => a.namespacePattern.localeCompare(b.namespacePattern));
}

function isGateway(type: object): boolean {
  return Reflect.getMetadata(GATEWAY_METADATA, type) === true;
}

function describeGateway(gateway: Type): GatewayDescription {
  const options = (Reflect.getMetadata(GATEWAY_OPTIONS, gateway) ?? {}) as {
    namespace?: unknown;
  };
  const declared = options.namespace;
  const namespace =
    declared === undefined
      ? '/'
      : typeof declared === 'string'
        ? `/${declared.replace(/^\/+/, '')}`
        : undefined;
  const prototype = gateway.prototype as Record<string, unknown>;
  const clientEvents: ClientEventDescription[] = [];
  for (const method of new MetadataScanner().getAllMethodNames(prototype)) {
    const handler = prototype[method];
    if (
      typeof handler !== 'function' ||
      Reflect.getMetadata(MESSAGE_MAPPING_METADATA, handler) !== true
    ) {
      continue;
    }
    const event = String(Reflect.getMetadata(MESSAGE_METADATA, handler));
    const ack: unknown = Reflect.getMetadata(ACK_CLASS_METADATA, handler);
    clientEvents.push({
      event,
      method,
      payload: payloadType(gateway, method),
      ack:
        ack === undefined
          ? undefined
          : documentedClass(ack, `the ack of ${gateway.name}.${method}`),
    });
  }
  const declaredServerEvents = (Reflect.getMetadata(
    SERVER_EVENT_CLASSES_METADATA,
    gateway,
  ) ?? {}) as Record<string, unknown>;
  const behaviour = Reflect.getMetadata(REALTIME_GATEWAY_METADATA, gateway) as
    RealtimeGatewayBehaviour | undefined;
  const serverEvents = Object.entries({
    ...declaredServerEvents,
    ...(behaviour?.presence === true && { presence: PresenceEventDto }),
    ...RUNTIME_SERVER_EVENTS,
  }).map(([event, payload]) => ({
    event,
    payload: documentedClass(
      payload,
      `"${event}" in the serverEvents of ${gateway.name}`,
    ),
  }));
  return {
    gateway,
    namespace,
    namespacePattern: namespace ?? String(declared),
    clientEvents,
    serverEvents,
  };
}

/** A class the document describes; anything else is a mistake in the gateway, named in the error. */
function documentedClass(value: unknown, what: string): Type {
  if (typeof value !== 'function') {
    throw new TypeError(
      `${what} is ${String(value)}, not a class. Give it the payload's class (a class imported in a cycle is still undefined when the decorator runs).`,
    );
  }
  return value as Type;
}

/** The declared type of the handler's `@MessageBody()` parameter. */
function payloadType(gateway: Type, method: string): Type | undefined {
  const params = (Reflect.getMetadata(PARAM_ARGS_METADATA, gateway, method) ??
    {}) as Record<string, { index: number; data?: unknown }>;
  const body = Object.entries(params).find(
    ([key, param]) =>
      key.split(':')[0] === String(PAYLOAD_PARAM_TYPE) &&
      // `@MessageBody('roomId')` takes one property, which the class does not describe.
      param.data === undefined,
  )?.[1];
  if (body === undefined) {
    return undefined;
  }
  const types = (Reflect.getMetadata(
    'design:paramtypes',
    gateway.prototype as object,
    method,
  ) ?? []) as unknown[];
  const type = types[body.index];
  return typeof type === 'function' ? (type as Type) : undefined;
}

/**
 * Describes every gateway of the running app as an AsyncAPI 3.0 document:
 * one channel per namespace, each client event an operation the server
 * receives (its ack and error payload as the reply), each emitted event one
 * it sends, payload schemas from the classes' class-validator rules, and the
 * handshake's JWT as the security scheme.
 *
 * @example
 * const app = await NestFactory.createApplicationContext(AppModule);
 * const document = buildAsyncApiDocument(app, { host: 'api.example.com', protocol: 'wss' });
 * writeFileSync('asyncapi.yaml', stringify(document));
 */
export function buildAsyncApiDocument(
  app: AppContext,
  options: AsyncApiOptions = {},
): AsyncApiDocument {
  const components = new SchemaComponents();
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  for (const gateway of discoverGateways(app)) {
    const channelId = uniqueKey(channels, channelKey(gateway));
    const channelRef = { $ref: `#/channels/${channelId}` };
    const messages: Record<string, JsonSchema> = {};
    // An event's message is named as the event; an ack's only has a title, as it is no event.
    const messageRef = (
      base: string,
      naming: { name: string } | { title: string },
      payload: JsonSchema,
      description: string,
    ): JsonSchema => {
      const key = uniqueKey(messages, base);
      messages[key] = {
        ...naming,
        contentType: 'application/json',
        description,
        payload,
      };
      return { $ref: `#/channels/${channelId}/messages/${key}` };
    };
    for (const { event, method, payload, ack } of gateway.clientEvents) {
      const key = safeKey(event);
      const operation: JsonSchema = {
        action: 'receive',
        channel: channelRef,
        summary: `The client emits \`${event}\`.`,
        description: `Handled by ${gateway.gateway.name}.${method}.`,
        messages: [
          messageRef(
            key,
            { name: event },
            payloadSchema(components, payload),
            `Payload of \`${event}\`.`,
          ),
        ],
      };
      if (ack) {
        operation.description = `Handled by ${gateway.gateway.name}.${method}. ${ACK_DESCRIPTION}`;
        operation.reply = {
          channel: channelRef,
          messages: [
            messageRef(
              `${key}_ack`,
              { title: `${event} ack` },
              components.refTo(ack),
              `Ack of \`${event}\` on success.`,
            ),
            messageRef(
              `${key}_error`,
              { title: `${event} error` },
              components.refTo(ErrorPayloadDto),
              `Ack of \`${event}\` when it failed.`,
            ),
          ],
        };
      }
      operations[uniqueKey(operations, `${channelId}_${key}`)] = operation;
    }
    for (const { event, payload } of gateway.serverEvents) {
      const key = safeKey(event);
      operations[uniqueKey(operations, `${channelId}_${key}_sent`)] = {
        action: 'send',
        channel: channelRef,
        summary: `The server emits \`${event}\`.`,
        messages: [
          messageRef(
            `${key}_sent`,
            { name: event },
            components.refTo(payload),
            `Payload of \`${event}\`.`,
          ),
        ],
      };
    }
    channels[channelId] = {
      address: gateway.namespace ?? null,
      title: gateway.gateway.name,
      description:
        gateway.namespace === undefined
          ? `Socket.IO namespaces matching ${gateway.namespacePattern}, served by ${gateway.gateway.name}.`
          : `The Socket.IO namespace ${gateway.namespace}, served by ${gateway.gateway.name}.`,
      messages,
    };
  }
  const info = packageInfo();
  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? info.name ?? 'Realtime API',
      version: options.version ?? info.version ?? '0.0.0',
      ...(options.description ? { description: options.description } : {}),
    },
    defaultContentType: 'application/json',
    servers: {
      [SERVER]: {
        host:
          options.host ??
          process.env.ASYNCAPI_HOST ??
          `localhost:${process.env.PORT ?? 3000}`,
        protocol: options.protocol ?? 'ws',
        pathname: '/socket.io',
        description:
          'Socket.IO 4 over WebSocket only (the Engine.IO handshake is at /socket.io/). Each channel is a namespace of this server.',
        security: [{ $ref: `#/components/securitySchemes/${SECURITY_SCHEME}` }],
      },
    },
    channels,
    operations,
    components: {
      schemas: components.schemas,
      securitySchemes: {
        [SECURITY_SCHEME]: securityScheme(options.auth ?? appAuthConfig(app)),
      },
    },
  };
}

function payloadSchema(
  components: SchemaComponents,
  type: Type | undefined,
): JsonSchema {
  if (type === undefined) {
    return {};
  }
  return PRIMITIVE_SCHEMAS.get(type) ?? components.refTo(type);
}

function securityScheme(config: RealtimeAuthConfig | undefined): JsonSchema {
  return {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: [
      'A JWT in the Socket.IO handshake: `auth: { token }`, or the `Authorization: Bearer <token>` header. ' +
        'A missing, invalid or expired token fails the connection (connect_error); the token must carry `sub` and `exp`, ' +
        'and `refreshToken` swaps it for a newer one of the same user before it expires.',
      ...(config ? [verification(config)] : []),
    ].join('\n\n'),
  };
}

function verification(config: RealtimeAuthConfig): string {
  const mode =
    config.mode === AuthMode.Jwks
      ? `Signed by the identity provider with ${config.algorithms.join(', ')} and verified against its key set${config.jwksUri ? ` at ${config.jwksUri.href}` : ' (JWKS_URI)'}.`
      : 'Signed with HS256 and the shared secret JWT_SECRET.';
  const claims = [
    config.issuer === undefined ? '' : ` \`iss\` must be ${config.issuer}.`,
    config.audience === undefined
      ? ''
      : ` \`aud\` must include one of ${config.audience.join(', ')}.`,
  ].join('');
  return `${mode}${claims} Lifetime at most ${config.maxTokenLifetimeSeconds} s.`;
}

/** The configuration of the app's RealtimeAuth, when it has RealtimeModule. */
function appAuthConfig(app: AppContext): RealtimeAuthConfig | undefined {
  try {
    return app.get(RealtimeAuth, { strict: false }).config;
  } catch {
    return undefined;
  }
}

function packageInfo(): { name?: string; version?: string } {
  try {
    const manifest: unknown = JSON.parse(
      readFileSync(join(process.cwd(), 'package.json'), 'utf8'),
    );
    const { name, version } = (manifest ?? {}) as Record<string, unknown>;
    return {
      name: typeof name === 'string' ? name : undefined,
      version: typeof version === 'string' ? version : undefined,
    };
  } catch {
    return {};
  }
}

function channelKey(gateway: GatewayDescription): string {
  return gateway.namespace === undefined
    ? safeKey(gateway.gateway.name)
    : safeKey(gateway.namespace.replace(/^\//, '')) || 'root';
}

/** A key AsyncAPI accepts in a map (event names may contain `:` and the like). */
function safeKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_');
}

function uniqueKey(map: Record<string, unknown>, base: string): string {
  let key = base;
  for (let n = 2; key in map; n++) {
    key = `${base}_${n}`;
  }
  return key;
}
