import { Logger } from '@nestjs/common';
import { GatewayMetadata } from '@nestjs/websockets';
import { SHUTDOWN_NOTICE_MS } from '../../runtime/realtime.lifecycle';
import { realtimeServerOptions } from '../../runtime/realtime.server-options';
import { RealtimeSettings } from '../../runtime/realtime.settings';
import { RUNTIME_SERVER_SETTINGS } from '../../src/utils/realtime-settings';

/**
 * realtime-k8s derives the ingress timeouts, session affinity and the grace period from RUNTIME_SERVER_SETTINGS,
 * so they must be what the runtime serves every gateway with: read here from the runtime's own sources.
 */
describe('RUNTIME_SERVER_SETTINGS', () => {
  let served: Readonly<GatewayMetadata>;

  beforeAll(() => {
    // The server options do not depend on the environment, so none is given; the development-secret warning
    // that an empty environment earns is not this test's subject.
    Logger.overrideLogger(false);
    served = realtimeServerOptions(RealtimeSettings.resolve({ env: {} }));
  });

  it("is the runtime's heartbeat", () => {
    expect(RUNTIME_SERVER_SETTINGS.pingIntervalMs).toBe(served.pingInterval);
    expect(RUNTIME_SERVER_SETTINGS.pingTimeoutMs).toBe(served.pingTimeout);
  });

  it("says whether the runtime polls, socket.io's default when it lists no transports", () => {
    expect(RUNTIME_SERVER_SETTINGS.polling).toBe(served.transports?.includes('polling') ?? true);
  });

  it("is the runtime's shutdown notice", () => {
    expect(RUNTIME_SERVER_SETTINGS.shutdownNoticeMs).toBe(SHUTDOWN_NOTICE_MS);
  });
});
