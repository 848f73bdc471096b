import type { Socket } from 'socket.io';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { payloadLimitMessages, type PayloadLimits } from './realtime.limits.js';

/** Attachments one binary packet may announce, in a namespace that accepts them. */
const MAX_ATTACHMENTS = 4;

// socket.io packet types 5 and 6: an event or ack whose binary parts follow as separate frames.
const BINARY_HEADER = /^[56]\d+-(\/[^,]*)?/;
// Type 2, an event: the namespace unless it is "/", the ack id if any, then the arguments as JSON.
const EVENT_HEADER = /^2(\/[^,]*,)?(\d*)\[/;
// The arguments array around the payload: one more level, and the event name beside it.
const ARGUMENTS_ALLOWANCE = 8;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

type EngineConnection = Socket['conn'];

/**
 * What an event handler would have received instead of a payload the parser
 * refused for its shape; RealtimeIoAdapter answers it with LIMIT_EXCEEDED and
 * never calls the handler.
 */
export class OversizedPayload {
  constructor(readonly message: string) {}
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Why the JSON text of an event's arguments exceeds `limits`, found in one
 * pass over the text before anything is parsed (JSON.parse of 64 KB with
 * thousands of keys costs milliseconds), or undefined when it does not. The
 * arguments array adds one level and a few entries, which are allowed for.
 */
export function oversizeReason(
  json: string,
  limits: PayloadLimits,
): string | undefined {
  // Per open container: items so far when it is an array, -1 for an object.
  const open: number[] = [];
  let entries = 0;
  let inString = false;
  let escaped = false;
  let arrayOpened = false;
  for (let index = 0; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (code === BACKSLASH) {
        escaped = true;
      } else if (code === QUOTE) {
        inString = false;
      }
      continue;
    }
    if (isWhitespace(code)) {
      continue;
    }
    const top = open.length - 1;
    if (arrayOpened) {
      arrayOpened = false;
      if (code !== CLOSE_BRACKET) {
        open[top] = 1;
        entries += 1;
      }
    }
    if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (open.length > limits.maxDepth) {
        return payloadLimitMessages.depth(limits);
      }
      open.push(code === OPEN_BRACKET ? 0 : -1);
      arrayOpened = code === OPEN_BRACKET;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      open.pop();
    } else if (code === COLON) {
      entries += 1;
    } else if (code === COMMA && open[top] >= 0) {
      open[top] += 1;
      entries += 1;
      if (open[top] > limits.maxArrayLength + ARGUMENTS_ALLOWANCE) {
        return payloadLimitMessages.arrayLength(limits);
      }
    }
    if (entries > limits.maxKeys + ARGUMENTS_ALLOWANCE) {
      return payloadLimitMessages.keys(limits);
    }
  }
  return undefined;
}

/** The first argument of an event's JSON arguments when it is a string: the event name. */
function eventNameOf(json: string): string | undefined {
  const start = json.indexOf('"');
  if (start < 0 || json.slice(1, start).trim() !== '') {
    return undefined;
  }
  for (let end = start + 1; end < json.length; end++) {
    const code = json.charCodeAt(end);
    if (code === BACKSLASH) {
      end += 1;
    } else if (code === QUOTE) {
      const name: unknown = JSON.parse(json.slice(start, end + 1));
      return typeof name === 'string' ? name : undefined;
    }
  }
  return undefined;
}

/**
 * The packet handed on instead of an event whose arguments exceed `limits`:
 * same namespace, event and ack, an OversizedPayload for arguments. Throws
 * for such a packet without an event name, which closes the connection.
 */
function refusedEvent(
  chunk: string,
  limits: PayloadLimits,
): Packet | undefined {
  const header = EVENT_HEADER.exec(chunk);
  if (header === null) {
    return undefined;
  }
  const json = chunk.slice(header[0].length - 1);
  const reason = oversizeReason(json, limits);
  if (reason === undefined) {
    return undefined;
  }
  const event = eventNameOf(json);
  if (event === undefined) {
    throw new Error(`an event without a name: ${reason}`);
  }
  return {
    type: PacketType.EVENT,
    nsp: header[1] === undefined ? '/' : header[1].slice(0, -1),
    ...(header[2] !== '' && { id: Number(header[2]) }),
    data: [event, new OversizedPayload(reason)],
  };
}

/** What the parser of one server enforces, per connection. */
export interface ParserLimits {
  payload: PayloadLimits;
  /**
   * Packets of any kind one connection may send in a second. Events are rate
   * limited per handler; this catches what no handler sees (unknown events,
   * stray acks, repeated connects).
   */
  packetsPerSecond: number;
}

/**
 * The socket.io parser for one server: the standard one, except that
 * - an event whose JSON exceeds the payload limits is not parsed at all: its
 *   handler's listener gets an OversizedPayload instead (see refusedEvent);
 * - a binary packet for a namespace not passed to `acceptBinary` (or one
 *   announcing more than MAX_ATTACHMENTS parts), and a connection sending
 *   more than `packetsPerSecond`, are protocol errors, which close the
 *   connection (before any binary part is held). Binary attachments are off
 *   by default: a binary packet announces its attachments first, and the
 *   parser holds the parts until all arrive, so a client that never sends
 *   the last one makes the server hold the others.
 */
export function createRealtimeParser(limits: ParserLimits): {
  parser: { Encoder: typeof Encoder; Decoder: new () => Decoder };
  /** Lets clients send binary attachments to the namespace of this name. */
  acceptBinary: (namespace: string) => void;
} {
  const accepted = new Set<string>();
  // One decoder per connection.
  class RealtimeDecoder extends Decoder {
    private windowStart = 0;
    private packetsInWindow = 0;

    constructor() {
      super({ maxAttachments: MAX_ATTACHMENTS });
    }

    override add(chunk: unknown): void {
      this.countPacket();
      if (typeof chunk === 'string') {
        const binary = BINARY_HEADER.exec(chunk);
        if (binary !== null && !accepted.has(binary[1] ?? '/')) {
          throw new Error('binary attachments are not accepted here');
        }
        const refused = refusedEvent(chunk, limits.payload);
        if (refused !== undefined) {
          this.emitReserved('decoded', refused);
          return;
        }
      }
      super.add(chunk);
    }

    private countPacket(): void {
      const now = Date.now();
      if (now - this.windowStart >= 1_000) {
        this.windowStart = now;
        this.packetsInWindow = 0;
      }
      this.packetsInWindow += 1;
      if (this.packetsInWindow > limits.packetsPerSecond) {
        throw new Error('too many packets');
      }
    }
  }
  return {
    parser: { Encoder, Decoder: RealtimeDecoder },
    acceptBinary: (namespace) => accepted.add(namespace),
  };
}

function byteSize(data: unknown): number {
  if (typeof data === 'string') {
    return data.length;
  }
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data)
    ? data.byteLength
    : 0;
}

/**
 * Drops a connection whose client reads slower than the server writes to it,
 * once more than `maxBytes` wait for it: packets not yet handed to the
 * transport plus bytes the TCP socket still buffers. Without a bound a slow
 * (or stalled) reader in a busy room makes the server buffer every message
 * for it until the heartbeat gives up. Call it once per connection, however
 * many namespaces it joins.
 */
export function boundOutgoingBuffer(
  conn: EngineConnection,
  maxBytes: number,
  onOverflow: () => void,
): void {
  let queued = 0;
  conn.on('packetCreate', (packet: { data?: unknown }) => {
    queued += byteSize(packet.data);
    const buffered = queued + (conn.request.socket?.writableLength ?? 0);
    if (buffered > maxBytes && conn.readyState === 'open') {
      onOverflow();
      // Discards what is queued instead of waiting for a reader that never drains it.
      conn.close(true);
    }
  });
  conn.on('flush', () => {
    queued = 0;
  });
}
