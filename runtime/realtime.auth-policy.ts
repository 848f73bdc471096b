import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import type { Socket } from 'socket.io';
import { RealtimeErrorCode, RealtimeException } from './realtime.errors.js';

/** The claims of a verified token: its signature, algorithm, `exp`, `nbf`, `iss` and `aud` hold. */
export interface RealtimeTokenClaims extends JWTPayload {
  sub: string;
  exp: number;
}

/** What the policy sees of a connecting client besides its token. */
export type RealtimeHandshake = Pick<
  Socket['handshake'],
  'address' | 'headers' | 'query' | 'auth'
>;

/** Who a socket belongs to: its user's room, presence, limits and `client.data.userId` use it. */
export interface RealtimeUser {
  userId: string;
}

/**
 * Who may connect, and who they are once connected. The runtime verifies
 * every handshake's token first (signature, algorithm, `exp`, `nbf`, `iss`,
 * `aud`), then asks this policy. The default takes the token's `sub` as the
 * user and lets every verified token in; an app changes that by extending
 * the class and giving it to RealtimeModule as `authPolicy`, as it would
 * extend ThrottlerGuard.
 *
 * @example
 * @Injectable()
 * export class AuthPolicy extends RealtimeAuthPolicy {
 *   constructor(private readonly users: UsersService) {
 *     super();
 *   }
 *
 *   override async authenticate(claims: RealtimeTokenClaims): Promise<RealtimeUser> {
 *     if (await this.users.isSuspended(claims.sub)) {
 *       this.forbid('This account is suspended');
 *     }
 *     return { userId: claims.sub };
 *   }
 * }
 */
@Injectable()
export class RealtimeAuthPolicy {
  /**
   * The user a verified token belongs to. Called for every handshake, and
   * again for every `refreshToken` (which must name the same user). Throw a
   * RealtimeException to refuse; the client gets its code and message.
   */
  authenticate(
    claims: RealtimeTokenClaims,
    // The default needs only the token; an override may also check where the client connects from.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    _handshake: RealtimeHandshake,
  ): RealtimeUser | Promise<RealtimeUser> {
    return { userId: claims.sub };
  }

  /** Refuses the client with `FORBIDDEN` and `message` (its `connect_error`, or the refresh's ack). */
  protected forbid(message: string): never {
    throw new RealtimeException(RealtimeErrorCode.Forbidden, message);
  }
}
