import { io, type Socket } from 'socket.io-client';

/** How long the helpers wait for a connection, an ack or an event. */
export const TEST_TIMEOUT_MS = 2_000;

export interface TestClientOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Off unless asked: a test decides when a client comes back. */
  reconnection?: boolean;
}

/**
 * A client of `url` (a namespace URL) as tests use it: WebSocket only, no
 * reconnection unless asked, acks that time out. Assign it to a variable
 * typed with the feature's event maps.
 *
 * @example
 * const client: ChatClient = openTestClient(`${origin}/chat`, { token });
 */
export function openTestClient(
  url: string,
  { token, headers, reconnection = false }: TestClientOptions = {},
): Socket {
  return io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection,
    reconnectionDelay: 50,
    timeout: TEST_TIMEOUT_MS,
    // Instead of timeout(ms).emitWithAck, which socket.io-client types as any.
    ackTimeout: TEST_TIMEOUT_MS,
    auth: token === undefined ? {} : { token },
    extraHeaders: headers,
  });
}

/** The part of a client the waiting helpers use, so any typed client fits. */
interface HandshakingClient {
  once(event: 'connect', listener: () => void): unknown;
  once(event: 'connect_error', listener: (error: Error) => void): unknown;
}

/** Why a handshake was refused: the connect_error message and its `data.code`. */
export interface Refusal {
  message: string;
  code?: unknown;
  retryAfterMs?: unknown;
}

function refusalOf(
  error: Error & { data?: { code?: unknown; retryAfterMs?: unknown } },
): Refusal {
  return {
    message: error.message,
    code: error.data?.code,
    ...(error.data?.retryAfterMs !== undefined && {
      retryAfterMs: error.data.retryAfterMs,
    }),
  };
}

/** Resolves once the client connected; rejects with its connect_error. */
export function connected(client: HandshakingClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
}

/** How the handshake ended: 'connected', or the refusal. */
export function handshakeOutcome(
  client: HandshakingClient,
): Promise<Refusal | 'connected'> {
  return new Promise((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('connect_error', (error) => resolve(refusalOf(error)));
  });
}

/** Resolves with the refusal; rejects if the client connects. */
export async function refused(client: HandshakingClient): Promise<Refusal> {
  const outcome = await handshakeOutcome(client);
  if (outcome === 'connected') {
    throw new Error('Unexpectedly connected');
  }
  return outcome;
}

/** Resolves with the reason once the client is disconnected. */
export function disconnected(client: {
  once(event: 'disconnect', listener: (reason: string) => void): unknown;
}): Promise<string> {
  return new Promise((resolve) => client.once('disconnect', resolve));
}

type AnyListener = (event: string, payload: unknown) => void;

/** The part of a client {@link nextEvent} and {@link collectEvents} use. */
interface ListeningClient {
  onAny(listener: AnyListener): unknown;
  offAny(listener: AnyListener): unknown;
}

/**
 * The next `event` the client receives (that `matches`), within `timeoutMs`.
 * Typed by the caller: `nextEvent<NewMessageEvent>(client, 'newMessage')`.
 */
export function nextEvent<Payload>(
  client: ListeningClient,
  event: string,
  {
    timeoutMs = TEST_TIMEOUT_MS,
    matches = () => true,
  }: { timeoutMs?: number; matches?: (payload: Payload) => boolean } = {},
): Promise<Payload> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.offAny(listener);
      reject(new Error(`No matching ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener: AnyListener = (name, payload) => {
      // The server's event maps say what this event carries.
      const typed = payload as Payload;
      if (name === event && matches(typed)) {
        clearTimeout(timer);
        client.offAny(listener);
        resolve(typed);
      }
    };
    client.onAny(listener);
  });
}

/**
 * Every `event` the client receives from now on, in order.
 *
 * @example
 * const messages = collectEvents<NewMessageEvent>(bob, 'newMessage');
 */
export function collectEvents<Payload>(
  client: ListeningClient,
  event: string,
): Payload[] {
  const collected: Payload[] = [];
  client.onAny((name, payload) => {
    if (name === event) {
      collected.push(payload as Payload);
    }
  });
  return collected;
}
