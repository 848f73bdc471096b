// The bench's Nest bare-handler floor (bench/lib/floor-app.mjs copies this file beside the floor's gateway):
// what @RealtimeGateway's class-level guard and filter and the validation pipe it puts on every
// `@MessageBody()` do for a handler, as plain calls that the floor's sendMessage makes by hand, and the class
// decorator that takes the class-level enhancers off sendMessage (which has no `@MessageBody()`).
import 'reflect-metadata';
import { HttpException, HttpStatus, Inject } from '@nestjs/common';
import {
  RealtimeErrorCode,
  RealtimeException,
  RealtimeSettings,
  RealtimeValidationPipe,
  WsAuthGuard,
  WsExceptionsFilter,
  type ErrorPayload,
  type SocketData,
} from 'nest-realtime';

export { SubscribeMessage as FloorSubscribeMessage } from '@nestjs/websockets';

// Nest's metadata keys of @UseFilters and @UseGuards (@nestjs/common/constants), with the one enhancer
// @RealtimeGateway puts under each: the floor's hand-written calls stand for exactly these (and floorPipe for
// the pipe on each `@MessageBody()`).
const CLASS_ENHANCERS: ReadonlyArray<[key: string, enhancer: unknown]> = [
  ['__exceptionFilters__', WsExceptionsFilter],
  ['__guards__', WsAuthGuard],
];
// What @SubscribeMessage records on a handler (MESSAGE_METADATA of @nestjs/websockets).
const MESSAGE_METADATA = 'message';
const FLOOR_HANDLER = 'sendMessage';

const SETTINGS = Symbol('bench-floor:settings');
const PIPE = Symbol('bench-floor:pipe');

interface FloorGatewayInstance {
  [SETTINGS]?: RealtimeSettings;
  [PIPE]?: RealtimeValidationPipe;
}

function nameOf(enhancer: unknown): string {
  return typeof enhancer === 'function' ? enhancer.name : String(enhancer);
}

/**
 * `@FloorGateway(RealtimeGateway({ … }))`: the gateway as @RealtimeGateway makes it, except that its
 * class-level filter and guard move onto every handler but sendMessage, which keep working as generated. The gateway also gets the app's RealtimeSettings, for the pipe sendMessage runs by hand.
 */
export function FloorGateway(realtimeGateway: (target: never) => void) {
  return (target: Function): void => {
    realtimeGateway(target as never);
    const prototype = target.prototype as Record<string, unknown>;
    const otherHandlers = Object.getOwnPropertyNames(prototype)
      .filter((name) => name !== 'constructor' && name !== FLOOR_HANDLER)
      .map((name) => prototype[name])
      .filter((handler) => typeof handler === 'function' && Reflect.hasMetadata(MESSAGE_METADATA, handler));
    for (const [key, expected] of CLASS_ENHANCERS) {
      const enhancers: unknown[] = Reflect.getMetadata(key, target) ?? [];
      if (enhancers.length !== 1 || enhancers[0] !== expected) {
        throw new Error(
          `The bench's Nest floor: @RealtimeGateway puts [${enhancers.map(nameOf).join(', ')}] under ${key}, where ` +
            `the floor's sendMessage stands for ${nameOf(expected)} alone; update bench/lib/bench-floor.ts.`,
        );
      }
      Reflect.deleteMetadata(key, target);
      for (const handler of otherHandlers) {
        const own: unknown[] = Reflect.getMetadata(key, handler as object) ?? [];
        Reflect.defineMetadata(key, [...enhancers, ...own], handler as object);
      }
    }
    Inject(RealtimeSettings)(target.prototype as object, SETTINGS);
  };
}

/** WsAuthGuard's check: a connection can outlive its token. */
export function floorGuard(client: { data: Partial<SocketData> }): void {
  if (!client.data.userId) {
    throw new RealtimeException(RealtimeErrorCode.Unauthorized, 'Unauthorized: not authenticated');
  }
  if ((client.data.tokenExpiresAt ?? 0) <= Date.now()) {
    throw new RealtimeException(RealtimeErrorCode.Unauthorized, 'Unauthorized: token expired');
  }
}

/** RealtimeValidationPipe on a `@MessageBody()` parameter of class `metatype`, with the app's settings. */
export function floorPipe(gateway: object, payload: unknown, metatype: new () => object): Promise<unknown> {
  const floor = gateway as FloorGatewayInstance;
  floor[PIPE] ??= new RealtimeValidationPipe(floor[SETTINGS]);
  return floor[PIPE].transform(payload, { type: 'body', metatype });
}

// WsExceptionsFilter's codes for the HTTP exceptions a handler may throw.
const CODE_BY_STATUS: ReadonlyMap<number, RealtimeErrorCode> = new Map([
  [HttpStatus.BAD_REQUEST, RealtimeErrorCode.BadRequest],
  [HttpStatus.UNAUTHORIZED, RealtimeErrorCode.Unauthorized],
  [HttpStatus.FORBIDDEN, RealtimeErrorCode.Forbidden],
  [HttpStatus.NOT_FOUND, RealtimeErrorCode.NotFound],
  [HttpStatus.PAYLOAD_TOO_LARGE, RealtimeErrorCode.LimitExceeded],
  [HttpStatus.TOO_MANY_REQUESTS, RealtimeErrorCode.RateLimited],
]);

/**
 * WsExceptionsFilter's reply, which becomes the ack (the bench's clients always ask for one); any other
 * error is thrown on, to Nest's own handling.
 */
export function floorFilter(error: unknown): ErrorPayload {
  if (error instanceof RealtimeException) {
    return error.toPayload();
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const code = CODE_BY_STATUS.get(error.getStatus()) ?? RealtimeErrorCode.BadRequest;
    return { status: 'error', code, message: error.message };
  }
  throw error;
}
