// A second fixture gateway: a namespace that accepts binary attachments, as a file upload feature declares
// it. Every other namespace of the app keeps closing a connection that sends one.
import { Module } from '@nestjs/common';
import { MessageBody } from '@nestjs/websockets';
import { IsInstance, IsInt, IsString, Length } from 'class-validator';
import {
  realtimeContract,
  type ErrorPayload,
  type RealtimeClientEvents,
  type RealtimeServerEvents,
} from 'nest-realtime';
import type { Socket } from 'socket.io-client';

export class UploadDto {
  @Length(1, 128)
  @IsString()
  name!: string;

  @IsInstance(Buffer)
  data!: Buffer;
}

export class StoredAckDto {
  @IsString()
  status!: 'stored';

  @IsString()
  name!: string;

  @IsInt()
  bytes!: number;
}

export interface FilesClientEvents extends RealtimeClientEvents {
  upload: (payload: UploadDto, ack: (response: StoredAckDto | ErrorPayload) => void) => void;
}

export type FilesServerEvents = RealtimeServerEvents;

export const FILES_NAMESPACE = '/files';

/** A client of the files namespace, typed by its contract. */
export type FilesClient = Socket<FilesServerEvents, FilesClientEvents>;

const { RealtimeGateway, SubscribeMessage } = realtimeContract<FilesClientEvents, FilesServerEvents>();

@RealtimeGateway({ namespace: FILES_NAMESPACE, binaryAttachments: true })
export class FilesGateway {
  @SubscribeMessage('upload', { ack: StoredAckDto })
  upload(@MessageBody() { name, data }: UploadDto): StoredAckDto {
    return { status: 'stored', name, bytes: data.length };
  }
}

@Module({ providers: [FilesGateway] })
export class FilesModule {}
