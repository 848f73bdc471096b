import { strings } from '@angular-devkit/core';
import { SchematicsException } from '@angular-devkit/schematics';
import { Schema } from './schema';

/** handle: client to server; emit: server to client. */
export type EventDirection = NonNullable<Schema['type']>;

/** An event's name and the names of what is generated for it. */
export interface EventNames {
  /** camelCase, as on the wire: 'orderShipped' */
  name: string;
  /** kebab-case, for its DTO file: 'order-shipped' */
  fileName: string;
  /** Names of the contract types and DTO classes, which the DTO template reads. */
  types: {
    payloadType: string;
    ackType: string;
    payloadClass: string;
    ackClass: string;
  };
}

const SEGMENT = /^[A-Za-z][A-Za-z0-9_-]*$/;

// socket.io's own events, and the events the runtime handles or emits on every gateway.
const RESERVED = new Set([
  'connect',
  'connectError',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
  'error',
  'exception',
  'serverShutdown',
  'refreshToken',
  'presence',
]);

/**
 * Splits `<gateway>/<event>` (e.g. `chat/typing`, `admin/ops/restart`) and derives the event's names.
 *
 * @example
 * parseEventName('alerts/order-shipped', 'emit'); // { gateway: 'alerts', event: { name: 'orderShipped', ... } }
 */
export function parseEventName(
  raw: string | undefined,
  direction: EventDirection,
): { gateway: string; event: EventNames } {
  const segments = (raw ?? '')
    .trim()
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment !== '');
  if (segments.length < 2) {
    throw new SchematicsException(
      `"${raw ?? ''}" names no gateway: use <gateway>/<event>, e.g. nest g realtime-event chat/typing.`,
    );
  }
  const invalid = segments.find((segment) => !SEGMENT.test(segment));
  if (invalid !== undefined) {
    throw new SchematicsException(
      `"${raw}" is not a valid <gateway>/<event>: "${invalid}" must start with a letter and contain only letters, ` +
        'digits, "-" or "_" (e.g. chat/typing, alerts/order-shipped).',
    );
  }
  const name = strings.camelize(segments[segments.length - 1]);
  if (RESERVED.has(name)) {
    throw new SchematicsException(
      `"${name}" is an event socket.io or the nest-realtime runtime already uses; pick another name (e.g. ${name}Changed).`,
    );
  }
  const className = strings.classify(name);
  return {
    gateway: segments.slice(0, -1).join('/'),
    event: {
      name,
      fileName: strings.dasherize(name),
      types: {
        // A client's event carries a payload; a server's is an event, as the contract's NewMessageEvent.
        payloadType: direction === 'emit' ? `${className}Event` : `${className}Payload`,
        ackType: `${className}Ack`,
        payloadClass: `${className}Dto`,
        ackClass: `${className}AckDto`,
      },
    },
  };
}
