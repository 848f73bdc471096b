import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RealtimeErrorCode, RealtimeException } from './realtime.errors.js';
import type { SocketData } from './realtime.types.js';

/**
 * Re-checks authentication on every event: the handshake middleware runs once,
 * but a connection can outlive its token.
 */
@Injectable()
export class WsAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { data } = context
      .switchToWs()
      .getClient<{ data: Partial<SocketData> }>();
    if (!data.userId) {
      throw new RealtimeException(
        RealtimeErrorCode.Unauthorized,
        'Unauthorized: not authenticated',
      );
    }
    if ((data.tokenExpiresAt ?? 0) <= Date.now()) {
      throw new RealtimeException(
        RealtimeErrorCode.Unauthorized,
        'Unauthorized: token expired',
      );
    }
    return true;
  }
}
