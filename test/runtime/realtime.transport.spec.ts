import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';
import { DEFAULT_REALTIME_LIMITS } from '../../runtime/realtime.limits.js';
import {
  boundOutgoingBuffer,
  createRealtimeParser,
  OversizedPayload,
  oversizeReason,
} from '../../runtime/realtime.transport.js';

// socket.io's encoding of emit('upload', buffer) to /chat: one attachment follows.
const BINARY_EVENT = '51-/chat,["upload",{"_placeholder":true,"num":0}]';
const payload = DEFAULT_REALTIME_LIMITS.payload;
const parserLimits = { payload, packetsPerSecond: 100 };

/** The packets a decoder hands on for the chunks it is given. */
function decode(...chunks: string[]): unknown[] {
  const decoded: unknown[] = [];
  const decoder = new (createRealtimeParser(parserLimits).parser.Decoder)();
  decoder.on('decoded', (packet: unknown) => decoded.push(packet));
  chunks.forEach((chunk) => decoder.add(chunk));
  return decoded;
}

/** `sendMessage` to /chat with ack id 7 and the given payload JSON. */
function eventWith(json: string): string {
  return `2/chat,7["sendMessage",${json}]`;
}

describe('createRealtimeParser', () => {
  it('decodes text packets as socket.io does', () => {
    expect(decode('2/chat,["sendMessage",{"content":"hi"}]')).toEqual([
      { type: 2, nsp: '/chat', data: ['sendMessage', { content: 'hi' }] },
    ]);
  });

  it('hands on an oversized event unparsed, keeping its namespace, name and ack', () => {
    const keys = Array.from({ length: 6_500 }, (_unused, key) => `"k${key}":0`);

    const [packet] = decode(eventWith(`{${keys.join(',')}}`));

    expect(packet).toEqual({
      type: 2,
      nsp: '/chat',
      id: 7,
      data: ['sendMessage', expect.any(OversizedPayload)],
    });
  });

  it('closes a connection that sends more packets than allowed in a second', () => {
    const packets = Array.from({ length: 101 }, () => '2["ping"]');

    expect(() => decode(...packets)).toThrow('too many packets');
  });

  it('refuses binary packets before holding any attachment', () => {
    const { parser } = createRealtimeParser(parserLimits);

    expect(() => new parser.Decoder().add(BINARY_EVENT)).toThrow('binary attachments are not accepted here');
  });

  it('accepts binary packets in a namespace that opted in, up to a few attachments', () => {
    const { parser, acceptBinary } = createRealtimeParser(parserLimits);
    acceptBinary('/chat');
    const decoded: unknown[] = [];
    const decoder = new parser.Decoder();
    decoder.on('decoded', (packet: unknown) => decoded.push(packet));

    decoder.add(BINARY_EVENT);
    decoder.add(Buffer.from('file'));

    expect(decoded).toHaveLength(1);
    expect(() => new parser.Decoder().add(BINARY_EVENT.replace('51-', '511-'))).toThrow();
  });
});

describe('oversizeReason', () => {
  it('lets a payload at the limits through', () => {
    const items = Array.from({ length: payload.maxArrayLength }, () => '1');
    const deep = `${'{"a":'.repeat(payload.maxDepth - 1)}0${'}'.repeat(payload.maxDepth - 1)}`;

    expect(oversizeReason(`["e",{"tags":[${items.join(',')}]}]`, payload)).toBeUndefined();
    expect(oversizeReason(`["e",{"x":${deep}}]`, payload)).toBeUndefined();
  });

  it('finds depth, key count and array length beyond the limits, ignoring strings', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const keys = Array.from({ length: payload.maxKeys + 10 }, (_unused, key) => `"k${key}":0`);
    const items = Array.from({ length: payload.maxArrayLength + 10 }, () => '1');
    const braces = `"${'{['.repeat(5_000)}"`;

    expect(oversizeReason(`["e",${deep}]`, payload)).toMatch(/nested deeper/);
    expect(oversizeReason(`["e",{${keys.join(',')}}]`, payload)).toMatch(/keys/);
    expect(oversizeReason(`["e",[${items.join(',')}]]`, payload)).toMatch(/array/);
    expect(oversizeReason(`["e",{"content":${braces}}]`, payload)).toBeUndefined();
  });
});

/** An engine.io connection whose TCP socket holds `writableLength` bytes. */
class FakeConnection extends EventEmitter {
  readyState = 'open';
  closedWith?: boolean;
  readonly request = { socket: { writableLength: 0 } };

  close(discard: boolean): void {
    this.closedWith = discard;
    this.readyState = 'closed';
  }

  asConn(): Socket['conn'] {
    return this as unknown as Socket['conn'];
  }
}

describe('boundOutgoingBuffer', () => {
  it('drops a connection once more than the bound waits for it', () => {
    const conn = new FakeConnection();
    let overflows = 0;
    boundOutgoingBuffer(conn.asConn(), 1_000, () => (overflows += 1));

    conn.emit('packetCreate', { data: 'x'.repeat(600) });
    conn.request.socket.writableLength = 300;
    conn.emit('packetCreate', { data: 'x'.repeat(50) });
    expect(overflows).toBe(0);
    conn.emit('packetCreate', { data: 'x'.repeat(100) });

    expect(overflows).toBe(1);
    // Discarded, not flushed: a stalled reader would never take it.
    expect(conn.closedWith).toBe(true);
  });

  it('counts only what is still waiting', () => {
    const conn = new FakeConnection();
    let overflows = 0;
    boundOutgoingBuffer(conn.asConn(), 1_000, () => (overflows += 1));

    for (let round = 0; round < 10; round++) {
      conn.emit('packetCreate', { data: 'x'.repeat(600) });
      conn.emit('flush');
    }

    expect(overflows).toBe(0);
  });
});
