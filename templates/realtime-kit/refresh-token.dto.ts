import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { RefreshTokenPayload } from './realtime.contract.js';

/** Payload of `refreshToken`: the socket's new token. */
export class RefreshTokenDto implements RefreshTokenPayload {
  // Identity-provider tokens with many claims stay well under this.
  @MaxLength(8192)
  @IsNotEmpty()
  @IsString()
  token!: string;
}
