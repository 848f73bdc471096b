import { Type } from 'class-transformer';
import {
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  RealtimeErrorCode,
  type ErrorPayload,
  type FieldError,
  type PresenceEvent,
  type RefreshTokenAck,
  type RefreshTokenPayload,
  type ServerShutdownEvent,
} from './realtime.contract.js';

/*
 * The runtime's side of the wire format, as classes: what the AsyncAPI
 * document describes for every gateway. Each implements its contract type,
 * so the two cannot drift apart.
 */

export class FieldErrorDto implements FieldError {
  @IsString()
  field!: string;

  @IsObject()
  constraints!: Record<string, string>;
}

/** An error ack, or the `exception` event when the client sent no ack. */
export class ErrorPayloadDto implements ErrorPayload {
  @Equals('error')
  status!: 'error';

  @IsIn(Object.values(RealtimeErrorCode))
  code!: RealtimeErrorCode;

  @IsString()
  message!: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FieldErrorDto)
  fields?: FieldErrorDto[];

  @IsOptional()
  @IsInt()
  @Min(0)
  retryAfterMs?: number;
}

export class ServerShutdownEventDto implements ServerShutdownEvent {
  @IsString()
  message!: string;

  @IsInt()
  @Min(0)
  retryAfter!: number;
}

export class PresenceEventDto implements PresenceEvent {
  @IsString()
  roomId!: string;

  @IsArray()
  @IsString({ each: true })
  joined!: string[];

  @IsArray()
  @IsString({ each: true })
  left!: string[];

  @IsArray()
  @IsString({ each: true })
  offline!: string[];
}

export class RefreshTokenAckDto implements RefreshTokenAck {
  @Equals('refreshed')
  status!: 'refreshed';

  @IsInt()
  expiresAt!: number;
}

/** Payload of `refreshToken`: the socket's new token. */
export class RefreshTokenDto implements RefreshTokenPayload {
  // Identity-provider tokens with many claims stay well under this.
  @MaxLength(8192)
  @IsNotEmpty()
  @IsString()
  token!: string;
}
