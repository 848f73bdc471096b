/** The app's socket.io heartbeat, transports and shutdown notice, which the deploy manifests must agree with. */
export interface RealtimeServerSettings {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** HTTP long-polling is enabled, so a client's requests must stick to one pod. */
  polling: boolean;
  shutdownNoticeMs: number;
}

/**
 * What the nest-realtime runtime serves every gateway with (its `realtimeServerOptions` and
 * `SHUTDOWN_NOTICE_MS`): WebSocket only, a 25 s ping and 20 s pong timeout, a 300 ms shutdown notice.
 * test/utils/realtime-settings.spec.ts checks these against the runtime itself.
 */
export const RUNTIME_SERVER_SETTINGS: Readonly<RealtimeServerSettings> = {
  pingIntervalMs: 25_000,
  pingTimeoutMs: 20_000,
  polling: false,
  shutdownNoticeMs: 300,
};
