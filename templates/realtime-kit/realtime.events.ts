import { SetMetadata, type Type } from '@nestjs/common';
import { SubscribeMessage as subscribeMessage } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import type {
  ErrorPayload,
  RealtimeServerEvents,
} from './realtime.contract.js';
import type { SocketData } from './realtime.types.js';

/** An event map of socket.io: event name to listener. */
export type EventMap<M> = Record<keyof M, (...args: never[]) => void>;

/** No serverSideEmit events: instances share state only through the adapter. */
export type InterServerEvents = Record<string, never>;

/** A gateway's namespace: Nest injects `server.of('/<namespace>')`, not the root Server. */
export type RealtimeNamespace<
  C extends EventMap<C>,
  S extends EventMap<S>,
> = Namespace<C, S, InterServerEvents, SocketData>;

export type RealtimeSocket<
  C extends EventMap<C>,
  S extends EventMap<S>,
> = Socket<C, S, InterServerEvents, SocketData>;

/** The payload an event carries: its listener's first argument. */
export type PayloadOf<Listener> = Listener extends (
  payload: infer Payload,
  ...rest: never[]
) => void
  ? Payload
  : never;

/** What a client event's ack receives on success; `void` for an event without an ack. */
export type AckOf<Listener> = Listener extends (...args: infer Args) => void
  ? Args extends [unknown, (response: infer Response) => void]
    ? Exclude<Response, ErrorPayload>
    : void
  : never;

/**
 * The method that handles a client event: the validated payload first (then
 * whatever Nest injects), and the ack's success value as its result.
 */
export type ClientEventHandler<Listener> = (
  payload: PayloadOf<Listener>,
  ...injected: never[]
) => AckOf<Listener> | Promise<AckOf<Listener>>;

/**
 * One handler per client event, named as the event: a gateway that
 * `implements ClientEventHandlers<ClientToServerEvents>` fails to compile
 * when an event of the map has no handler.
 */
export type ClientEventHandlers<C> = {
  [Event in keyof C]: ClientEventHandler<C[Event]>;
};

/** The class of an event's ack, required exactly when the event has one. */
type AckDocumentation<Listener> = [AckOf<Listener>] extends [void]
  ? []
  : [options: { ack: Type<AckOf<Listener>> }];

/** The class of every event a gateway emits, beside those of the kit. */
export type ServerEventClasses<S> = {
  [Event in Exclude<keyof S, keyof RealtimeServerEvents>]: Type<
    PayloadOf<S[Event]>
  >;
};

/** Metadata key of a handler's ack class (read by the AsyncAPI document). */
export const ACK_CLASS_METADATA = 'realtime:ack-class';

/** Metadata key of a gateway's emitted event classes (read by the AsyncAPI document). */
export const SERVER_EVENT_CLASSES_METADATA = 'realtime:server-event-classes';

/**
 * Nest's `@SubscribeMessage` and a class decorator for the events a gateway
 * emits, both typed by the gateway's event maps. A handler whose event is not
 * in the map, whose method is named otherwise, whose payload or ack does not
 * match the contract, or an emitted event without its class, fails `tsc`.
 * The classes document the wire format (see the AsyncAPI document).
 *
 * @example
 * const { SubscribeMessage, ServerEvents } = realtimeEvents<
 *   ClientToServerEvents,
 *   ServerToClientEvents
 * >();
 *
 * @ServerEvents({ newMessage: NewMessageDto })
 * export class ChatGateway implements ClientEventHandlers<ClientToServerEvents> {
 *   @SubscribeMessage('joinRoom', { ack: JoinRoomAckDto })
 *   joinRoom(@MessageBody(wsValidationPipe) { roomId }: RoomDto) { … }
 * }
 */
export function realtimeEvents<C extends EventMap<C>, S extends EventMap<S>>() {
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

  function ServerEvents(classes: ServerEventClasses<S>): ClassDecorator {
    return SetMetadata(SERVER_EVENT_CLASSES_METADATA, classes);
  }

  return { SubscribeMessage, ServerEvents };
}
