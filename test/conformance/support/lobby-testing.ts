import { setTimeout as sleep } from 'node:timers/promises';
import type { PresenceEvent } from 'nest-realtime';
import {
  TEST_TIMEOUT_MS,
  createRealtimeTestingApp,
  nextEvent,
  type RealtimeTestingApp,
  type RealtimeTestingOptions,
  type TestClientOptions,
} from 'nest-realtime/testing';
import type { Socket } from 'socket.io-client';
import {
  LOBBY_NAMESPACE,
  LobbyGateway,
  LobbyModule,
  type LobbyClientEvents,
  type LobbyServerEvents,
  type LobbySocket,
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
  /** The lobby's namespace on this instance, as the gateway sees it. */
  readonly server: LobbySocket['nsp'];
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
export async function startLobby(options: Partial<RealtimeTestingOptions> = {}): Promise<Lobby> {
  const testing = await createRealtimeTestingApp({
    ...options,
    imports: [LobbyModule, ...(options.imports ?? [])],
    limits: { presenceIntervalMs: PRESENCE_INTERVAL_MS, ...options.limits },
  });
  const open = (clientOptions?: TestClientOptions): LobbyClient => testing.client(LOBBY_NAMESPACE, clientOptions);
  return Object.assign(testing, {
    server: testing.app.get(LobbyGateway).server,
    open,
    connectAs: (userId: string): Promise<LobbyClient> => testing.connect(LOBBY_NAMESPACE, userId),
    async join(client: LobbyClient, roomId: string): Promise<void> {
      const ack = await client.emitWithAck('join', { roomId });
      if (ack.status !== 'joined') {
        throw new Error(`Could not join ${roomId}: ${JSON.stringify(ack)}`);
      }
    },
  });
}

/** A `say` in a room of the lobby, acked. */
export function say(client: LobbyClient, content = 'hi', roomId = 'general') {
  return client.emitWithAck('say', { roomId, content });
}

/** Whole seconds since `started`, rounded up: how often a rate limit refilled meanwhile, at most. */
export function secondsSince(started: number): number {
  return Math.ceil((Date.now() - started) / 1000);
}

/** What a client sends when it bypasses the typed event maps, as a hostile one does. */
export function untyped(client: LobbyClient): Socket {
  return client;
}

/** What a presence batch can say of a user. */
export type PresenceChange = 'joined' | 'left' | 'offline';

/** The next presence batch `client` gets that says `userId` has `change`d in `roomId`. */
export function presenceAbout(
  client: LobbyClient,
  roomId: string,
  change: PresenceChange,
  userId: string,
  timeoutMs = TEST_TIMEOUT_MS,
): Promise<PresenceEvent> {
  return nextEvent<PresenceEvent>(client, 'presence', {
    timeoutMs,
    matches: (event) => event.roomId === roomId && event[change].includes(userId),
  });
}

/**
 * Resolves once `holds` returns true, asked every 20 ms; rejects naming `what`
 * after `timeoutMs`. For state no event announces, e.g. a server-side disconnect.
 */
export async function eventually(
  holds: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = TEST_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    }
    await sleep(20);
  }
}

/** Waits until presence batches in flight have arrived. */
export function presenceSettled(): Promise<void> {
  return sleep(PRESENCE_SETTLED_MS);
}
