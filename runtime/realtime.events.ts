import type { Type } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import type {
  ErrorPayload,
  RealtimeClientEvents,
  RealtimeServerEvents,
} from './realtime.contract.js';
import type { SocketData } from './realtime.types.js';

/** An event map of socket.io: event name to listener. */
export type EventMap<M> = Record<keyof M, (...args: never[]) => void>;

/** No serverSideEmit events: instances share state only through the adapter. */
export type InterServerEvents = Record<string, never>;

/**
 * A gateway's namespace, typed by its event maps: Nest injects
 * `server.of('/<namespace>')` into `@WebSocketServer()`, not the root Server.
 */
export type RealtimeNamespace<
  C extends EventMap<C>,
  S extends EventMap<S>,
> = Namespace<C, S, InterServerEvents, SocketData>;

/**
 * A socket of a realtime gateway, typed by its event maps: `emit`,
 * `to(room).emit` and the acks are checked against the contract, and
 * `data.userId` is the authenticated user.
 *
 * @example
 * export type ChatSocket = RealtimeSocket<ClientToServerEvents, ServerToClientEvents>;
 * export type ChatServer = ChatSocket['nsp'];
 */
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
 * One handler per client event, named as the event: a gateway that lacks
 * one, or whose handler takes another payload or returns another ack, fails
 * to compile.
 */
export type ClientEventHandlers<C> = {
  [Event in keyof C]: ClientEventHandler<C[Event]>;
};

/** The class of an event's ack, required exactly when the event has one. */
export type AckDocumentation<Listener> = [AckOf<Listener>] extends [void]
  ? []
  : [options: { ack: Type<AckOf<Listener>> }];

/** Events the runtime emits and documents itself: errors, shutdown notices, presence batches. */
export type RuntimeServerEvent = keyof RealtimeServerEvents | 'presence';

/** Events the runtime handles itself on every realtime gateway (`refreshToken`). */
export type RuntimeClientEvent = keyof RealtimeClientEvents;

/** The class of every event a gateway emits, beside those the runtime emits. */
export type ServerEventClasses<S> = {
  [Event in Exclude<keyof S, RuntimeServerEvent>]: Type<PayloadOf<S[Event]>>;
};

/** The handlers a gateway writes: one per client event the runtime does not handle. */
export type GatewayHandlers<C> = ClientEventHandlers<
  Omit<C, RuntimeClientEvent>
>;
