// @ts-check
// The bench's baseline: the `realtime-gateway chat` contract (docs/contract.md) on plain socket.io, with no
// Nest running, doing the same work per connection and per message as the generated gateway. Every library
// comes from the generated app, so versions match: socket.io, class-validator, class-transformer, the app's
// own compiled DTO classes, and the runtime's pieces from the build of nest-realtime the app itself loads
// (lib/runtime-build.mjs): settings and limits, token verification with jose, admission (rate limiters,
// sockets per user, room cap), the parser, the outgoing-buffer bound, the validation pipe, the errors,
// presence batches, the server options and the shutdown notices. Some of their modules import
// @nestjs/common or @nestjs/websockets (decorators, Logger, WsException), but nothing of Nest runs here.
//
// Env: BENCH_APP_DIR (the generated app), BENCH_DTO_DIR (its compiled dto/ folder), PORT, JWT_SECRET, and
// the REALTIME_* limits the generated app reads too. With REDIS_URL, it runs on socket.io's Redis pub/sub
// adapter and counts the per-user and per-address limits in Redis, as the generated app does; on SIGTERM
// it tells every client `serverShutdown` as the generated app does, then closes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appRequire, loadRuntimeModule } from './lib/runtime-build.mjs';

const { BENCH_APP_DIR: appDir = '', BENCH_DTO_DIR: dtoDir = '', PORT: port } = process.env;
const NAMESPACE = '/chat';
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const requireFromApp = appRequire(appDir);
const { Server } = requireFromApp('socket.io');
/** @param {string} file */
const dto = (file) => import(pathToFileURL(join(dtoDir, file)).href);
/** @param {string} file */
const runtime = (file) => loadRuntimeModule(appDir, file);
const { RoomDto } = await dto('room.dto.js');
const { SendMessageDto } = await dto('send-message.dto.js');
const { assertRoomAvailable, RealtimeAdmission } = await runtime('realtime.admission.js');
const { AuthMode, RealtimeAuth, TokenRejected } = await runtime('realtime.auth.js');
const { HandshakeRefused, RealtimeErrorCode, RealtimeException, replyWithError } = await runtime('realtime.errors.js');
const { packetCeiling } = await runtime('realtime.limits.js');
const { boundOutgoingBuffer, createRealtimeParser, OversizedPayload } = await runtime('realtime.transport.js');
const { PresenceBatches } = await runtime('presence.batches.js');
const { shutdownNotices } = await runtime('realtime.shutdown.js');
const { SHUTDOWN_NOTICE_MS } = await runtime('realtime.lifecycle.js');
const { RealtimeSettings } = await runtime('realtime.settings.js');
const { realtimeServerOptions } = await runtime('realtime.server-options.js');
const { CLUSTER_REQUEST_TIMEOUT_MS } = await runtime('cluster-query.js');
const { RealtimeValidationPipe } = await runtime('ws-validation.pipe.js');

// What the generated app's RealtimeModule.forRoot(realtimeOptions) reads: its options are these defaults.
const settings = RealtimeSettings.resolve({ auth: AuthMode.Hs256, env: process.env });
const { limits } = settings;
const redis = process.env.REDIS_URL ? await connectRedis(process.env.REDIS_URL) : undefined;
const admission = new RealtimeAdmission(limits, redis?.limiters);
const pipe = new RealtimeValidationPipe(settings);
const auth = new RealtimeAuth(settings.auth);

/**
 * The Redis pieces the generated app uses with REDIS_URL (pub/sub adapter): ioredis publisher and subscriber,
 * socket.io's Redis adapter, and rate-limiter-flexible counters in Redis with an in-memory fallback.
 *
 * @param {string} url
 */
async function connectRedis(url) {
  const { Redis } = requireFromApp('ioredis');
  const { createAdapter } = requireFromApp('@socket.io/redis-adapter');
  const { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } = requireFromApp('rate-limiter-flexible');
  const publisher = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  const subscriber = publisher.duplicate();
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return {
    adapter: createAdapter(publisher, subscriber, { requestsTimeout: CLUSTER_REQUEST_TIMEOUT_MS }),
    /** @param {{ keyPrefix: string, points: number, duration: number }} options */
    limiters: (options) =>
      new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({ ...options, storeClient: publisher, rejectIfRedisNotReady: true }),
        timeoutMs: 10,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
  };
}

/** @param {any} error */
const refused = (error) => {
  throw error instanceof TokenRejected ? new HandshakeRefused(error.reason, error.code, error.message) : error;
};

/**
 * The handshake as the runtime's auth middleware runs it: the address's rate, the token, the app's auth
 * policy (the generated one makes the token's `sub` the user), then the user's socket cap.
 *
 * @param {any} socket
 */
async function authenticate(socket) {
  await admission.admitHandshake(socket.handshake);
  const authToken = socket.handshake.auth.token;
  const token =
    typeof authToken === 'string' && authToken !== ''
      ? authToken
      : /^Bearer\s+(\S+)$/i.exec(socket.handshake.headers.authorization ?? '')?.[1];
  if (token === undefined) {
    throw new HandshakeRefused('missing_token', RealtimeErrorCode.Unauthorized, 'Unauthorized: missing token');
  }
  const { claims, expiresAt } = await auth.verify(token).catch(refused);
  socket.data.userId = claims.sub;
  socket.data.tokenExpiresAt = expiresAt;
  admission.admitUserSocket(socket);
}

/**
 * Ends the connection when its token expires; reads the expiry when the timer fires, as the runtime does.
 *
 * @param {any} socket
 */
function disconnectOnExpiry(socket) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const check = () => {
    const delay = (socket.data.tokenExpiresAt ?? 0) - Date.now();
    if (delay > 0) {
      timer = setTimeout(check, Math.min(delay, MAX_TIMER_DELAY_MS));
      return;
    }
    socket.emit('exception', {
      status: 'error',
      code: RealtimeErrorCode.Unauthorized,
      message: 'Unauthorized: token expired',
    });
    socket.disconnect(true);
  };
  check();
  socket.once('disconnect', () => clearTimeout(timer));
}

/**
 * The per-event guard (the runtime's WsAuthGuard): a connection can outlive its token.
 *
 * @param {{ userId?: string, tokenExpiresAt?: number }} data
 */
function checkAuthenticated({ userId, tokenExpiresAt }) {
  if (!userId) throw new RealtimeException(RealtimeErrorCode.Unauthorized, 'Unauthorized: not authenticated');
  if ((tokenExpiresAt ?? 0) <= Date.now()) {
    throw new RealtimeException(RealtimeErrorCode.Unauthorized, 'Unauthorized: token expired');
  }
}

/** @param {string} roomId */
const roomKey = (roomId) => `room:${roomId}`;

/** @type {Record<string, (socket: any, dto: any) => unknown>} */
const actions = {
  async joinRoom(socket, { roomId }) {
    const room = roomKey(roomId);
    if (!socket.rooms.has(room)) {
      assertRoomAvailable(socket, limits.maxRoomsPerSocket);
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
    if (!socket.rooms.has(room)) {
      throw new RealtimeException(RealtimeErrorCode.Forbidden, `Join room ${roomId} before sending to it`);
    }
    const messageId = randomUUID();
    socket
      .to(room)
      .emit('newMessage', { sender: socket.data.userId, roomId, content, timestamp: Date.now(), messageId });
    return { status: 'ok', messageId };
  },
};
/** @type {Record<string, unknown>} */
const dtoOf = { joinRoom: RoomDto, leaveRoom: RoomDto, sendMessage: SendMessageDto };

/**
 * Runs one client event: rate limits, guard, validation, action; the result goes to the ack, an error once.
 *
 * @param {any} socket
 * @param {string} event
 * @param {any} payload
 * @param {unknown} ack
 */
async function handle(socket, event, payload, ack) {
  const refusal = await admission.admitEvent(socket);
  if (refusal !== undefined) {
    replyWithError(socket, ack, refusal.payload);
    if (refusal.disconnect) socket.disconnect(true);
    return;
  }
  if (payload instanceof OversizedPayload) {
    replyWithError(socket, ack, { status: 'error', code: RealtimeErrorCode.LimitExceeded, message: payload.message });
    return;
  }
  let reply;
  try {
    checkAuthenticated(socket.data);
    reply = await actions[event](socket, await pipe.transform(payload, { type: 'body', metatype: dtoOf[event] }));
  } catch (/** @type {any} */ error) {
    const failure =
      error instanceof RealtimeException
        ? error.toPayload()
        : { status: 'error', code: RealtimeErrorCode.Internal, message: 'Internal server error' };
    replyWithError(socket, ack, failure);
    return;
  }
  if (typeof ack === 'function') ack(reply);
}

const httpServer = createServer();
// No namespace here accepts binary attachments, as none of the generated app's does.
const { parser } = createRealtimeParser({ payload: limits.payload, packetsPerSecond: packetCeiling(limits) });
const io = new Server(httpServer, {
  ...realtimeServerOptions(settings),
  connectTimeout: limits.connectTimeoutMs,
  parser,
  ...(redis && { adapter: redis.adapter }),
});
const chat = io.of(NAMESPACE);
const presence = new PresenceBatches(
  limits.presenceIntervalMs,
  /** @param {{ roomId: string }} batch */
  (batch) => chat.to(roomKey(batch.roomId)).emit('presence', batch),
);
/** @type {Map<string, { sockets: number, rooms: Set<string> }>} Sockets and client rooms per user, for `offline` when the last socket goes. */
const users = new Map();
chat.use(
  /**
   * @param {any} socket
   * @param {(error?: Error) => void} next
   */
  (socket, next) =>
    authenticate(socket).then(
      () => {
        disconnectOnExpiry(socket);
        next();
      },
      (error) =>
        next(
          error instanceof HandshakeRefused
            ? error
            : new HandshakeRefused('error', RealtimeErrorCode.Internal, 'Internal server error'),
        ),
    ),
);
chat.on('connection', (/** @type {any} */ socket) => {
  const { userId } = socket.data;
  boundOutgoingBuffer(socket.conn, limits.maxBufferedBytes, () => undefined);
  // The runtime's adapter counts a parser's refusal here; without a listener socket.io would log it.
  socket.on('error', () => undefined);
  const user = users.get(userId) ?? { sockets: 0, rooms: new Set() };
  user.sockets += 1;
  users.set(userId, user);
  socket.join(`user:${userId}`);
  for (const event of Object.keys(actions)) {
    socket.on(event, (/** @type {unknown} */ payload, /** @type {unknown} */ ack) =>
      handle(socket, event, payload, ack),
    );
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
    shutdownNotices(sockets.length, settings.shutdownRetryAfterMs).forEach(
      (/** @type {unknown} */ notice, /** @type {number} */ index) => sockets[index].emit('serverShutdown', notice),
    );
    await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_NOTICE_MS));
    chat.local.disconnectSockets(true);
  }
  io.close(() => process.exit(0));
});
