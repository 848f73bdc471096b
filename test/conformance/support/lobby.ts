// The gateway the runtime's conformance suite runs against: a small room chat written as an app writes a
// feature, with nothing but the package's public entries. The harness also runs the suite in fresh Nest 11
// and Nest 12 apps, on the packed package.
import { ForbiddenException, Module } from '@nestjs/common';
import { ConnectedSocket, MessageBody, WebSocketServer } from '@nestjs/websockets';
import { IsNotEmpty, IsString, Length, MaxLength } from 'class-validator';
import {
  realtimeContract,
  RealtimeRooms,
  type ErrorPayload,
  type PresenceEvent,
  type RealtimeClientEvents,
  type RealtimeServerEvents,
  type RealtimeSocket,
} from 'nest-realtime';

export class RoomDto {
  @Length(1, 64)
  @IsString()
  roomId!: string;
}

export class SendDto extends RoomDto {
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  content!: string;
}

export class JoinedAckDto {
  @IsString()
  status!: 'joined';

  @IsString()
  roomId!: string;
}

export class SentAckDto {
  @IsString()
  status!: 'ok';
}

export class SaidEventDto {
  @IsString()
  sender!: string;

  @IsString()
  content!: string;
}

export interface LobbyClientEvents extends RealtimeClientEvents {
  join: (payload: RoomDto, ack: (response: JoinedAckDto | ErrorPayload) => void) => void;
  leave: (payload: RoomDto) => void;
  say: (payload: SendDto, ack: (response: SentAckDto | ErrorPayload) => void) => void;
  /** Fails as a bug would, to show what a client learns of an internal error. */
  crash: (payload: RoomDto, ack: (response: ErrorPayload) => void) => void;
}

export interface LobbyServerEvents extends RealtimeServerEvents {
  said: (event: SaidEventDto) => void;
  presence: (event: PresenceEvent) => void;
}

export const LOBBY_NAMESPACE = '/lobby';

export type LobbySocket = RealtimeSocket<LobbyClientEvents, LobbyServerEvents>;

const { RealtimeGateway, SubscribeMessage } = realtimeContract<LobbyClientEvents, LobbyServerEvents>();

@RealtimeGateway({
  namespace: LOBBY_NAMESPACE,
  presence: true,
  serverEvents: { said: SaidEventDto },
})
export class LobbyGateway {
  @WebSocketServer()
  readonly server!: LobbySocket['nsp'];

  constructor(private readonly rooms: RealtimeRooms) {}

  @SubscribeMessage('join', { ack: JoinedAckDto })
  async join(@MessageBody() { roomId }: RoomDto, @ConnectedSocket() client: LobbySocket): Promise<JoinedAckDto> {
    await this.rooms.join(client, roomId);
    return { status: 'joined', roomId };
  }

  @SubscribeMessage('leave')
  async leave(@MessageBody() { roomId }: RoomDto, @ConnectedSocket() client: LobbySocket): Promise<void> {
    await this.rooms.leave(client, roomId);
  }

  @SubscribeMessage('say', { ack: SentAckDto })
  say(@MessageBody() { roomId, content }: SendDto, @ConnectedSocket() client: LobbySocket): SentAckDto {
    if (!this.rooms.isMember(client, roomId)) {
      throw new ForbiddenException(`Join room ${roomId} before sending to it`);
    }
    client.to(this.rooms.key(roomId)).emit('said', { sender: client.data.userId, content });
    return { status: 'ok' };
  }

  @SubscribeMessage('crash')
  crash(@MessageBody() { roomId }: RoomDto): never {
    throw new Error(`database password leaked for ${roomId}`);
  }
}

@Module({ providers: [LobbyGateway] })
export class LobbyModule {}
