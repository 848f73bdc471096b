import {
  BeforeApplicationShutdown,
  Injectable,
  OnModuleDestroy,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHUTDOWN_NOTICE_MS } from './realtime.config.js';
import {
  resolveShutdownRetryAfterMs,
  shutdownNotices,
} from './realtime.shutdown.js';
import type { ServerShutdownEvent } from './realtime.types.js';

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
  // Read at startup, so an invalid value fails there and not at shutdown.
  private readonly retryAfterMs = resolveShutdownRetryAfterMs();

  get draining(): boolean {
    return this.isDraining;
  }

  /** Marks this instance as draining; it never serves again. */
  beginDrain(): void {
    this.isDraining = true;
  }

  /**
   * Includes a gateway's namespace in the drain.
   *
   * @example
   * afterInit(server: OrdersServer) {
   *   this.lifecycle.serve(server);
   * }
   */
  serve(namespace: DrainableNamespace): void {
    this.namespaces.add(namespace);
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
    const notices = shutdownNotices(sockets.length, this.retryAfterMs);
    sockets.forEach((socket, index) =>
      socket.emit('serverShutdown', notices[index]),
    );
    await sleep(SHUTDOWN_NOTICE_MS);
    for (const namespace of connected) {
      namespace.local.disconnectSockets(true);
    }
  }
}
