import {
  BeforeApplicationShutdown,
  Injectable,
  OnModuleDestroy,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RealtimeSettings } from './realtime.settings.js';
import { shutdownNotices } from './realtime.shutdown.js';
import type { ServerShutdownEvent } from './realtime.types.js';

/** Time clients get to act on `serverShutdown` before their sockets close. */
export const SHUTDOWN_NOTICE_MS = 300;

/** The part of a gateway's namespace the drain uses, so any gateway's typed server fits. */
export interface DrainableNamespace {
  /** This instance's sockets of the namespace, whatever the adapter. */
  readonly sockets: ReadonlyMap<
    string,
    { emit(event: 'serverShutdown', notice: ServerShutdownEvent): boolean }
  >;
  readonly local: { disconnectSockets(close: boolean): void };
}

/**
 * Whether this instance is draining, and the one drain of every gateway.
 * Readiness fails from the first step of `app.close()` (which SIGTERM
 * triggers through enableShutdownHooks), while HTTP and sockets are still
 * open, so the load balancer stops sending new clients. Then every client of
 * every namespace a gateway registered with {@link serve} gets one
 * `serverShutdown`, there is one pause, and their sockets close: however
 * many gateways there are, shutdown takes one SHUTDOWN_NOTICE_MS. Each
 * notice names its own `retryAfter` (see shutdownNotices), so the instances
 * that stay take the clients back at a steady rate rather than all at once.
 */
@Injectable()
export class RealtimeLifecycle
  implements OnModuleDestroy, BeforeApplicationShutdown
{
  private isDraining = false;
  private readonly namespaces = new Set<DrainableNamespace>();

  constructor(private readonly settings: RealtimeSettings) {}

  get draining(): boolean {
    return this.isDraining;
  }

  /** Marks this instance as draining; it never serves again. */
  beginDrain(): void {
    this.isDraining = true;
  }

  /** Includes a gateway's namespace in the drain (RealtimeGateways does it for every realtime gateway). */
  serve(namespace: DrainableNamespace): void {
    this.namespaces.add(namespace);
  }

  /**
   * Closes every socket of every served namespace on this instance at once,
   * without a notice: for tests that end an app with no one left to tell.
   */
  closeConnections(): void {
    for (const namespace of this.namespaces) {
      namespace.local.disconnectSockets(true);
    }
  }

  // The first lifecycle hook of app.close().
  onModuleDestroy(): void {
    this.beginDrain();
  }

  // Not onApplicationShutdown: by then the WebSocket server has closed its
  // sockets and a notice would never arrive.
  async beforeApplicationShutdown(): Promise<void> {
    this.beginDrain();
    // An idle instance has no one to notify, so it skips the pause.
    const connected = [...this.namespaces].filter(
      (namespace) => namespace.sockets.size > 0,
    );
    if (connected.length === 0) {
      return;
    }
    const sockets = connected.flatMap((namespace) => [
      ...namespace.sockets.values(),
    ]);
    const notices = shutdownNotices(
      sockets.length,
      this.settings.shutdownRetryAfterMs,
    );
    sockets.forEach((socket, index) =>
      socket.emit('serverShutdown', notices[index]),
    );
    await sleep(SHUTDOWN_NOTICE_MS);
    for (const namespace of connected) {
      namespace.local.disconnectSockets(true);
    }
  }
}
