import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Payload of `refreshToken`: the socket's new token. */
export class RefreshTokenDto {
  // Identity-provider tokens with many claims stay well under this.
  @MaxLength(8192)
  @IsNotEmpty()
  @IsString()
  token!: string;
}
