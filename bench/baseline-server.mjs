// The bench's baseline: the `realtime-gateway chat` contract (DESIGN.md section 4) on plain socket.io, no
// Nest, doing the same work per connection and per message as the generated gateway. Every library comes
// from the generated app, so versions match: socket.io, jsonwebtoken (through @nestjs/jwt), class-validator,
// class-transformer, and the generated app's own compiled DTO classes.
//
// Env: BENCH_APP_DIR (the generated app), BENCH_DTO_DIR (its compiled dto/ folder), PORT, JWT_SECRET.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { BENCH_APP_DIR: appDir, BENCH_DTO_DIR: dtoDir, PORT: port, JWT_SECRET: secret } = process.env;
const NAMESPACE = '/chat';
const MAX_REPORTED_ERRORS = 10;
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const appRequire = createRequire(join(appDir, 'package.json'));
const { Server } = appRequire('socket.io');
const { plainToInstance } = appRequire('class-transformer');
const { validate } = appRequire('class-validator');
const jwt = createRequire(appRequire.resolve('@nestjs/jwt'))('jsonwebtoken');
const { RoomDto } = await import(pathToFileURL(join(dtoDir, 'room.dto.js')));
const { SendMessageDto } = await import(pathToFileURL(join(dtoDir, 'send-message.dto.js')));

/** An error whose message the client may see; anything else becomes "Internal server error". */
class ClientError extends Error {}

function authenticate(socket, next) {
  const authToken = socket.handshake.auth.token;
  const token =
    typeof authToken === 'string' && authToken !== ''
      ? authToken
      : /^Bearer\s+(\S+)$/i.exec(socket.handshake.headers.authorization ?? '')?.[1];
  if (token === undefined) return next(new Error('Unauthorized: missing token'));
  jwt.verify(token, secret, { algorithms: ['HS256'] }, (error, claims) => {
    if (error) return next(new Error(error.name === 'TokenExpiredError' ? 'Unauthorized: token expired' : 'Unauthorized: invalid token'));
    if (typeof claims.sub !== 'string' || claims.sub === '') return next(new Error('Unauthorized: invalid token'));
    socket.data.userId = claims.sub;
    socket.data.tokenExpiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
    disconnectOnExpiry(socket);
    next();
  });
}

function disconnectOnExpiry(socket) {
  const delay = socket.data.tokenExpiresAt - Date.now();
  if (Number.isNaN(delay) || delay > MAX_TIMER_DELAY_MS) return;
  const timer = setTimeout(() => {
    socket.emit('exception', { status: 'error', message: 'Unauthorized: token expired' });
    socket.disconnect(true);
  }, delay);
  socket.once('disconnect', () => clearTimeout(timer));
}

/** The per-event guard: a connection can outlive its token. */
function checkAuthenticated({ userId, tokenExpiresAt }) {
  if (!userId) throw new ClientError('Unauthorized: not authenticated');
  if (tokenExpiresAt !== undefined && tokenExpiresAt <= Date.now()) {
    throw new ClientError('Unauthorized: token expired');
  }
}

function constraintMessages(errors, parentPath = '') {
  return errors.flatMap((error) => {
    const prefix = parentPath === '' ? '' : `${parentPath}.`;
    const own = Object.values(error.constraints ?? {}).map((message) => `${prefix}${message}`);
    return [...own, ...constraintMessages(error.children ?? [], `${prefix}${error.property}`)];
  });
}

/** whitelist + forbidNonWhitelisted + transform, as the generated WsValidationPipe configures Nest's. */
async function validated(Dto, payload) {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ClientError('Validation failed: an object is expected');
  }
  const dto = plainToInstance(Dto, payload);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false } });
  if (errors.length > 0) {
    const messages = constraintMessages(errors);
    const reported = messages.slice(0, MAX_REPORTED_ERRORS);
    if (messages.length > reported.length) reported.push(`and ${messages.length - reported.length} more`);
    throw new ClientError(`Validation failed: ${reported.join('; ')}`);
  }
  return dto;
}

const roomKey = (roomId) => `room:${roomId}`;

const actions = {
  async joinRoom(socket, { roomId }) {
    const room = roomKey(roomId);
    if (!socket.rooms.has(room)) {
      await socket.join(room);
      socket.to(room).emit('userJoined', { userId: socket.data.userId, roomId });
    }
    return { status: 'joined', roomId };
  },
  async leaveRoom(socket, { roomId }) {
    const room = roomKey(roomId);
    if (socket.rooms.has(room)) {
      await socket.leave(room);
      socket.to(room).emit('userLeft', { userId: socket.data.userId, roomId });
    }
    return { status: 'left', roomId };
  },
  sendMessage(socket, { roomId, content }) {
    const room = roomKey(roomId);
    if (!socket.rooms.has(room)) throw new ClientError(`Join room ${roomId} before sending to it`);
    const messageId = randomUUID();
    socket.to(room).emit('newMessage', { sender: socket.data.userId, roomId, content, timestamp: Date.now(), messageId });
    return { status: 'ok', messageId };
  },
};
const dtoOf = { joinRoom: RoomDto, leaveRoom: RoomDto, sendMessage: SendMessageDto };

/** Runs one client event: guard, validation, action; the result or the error goes to the ack. */
async function handle(socket, event, payload, ack) {
  let reply;
  try {
    checkAuthenticated(socket.data);
    reply = await actions[event](socket, await validated(dtoOf[event], payload));
  } catch (error) {
    reply = { status: 'error', message: error instanceof ClientError ? error.message : 'Internal server error' };
    socket.emit('exception', reply);
  }
  if (typeof ack === 'function') ack(reply);
}

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxHttpBufferSize: 64 * 1024,
  cors: {
    origin: (origin, callback) => (origin === undefined ? callback(null, true) : callback(new Error('Origin not allowed'), false)),
    credentials: true,
  },
});
const chat = io.of(NAMESPACE);
const socketsPerUser = new Map();
chat.use(authenticate);
chat.on('connection', (socket) => {
  const { userId } = socket.data;
  socketsPerUser.set(userId, (socketsPerUser.get(userId) ?? 0) + 1);
  socket.join(`user:${userId}`);
  for (const event of Object.keys(actions)) {
    socket.on(event, (payload, ack) => handle(socket, event, payload, ack));
  }
  socket.on('disconnect', () => {
    const remaining = socketsPerUser.get(userId) - 1;
    if (remaining > 0) {
      socketsPerUser.set(userId, remaining);
      return;
    }
    socketsPerUser.delete(userId);
    chat.emit('userOffline', { userId });
  });
});
httpServer.listen(Number(port));
process.once('SIGTERM', () => io.close(() => process.exit(0)));
