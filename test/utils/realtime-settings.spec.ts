import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readRealtimeServerSettings } from '../../src/utils/realtime-settings';

function configTree(source: string): UnitTestTree {
  const tree = new UnitTestTree(new HostTree());
  tree.create('/src/realtime/realtime.config.ts', source);
  return tree;
}

describe('readRealtimeServerSettings', () => {
  it('reads the heartbeat, transports and shutdown notice the kit declares', () => {
    const tree = configTree(`
      export const SHUTDOWN_NOTICE_MS = 1_500;
      export const REALTIME_SERVER_OPTIONS: Readonly<GatewayMetadata> = {
        transports: ['websocket'],
        pingInterval: 10_000,
        pingTimeout: 5000,
        cors: { origin: checkOrigin, credentials: true },
      };`);
    expect(readRealtimeServerSettings(tree, '/src/realtime/realtime.config.ts')).toEqual({
      settings: { pingIntervalMs: 10_000, pingTimeoutMs: 5_000, polling: false, shutdownNoticeMs: 1_500 },
      assumed: [],
    });
  });

  it('sees through `as const` and treats a missing transports list as polling, like socket.io', () => {
    const tree = configTree(`
      export const SHUTDOWN_NOTICE_MS = 300;
      export const REALTIME_SERVER_OPTIONS = { pingInterval: 25_000, pingTimeout: 20_000 } as const;`);
    const { settings, assumed } = readRealtimeServerSettings(tree, '/src/realtime/realtime.config.ts');
    expect(settings.polling).toBe(true);
    expect(assumed).toEqual([]);
  });

  it('falls back to socket.io defaults for values that are not literals, and names them', () => {
    const tree = configTree(`
      const base = 30_000;
      export const REALTIME_SERVER_OPTIONS = { transports: TRANSPORTS, pingInterval: base, pingTimeout: 20_000 };`);
    const { settings, assumed } = readRealtimeServerSettings(tree, '/src/realtime/realtime.config.ts');
    expect(settings).toEqual({ pingIntervalMs: 25_000, pingTimeoutMs: 20_000, polling: true, shutdownNoticeMs: 300 });
    expect(assumed).toEqual([
      'REALTIME_SERVER_OPTIONS.transports',
      'REALTIME_SERVER_OPTIONS.pingInterval',
      'SHUTDOWN_NOTICE_MS',
    ]);
  });
});
