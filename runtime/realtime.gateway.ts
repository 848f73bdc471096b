import {
  applyDecorators,
  Inject,
  SetMetadata,
  UseFilters,
  UseGuards,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage as subscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { WsParamtype } from '@nestjs/websockets/enums/ws-paramtype.enum.js';
import type { Namespace } from 'socket.io';
import type {
  AckDocumentation,
  ClientEventHandler,
  EventMap,
  GatewayHandlers,
  RuntimeServerEvent,
  ServerEventClasses,
} from './realtime.events.js';
import { RealtimeGateways } from './realtime.gateways.js';
import { RefreshTokenAckDto, RefreshTokenDto } from './realtime.messages.js';
import type { RealtimeSocket } from './realtime.events.js';
import { WsAuthGuard } from './ws-auth.guard.js';
import { WsExceptionsFilter } from './ws-exception.filter.js';
import { RealtimeValidationPipe } from './ws-validation.pipe.js';

/** Metadata key of a handler's ack class (read by the AsyncAPI document). */
export const ACK_CLASS_METADATA = 'realtime:ack-class';

/** Metadata key of a gateway's emitted event classes (read by the AsyncAPI document). */
export const SERVER_EVENT_CLASSES_METADATA = 'realtime:server-event-classes';

/** Metadata key of a realtime gateway's options. */
export const REALTIME_GATEWAY_METADATA = 'realtime:gateway';

/** What the runtime does for a gateway beyond Nest's own wiring. */
export interface RealtimeGatewayBehaviour {
  /** The Socket.IO namespace, e.g. `/chat`. */
  namespace: string;
  /**
   * Track who is in which room across instances and send each room's members
   * `presence` batches; the gateway reports joins and leaves through
   * RealtimeRooms. Default false.
   */
  presence?: boolean;
  /**
   * Let clients send binary attachments (Buffers, typed arrays) to this
   * namespace. Off by default: every other namespace closes a connection
   * that sends one.
   */
  binaryAttachments?: boolean;
}

/** Options of `@RealtimeGateway`: the behaviour, and the class of each event the gateway emits. */
export type RealtimeGatewayOptions<S> = RealtimeGatewayBehaviour &
  ([Exclude<keyof S, RuntimeServerEvent>] extends [never]
    ? { serverEvents?: ServerEventClasses<S> }
    : { serverEvents: ServerEventClasses<S> });

/** Where @RealtimeGateway injects the runtime into a gateway. */
const RUNTIME = Symbol('realtime:gateways');

interface WiredGateway {
  [RUNTIME]: RealtimeGateways;
  afterInit?: (this: WiredGateway, server: Namespace) => unknown;
}

/** The handler @RealtimeGateway adds; a function of its own, so each gateway class gets its own copy. */
function createRefreshTokenHandler() {
  return function refreshToken(
    this: WiredGateway,
    { token }: RefreshTokenDto,
    client: RealtimeSocket<never, never>,
  ) {
    return this[RUNTIME].refreshToken(client, token);
  };
}

/**
 * Serves `refreshToken` on every realtime gateway through Nest's pipeline
 * (guards, pipes, filters), unless the gateway handles it itself.
 */
function addRefreshTokenHandler(prototype: object): void {
  if (Object.prototype.hasOwnProperty.call(prototype, 'refreshToken')) {
    return;
  }
  const descriptor: PropertyDescriptor = {
    value: createRefreshTokenHandler(),
    writable: true,
    configurable: true,
  };
  Object.defineProperty(prototype, 'refreshToken', descriptor);
  // What TypeScript would emit for the parameters of a written handler.
  Reflect.defineMetadata(
    'design:paramtypes',
    [RefreshTokenDto, Object],
    prototype,
    'refreshToken',
  );
  MessageBody()(prototype, 'refreshToken', 0);
  ConnectedSocket()(prototype, 'refreshToken', 1);
  subscribeMessage('refreshToken')(prototype, 'refreshToken', descriptor);
  SetMetadata(ACK_CLASS_METADATA, RefreshTokenAckDto)(
    prototype,
    'refreshToken',
    descriptor,
  );
}

/** A handler parameter as Nest's param decorators record it. */
interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: Array<Type<PipeTransform> | PipeTransform>;
}

/**
 * RealtimeValidationPipe on every `@MessageBody()` of the gateway, first
 * among its pipes, as `@MessageBody(RealtimeValidationPipe)` would put it. A
 * class-level `@UsePipes` would run it for every parameter of every event,
 * `@ConnectedSocket()` included. Nest's scanner provides the pipe from the
 * gateway's module, with RealtimeSettings injected.
 */
function validateMessageBodies(target: Type): void {
  const payload = `${WsParamtype.PAYLOAD}:`;
  for (const method of new MetadataScanner().getAllMethodNames(
    target.prototype as object,
  )) {
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, target, method) as
      Record<string, RouteArgument> | undefined;
    if (args === undefined) {
      continue;
    }
    const validated = Object.fromEntries(
      Object.entries(args).map(([key, argument]) => [
        key,
        key.startsWith(payload) &&
        !argument.pipes?.includes(RealtimeValidationPipe)
          ? {
              ...argument,
              pipes: [RealtimeValidationPipe, ...(argument.pipes ?? [])],
            }
          : argument,
      ]),
    );
    Reflect.defineMetadata(ROUTE_ARGS_METADATA, validated, target, method);
  }
}

/**
 * Runs the runtime's wiring of the namespace (auth, limits, metrics, drain,
 * presence, the user's room) before the gateway's own afterInit, so it holds
 * whichever WebSocket adapter the app uses.
 */
function wireAfterInit(
  prototype: WiredGateway,
  behaviour: RealtimeGatewayBehaviour,
): void {
  Inject(RealtimeGateways)(prototype, RUNTIME);
  const own = prototype.afterInit;
  Object.defineProperty(prototype, 'afterInit', {
    value: function afterInit(this: WiredGateway, server: Namespace): unknown {
      this[RUNTIME].serve(server, behaviour);
      return own?.call(this, server);
    },
    writable: true,
    configurable: true,
  });
}

/**
 * The decorators of a gateway that serves a contract: `RealtimeGateway` for
 * the class and `SubscribeMessage` for its handlers, both typed by the
 * contract's event maps. A handler missing for a client event, a handler
 * named otherwise than its event, a payload or ack that differs from the
 * contract, or an emitted event without its class, fails `tsc`; the classes
 * describe the wire format (see the AsyncAPI document).
 *
 * `@RealtimeGateway` is Nest's `@WebSocketGateway` with the runtime attached:
 * token authentication and the handshake limits, validation of every
 * `@MessageBody()` (RealtimeValidationPipe), the error replies
 * (WsExceptionsFilter), a per-event token check (WsAuthGuard), metrics, the
 * shutdown drain, each user's room, `refreshToken`, and presence when asked
 * for. Server options (CORS, transports, heartbeat, frame size) come from the
 * runtime's adapter.
 *
 * @example
 * const { RealtimeGateway, SubscribeMessage } = realtimeContract<
 *   ClientToServerEvents,
 *   ServerToClientEvents
 * >();
 *
 * @RealtimeGateway({ namespace: '/chat', serverEvents: { newMessage: NewMessageDto } })
 * export class ChatGateway {
 *   @SubscribeMessage('joinRoom', { ack: JoinRoomAckDto })
 *   joinRoom(@MessageBody() { roomId }: RoomDto): JoinRoomAck { … }
 * }
 */
export function realtimeContract<
  C extends EventMap<C>,
  S extends EventMap<S>,
>() {
  function RealtimeGateway(options: RealtimeGatewayOptions<S>) {
    const { serverEvents = {}, ...behaviour } = options;
    return (target: Type<GatewayHandlers<C>>): void => {
      applyDecorators(
        WebSocketGateway({ namespace: behaviour.namespace }),
        UseFilters(WsExceptionsFilter),
        UseGuards(WsAuthGuard),
        SetMetadata(SERVER_EVENT_CLASSES_METADATA, serverEvents),
        SetMetadata(REALTIME_GATEWAY_METADATA, behaviour),
      )(target);
      wireAfterInit(target.prototype as WiredGateway, behaviour);
      addRefreshTokenHandler(target.prototype as object);
      validateMessageBodies(target);
    };
  }

  function SubscribeMessage<Event extends keyof C & string>(
    event: Event,
    ...[documentation]: AckDocumentation<C[Event]>
  ) {
    return <Handler extends ClientEventHandler<C[Event]>>(
      target: object,
      method: Event,
      descriptor: TypedPropertyDescriptor<Handler>,
    ): void => {
      subscribeMessage(event)(target, method, descriptor);
      if (documentation) {
        SetMetadata(ACK_CLASS_METADATA, documentation.ack)(
          target,
          method,
          descriptor,
        );
      }
    };
  }

  return { RealtimeGateway, SubscribeMessage };
}
