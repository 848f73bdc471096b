import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRealtimeTestingApp,
  type RealtimeTestingApp,
  type RealtimeTestingOptions,
  type TestClientOptions,
} from 'nest-realtime/testing';
import type { Socket } from 'socket.io-client';
import {
  LOBBY_NAMESPACE,
  LobbyModule,
  type LobbyClientEvents,
  type LobbyServerEvents,
} from './lobby.js';

/** A client of the lobby, typed by its contract as a frontend types it. */
export type LobbyClient = Socket<LobbyServerEvents, LobbyClientEvents>;

// Presence batches at most every 200 ms here, so the tests need not wait a second.
export const PRESENCE_INTERVAL_MS = 200;
// By then every pending presence batch has been sent and has arrived.
export const PRESENCE_SETTLED_MS = 2 * PRESENCE_INTERVAL_MS;
// Long enough for a wrongly routed event to arrive over loopback.
export const QUIET_WINDOW_MS = 150;

/** The lobby app under test, with the helpers its specs share. */
export interface Lobby extends RealtimeTestingApp {
  /** A lobby client that starts connecting at once. */
  open(options?: TestClientOptions): LobbyClient;
  /** A connected lobby client of `userId`. */
  connectAs(userId: string): Promise<LobbyClient>;
  join(client: LobbyClient, roomId: string): Promise<void>;
}

/**
 * Starts the lobby as an app's main.ts starts it, with `options` (limits,
 * variables) on top of the suite's presence interval.
 */
export async function startLobby(
  options: Partial<RealtimeTestingOptions> = {},
): Promise<Lobby> {
  const testing = await createRealtimeTestingApp({
    ...options,
    imports: [LobbyModule, ...(options.imports ?? [])],
    limits: { presenceIntervalMs: PRESENCE_INTERVAL_MS, ...options.limits },
  });
  const open = (clientOptions?: TestClientOptions): LobbyClient =>
    testing.client(LOBBY_NAMESPACE, clientOptions);
  return Object.assign(testing, {
    open,
    connectAs: (userId: string): Promise<LobbyClient> =>
      testing.connect(LOBBY_NAMESPACE, userId),
    async join(client: LobbyClient, roomId: string): Promise<void> {
      const ack = await client.emitWithAck('join', { roomId });
      if (ack.status !== 'joined') {
        throw new Error(`Could not join ${roomId}: ${JSON.stringify(ack)}`);
      }
    },
  });
}

/** Whole seconds since `started`, rounded up: how often a rate limit refilled meanwhile, at most. */
export function secondsSince(started: number): number {
  return Math.ceil((Date.now() - started) / 1000);
}

/** What a client sends when it bypasses the typed event maps, as a hostile one does. */
export function untyped(client: LobbyClient): Socket {
  return client;
}

/** Waits until presence batches in flight have arrived. */
export function presenceSettled(): Promise<void> {
  return sleep(PRESENCE_SETTLED_MS);
}
