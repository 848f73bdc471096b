/**
 * nest-realtime/testing: what a feature's tests need to run the app as
 * main.ts does and talk to it as clients do. Import it from test files only
 * (it uses @nestjs/testing and socket.io-client).
 */
export {
  createRealtimeTestingApp,
  type RealtimeTestingApp,
  type RealtimeTestingOptions,
} from './testing-app.js';
export { createRealtimeTestingModule } from './testing-module.js';
export { FakeNamespace, FakeSocket, type SentEvent } from './fake-socket.js';
export {
  TEST_JWT_SECRET,
  nowSeconds,
  signTestToken,
  testTokenFor,
} from './tokens.js';
export {
  TEST_TIMEOUT_MS,
  collectEvents,
  connected,
  disconnected,
  handshakeOutcome,
  nextEvent,
  openTestClient,
  refused,
  type Refusal,
  type TestClientOptions,
} from './clients.js';
export {
  REDIS_SERVER_BINARY,
  RedisServer,
  SKIP_REASON_WITHOUT_REDIS,
  freePort,
} from './redis-server.js';
