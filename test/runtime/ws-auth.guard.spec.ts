import type { ExecutionContext } from '@nestjs/common';
import { RealtimeErrorCode, RealtimeException } from '../../runtime/realtime.errors.js';
import type { SocketData } from '../../runtime/realtime.types.js';
import { WsAuthGuard } from '../../runtime/ws-auth.guard.js';

function contextFor(data: Partial<SocketData>): ExecutionContext {
  const context = { switchToWs: () => ({ getClient: () => ({ data }) }) };
  return context as unknown as ExecutionContext;
}

const guard = new WsAuthGuard();

function refusal(context: ExecutionContext): unknown {
  try {
    guard.canActivate(context);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('WsAuthGuard', () => {
  it('lets an authenticated socket through', () => {
    const context = contextFor({
      userId: 'alice',
      tokenExpiresAt: Date.now() + 60_000,
    });

    expect(guard.canActivate(context)).toBe(true);
  });

  it('refuses a socket without a token expiry', () => {
    expect(refusal(contextFor({ userId: 'alice' }))).toMatchObject({
      code: RealtimeErrorCode.Unauthorized,
      message: 'Unauthorized: token expired',
    });
  });

  it('refuses a socket that never authenticated', () => {
    const error = refusal(contextFor({}));

    expect(error).toBeInstanceOf(RealtimeException);
    expect(error).toMatchObject({ code: RealtimeErrorCode.Unauthorized });
  });

  it('refuses a socket whose token expired after the handshake', () => {
    const context = contextFor({
      userId: 'alice',
      tokenExpiresAt: Date.now() - 1,
    });

    expect(refusal(context)).toMatchObject({
      code: RealtimeErrorCode.Unauthorized,
      message: 'Unauthorized: token expired',
    });
  });
});
