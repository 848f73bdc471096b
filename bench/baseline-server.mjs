// The bench's baseline: the `realtime-gateway chat` contract (docs/contract.md) on plain socket.io, no
// Nest, doing the same work per connection and per message as the generated gateway. Every library comes
// from the generated app, so versions match: socket.io, class-validator, class-transformer, the generated
// app's own compiled DTO classes, and the kit's compiled Nest-free pieces (token verification with jose,
// limits and rate limiters, the validation pipe's checks, the parser, the outgoing-buffer bound and the
// presence batches), so authentication and the client limits cost both servers the same.
//
// Env: BENCH_APP_DIR (the generated app), BENCH_DTO_DIR (its compiled dto/ folder), PORT, JWT_SECRET, and
// the REALTIME_* limits the generated app reads too. With REDIS_URL, it runs on socket.io's Redis pub/sub
// adapter and counts the per-user and per-address limits in Redis, as the generated app does; on SIGTERM
// it tells every client `serverShutdown` as the generated app does, then closes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { BENCH_APP_DIR: appDir, BENCH_DTO_DIR: dtoDir, PORT: port, JWT_SECRET: secret } = process.env;
const NAMESPACE = '/chat';
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const appRequire = createRequire(join(appDir, 'package.json'));
const { Server } = appRequire('socket.io');
const compiled = (dir, file) => import(pathToFileURL(join(dir, file)));
const kitDir = join(dtoDir, '..', '..', 'realtime');
const { RoomDto } = await compiled(dtoDir, 'room.dto.js');
const { SendMessageDto } = await compiled(dtoDir, 'send-message.dto.js');
const { RealtimeAdmission } = await compiled(kitDir, 'realtime.admission.js');
const { AuthMode, RealtimeAuth, resolveAuthConfig, TokenRejected } = await compiled(kitDir, 'realtime.auth.js');
const { HandshakeRefused, RealtimeException, replyWithError } = await compiled(kitDir, 'realtime.errors.js');
const { packetCeiling, resolveRealtimeLimits } = await compiled(kitDir, 'realtime.limits.js');
const { boundOutgoingBuffer, createRealtimeParser, OversizedPayload } = await compiled(kitDir, 'realtime.transport.js');
const { PresenceBatches } = await compiled(kitDir, 'presence.batches.js');
const { resolveShutdownRetryAfterMs, shutdownNotices } = await compiled(kitDir, 'realtime.shutdown.js');
// One constant; the file also declares the Nest gateway options, but nothing of Nest runs here.
const { SHUTDOWN_NOTICE_MS } = await compiled(kitDir, 'realtime.config.js');
const { WsValidationPipe } = await compiled(kitDir, 'ws-validation.pipe.js');

const limits = resolveRealtimeLimits();
const retryAfterMs = resolveShutdownRetryAfterMs();
const redis = process.env.REDIS_URL ? await connectRedis(process.env.REDIS_URL) : undefined;
const admission = new RealtimeAdmission(limits, redis?.limiters);
const pipe = new WsValidationPipe(limits.payload);
const auth = new RealtimeAuth(resolveAuthConfig({ JWT_SECRET: secret }, AuthMode.Hs256));

/**
 * The Redis pieces the generated app uses with REDIS_URL (pub/sub adapter): ioredis publisher and subscriber,
 * socket.io's Redis adapter, and rate-limiter-flexible counters in Redis with an in-memory fallback.
 */
async function connectRedis(url) {
  const { Redis } = appRequire('ioredis');
  const { createAdapter } = appRequire('@socket.io/redis-adapter');
  const { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } = appRequire('rate-limiter-flexible');
  const publisher = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  const subscriber = publisher.duplicate();
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return {
    adapter: createAdapter(publisher, subscriber, { requestsTimeout: 3_000 }),
    limiters: (options) =>
      new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({ ...options, storeClient: publisher, rejectIfRedisNotReady: true }),
        timeoutMs: 10,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
  };
}

const refused = (error) => {
  throw error instanceof TokenRejected ? new HandshakeRefused(error.reason, error.code, error.message) : error;
};

async function authenticate(socket) {
  await admission.admitHandshake(socket.handshake);
  const authToken = socket.handshake.auth.token;
  const token =
    typeof authToken === 'string' && authToken !== ''
      ? authToken
      : /^Bearer\s+(\S+)$/i.exec(socket.handshake.headers.authorization ?? '')?.[1];
  if (token === undefined) throw new HandshakeRefused('missing_token', 'UNAUTHORIZED', 'Unauthorized: missing token');
  const { userId, expiresAt } = await auth.verify(token).catch(refused);
  socket.data.userId = userId;
  socket.data.tokenExpiresAt = expiresAt;
  admission.admitUserSocket(socket);
}

function disconnectOnExpiry(socket) {
  const delay = socket.data.tokenExpiresAt - Date.now();
  if (Number.isNaN(delay) || delay > MAX_TIMER_DELAY_MS) return;
  const timer = setTimeout(() => {
    socket.emit('exception', { status: 'error', code: 'UNAUTHORIZED', message: 'Unauthorized: token expired' });
    socket.disconnect(true);
  }, delay);
  socket.once('disconnect', () => clearTimeout(timer));
}

/** The per-event guard: a connection can outlive its token. */
function checkAuthenticated({ userId, tokenExpiresAt }) {
  if (!userId) throw new RealtimeException('UNAUTHORIZED', 'Unauthorized: not authenticated');
  if ((tokenExpiresAt ?? 0) <= Date.now()) {
    throw new RealtimeException('UNAUTHORIZED', 'Unauthorized: token expired');
  }
}

const roomKey = (roomId) => `room:${roomId}`;

const actions = {
  async joinRoom(socket, { roomId }) {
    const room = roomKey(roomId);
    if (!socket.rooms.has(room)) {
      await socket.join(room);
      presence.record(roomId, socket.data.userId, 'joined');
    }
    return { status: 'joined', roomId };
  },
  async leaveRoom(socket, { roomId }) {
    const room = roomKey(roomId);
    if (socket.rooms.has(room)) {
      await socket.leave(room);
      presence.record(roomId, socket.data.userId, 'left');
    }
    return { status: 'left', roomId };
  },
  sendMessage(socket, { roomId, content }) {
    const room = roomKey(roomId);
    if (!socket.rooms.has(room)) throw new RealtimeException('FORBIDDEN', `Join room ${roomId} before sending to it`);
    const messageId = randomUUID();
    socket.to(room).emit('newMessage', { sender: socket.data.userId, roomId, content, timestamp: Date.now(), messageId });
    return { status: 'ok', messageId };
  },
};
const dtoOf = { joinRoom: RoomDto, leaveRoom: RoomDto, sendMessage: SendMessageDto };

/** Runs one client event: rate limits, guard, validation, action; the result goes to the ack, an error once. */
async function handle(socket, event, payload, ack) {
  const refusal = await admission.admitEvent(socket);
  if (refusal !== undefined) {
    replyWithError(socket, ack, refusal.payload);
    if (refusal.disconnect) socket.disconnect(true);
    return;
  }
  if (payload instanceof OversizedPayload) {
    replyWithError(socket, ack, { status: 'error', code: 'LIMIT_EXCEEDED', message: payload.message });
    return;
  }
  let reply;
  try {
    checkAuthenticated(socket.data);
    reply = await actions[event](socket, await pipe.transform(payload, { type: 'body', metatype: dtoOf[event] }));
  } catch (error) {
    const failure =
      error instanceof RealtimeException
        ? error.toPayload()
        : { status: 'error', code: 'INTERNAL', message: 'Internal server error' };
    replyWithError(socket, ack, failure);
    return;
  }
  if (typeof ack === 'function') ack(reply);
}

const httpServer = createServer();
const { parser, attach } = createRealtimeParser({ payload: limits.payload, packetsPerSecond: packetCeiling(limits) });
const io = new Server(httpServer, {
  transports: ['websocket'],
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxHttpBufferSize: 64 * 1024,
  connectTimeout: limits.connectTimeoutMs,
  parser,
  ...(redis && { adapter: redis.adapter }),
  cors: {
    origin: (origin, callback) => (origin === undefined ? callback(null, true) : callback(new Error('Origin not allowed'), false)),
    credentials: true,
  },
});
attach(io);
const chat = io.of(NAMESPACE);
const presence = new PresenceBatches(limits.presenceIntervalMs, (batch) => chat.to(roomKey(batch.roomId)).emit('presence', batch));
/** Sockets and client rooms per user, for `offline` when the last socket goes. */
const users = new Map();
chat.use((socket, next) =>
  authenticate(socket).then(
    () => {
      disconnectOnExpiry(socket);
      next();
    },
    (error) => next(error instanceof HandshakeRefused ? error : new Error('Internal server error')),
  ),
);
chat.on('connection', (socket) => {
  const { userId } = socket.data;
  boundOutgoingBuffer(socket.conn, limits.maxBufferedBytes, () => undefined);
  const user = users.get(userId) ?? { sockets: 0, rooms: new Set() };
  user.sockets += 1;
  users.set(userId, user);
  socket.join(`user:${userId}`);
  for (const event of Object.keys(actions)) {
    socket.on(event, (payload, ack) => handle(socket, event, payload, ack));
  }
  socket.on('disconnecting', () => {
    for (const room of socket.rooms) {
      if (room.startsWith('room:')) user.rooms.add(room.slice('room:'.length));
    }
    user.sockets -= 1;
    if (user.sockets > 0) return;
    users.delete(userId);
    for (const roomId of user.rooms) presence.record(roomId, userId, 'offline');
  });
});
httpServer.listen(Number(port));
process.once('SIGTERM', async () => {
  const sockets = [...chat.sockets.values()];
  if (sockets.length > 0) {
    presence.stop();
    shutdownNotices(sockets.length, retryAfterMs).forEach((notice, index) => sockets[index].emit('serverShutdown', notice));
    await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_NOTICE_MS));
    chat.local.disconnectSockets(true);
  }
  io.close(() => process.exit(0));
});
