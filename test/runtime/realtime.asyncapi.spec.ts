import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { MessageBody, SubscribeMessage as NestSubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { buildAsyncApiDocument, discoverGateways, type AsyncApiDocument } from '../../runtime/realtime.asyncapi.js';
import { AuthMode, resolveAuthConfig } from '../../runtime/realtime.auth.js';
import {
  RealtimeErrorCode,
  type ErrorPayload,
  type RealtimeClientEvents,
  type RealtimeServerEvents,
} from '../../runtime/realtime.contract.js';
import { realtimeContract } from '../../runtime/realtime.gateway.js';
import { createRealtimeTestingModule } from '../../runtime/testing/testing-module.js';

class AttachmentDto {
  @IsUUID()
  id!: string;

  @IsOptional()
  @Matches(/^[a-z]+\/[a-z0-9.+-]+$/)
  mediaType?: string;
}

class PostDto {
  @Length(1, 40)
  @IsString()
  roomId!: string;

  @MaxLength(2000)
  @IsString()
  content!: string;

  @IsOptional()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];
}

class PostAckDto {
  @IsIn(['ok'])
  status!: 'ok';

  @IsInt()
  @Min(1)
  sequence!: number;
}

class PostedEventDto {
  @IsString()
  roomId!: string;

  @IsInt()
  @Max(100)
  priority!: number;
}

interface BoardClientEvents extends RealtimeClientEvents {
  post: (payload: PostDto, ack: (response: PostAckDto | ErrorPayload) => void) => void;
}

interface BoardServerEvents extends RealtimeServerEvents {
  posted: (event: PostedEventDto) => void;
}

const { RealtimeGateway, SubscribeMessage } = realtimeContract<BoardClientEvents, BoardServerEvents>();

// refreshToken comes from the runtime, documented like a written handler.
@RealtimeGateway({ namespace: '/board', serverEvents: { posted: PostedEventDto } })
class BoardGateway {
  @SubscribeMessage('post', { ack: PostAckDto })
  post(@MessageBody() { roomId }: PostDto): PostAckDto {
    return { status: 'ok', sequence: roomId.length };
  }
}

/** A gateway written with Nest's own decorators only, as before the kit typed them. */
@WebSocketGateway({ namespace: 'notes' })
class NotesGateway {
  @NestSubscribeMessage('note:add')
  add(@MessageBody() note: AttachmentDto): string {
    return note.id;
  }
}

const HS256 = resolveAuthConfig({ JWT_SECRET: 'x'.repeat(32) }, AuthMode.Hs256);

async function documentOf(
  options: Parameters<typeof buildAsyncApiDocument>[1] = { auth: HS256 },
): Promise<AsyncApiDocument> {
  const module = await createRealtimeTestingModule({
    providers: [BoardGateway, NotesGateway],
  });
  try {
    return buildAsyncApiDocument(module, options);
  } finally {
    await module.close();
  }
}

type Json = Record<string, unknown>;

/** Follows a local `$ref` (`#/a/b`) in the document. */
function resolve(document: AsyncApiDocument, reference: unknown): Json {
  const { $ref } = reference as { $ref: string };
  return $ref
    .slice(2)
    .split('/')
    .reduce<Json>((node, key) => node[key] as Json, document as unknown as Json);
}

function messagesOf(document: AsyncApiDocument, operation: string): Json[] {
  const { messages } = document.operations[operation] as { messages: Json[] };
  return messages.map((message) => resolve(document, message));
}

describe('buildAsyncApiDocument', () => {
  it('is a valid AsyncAPI 3.0 document', async () => {
    const document = await documentOf();

    const diagnostics = await new Parser().validate(document);

    // Compared as numbers: the parser's diagnostics carry the enum of its own copy of @stoplight/types.
    const errors = diagnostics.filter((diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error));
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(document.asyncapi).toBe('3.0.0');
  }, 30_000);

  it('finds the gateways of the running app with their events', async () => {
    const module = await createRealtimeTestingModule({
      providers: [BoardGateway, NotesGateway],
    });

    const gateways = discoverGateways(module);
    await module.close();

    expect(
      gateways.map(({ namespace, clientEvents, serverEvents }) => ({
        namespace,
        clientEvents: clientEvents.map(({ event }) => event),
        serverEvents: serverEvents.map(({ event }) => event),
      })),
    ).toEqual([
      {
        namespace: '/board',
        clientEvents: ['post', 'refreshToken'],
        serverEvents: ['posted', 'exception', 'serverShutdown'],
      },
      {
        namespace: '/notes',
        clientEvents: ['note:add'],
        serverEvents: ['exception', 'serverShutdown'],
      },
    ]);
  });

  it('makes each namespace a channel and each client event an operation the server receives', async () => {
    const document = await documentOf();

    expect(document.channels.board).toMatchObject({ address: '/board' });
    expect(document.operations.board_post).toMatchObject({
      action: 'receive',
      channel: { $ref: '#/channels/board' },
    });
    expect(messagesOf(document, 'board_post')).toEqual([
      expect.objectContaining({
        name: 'post',
        payload: { $ref: '#/components/schemas/PostDto' },
      }),
    ]);
  });

  it("replies with the ack's class and the error payload with every error code", async () => {
    const document = await documentOf();
    const { reply } = document.operations.board_post as { reply: Json };

    const replies = (reply.messages as Json[]).map((message) => resolve(document, message));

    expect(replies.map((message) => message.payload)).toEqual([
      { $ref: '#/components/schemas/PostAckDto' },
      { $ref: '#/components/schemas/ErrorPayloadDto' },
    ]);
    expect(document.components.schemas.ErrorPayloadDto).toMatchObject({
      properties: {
        status: { const: 'error' },
        code: { enum: Object.values(RealtimeErrorCode) },
      },
      required: ['status', 'code', 'message'],
    });
    expect(document.components.schemas.PostAckDto).toMatchObject({
      properties: {
        status: { enum: ['ok'] },
        sequence: { type: 'integer', minimum: 1 },
      },
    });
  });

  it("derives payload schemas from the classes' validation rules", async () => {
    const { components } = await documentOf();

    expect(components.schemas.PostDto).toEqual({
      type: 'object',
      properties: {
        roomId: { type: 'string', minLength: 1, maxLength: 40 },
        content: { type: 'string', maxLength: 2000 },
        attachments: {
          type: 'array',
          maxItems: 4,
          items: { $ref: '#/components/schemas/AttachmentDto' },
        },
      },
      required: ['roomId', 'content'],
      additionalProperties: false,
    });
    expect(components.schemas.AttachmentDto).toMatchObject({
      properties: {
        id: { type: 'string', format: 'uuid' },
        mediaType: { type: 'string', pattern: '^[a-z]+\\/[a-z0-9.+-]+$' },
      },
      required: ['id'],
    });
    expect(components.schemas.RefreshTokenDto).toMatchObject({
      properties: { token: { type: 'string', maxLength: 8192 } },
    });
  });

  it('makes every emitted event, the kit’s included, an operation the server sends', async () => {
    const document = await documentOf();

    const sent = Object.values(document.operations)
      .filter((operation) => operation.action === 'send')
      .map((operation) => resolve(document, (operation.messages as Json[])[0]))
      .map((message) => [message.name, message.payload]);

    expect(sent).toEqual([
      ['posted', { $ref: '#/components/schemas/PostedEventDto' }],
      ['exception', { $ref: '#/components/schemas/ErrorPayloadDto' }],
      ['serverShutdown', { $ref: '#/components/schemas/ServerShutdownEventDto' }],
      ['exception', { $ref: '#/components/schemas/ErrorPayloadDto' }],
      ['serverShutdown', { $ref: '#/components/schemas/ServerShutdownEventDto' }],
    ]);
    expect(document.components.schemas.PostedEventDto).toMatchObject({
      properties: { priority: { type: 'integer', maximum: 100 } },
    });
  });

  it('documents a handler written with plain Nest decorators, without a reply', async () => {
    const document = await documentOf();

    const operation = document.operations.notes_note_add;

    expect(operation).toMatchObject({ action: 'receive' });
    expect(operation.reply).toBeUndefined();
    expect(messagesOf(document, 'notes_note_add')).toEqual([
      expect.objectContaining({
        name: 'note:add',
        payload: { $ref: '#/components/schemas/AttachmentDto' },
      }),
    ]);
  });

  it('describes the handshake JWT as the security scheme, by auth mode', async () => {
    const jwks = resolveAuthConfig(
      {
        JWKS_URI: 'https://idp.example.test/keys',
        JWT_ISSUER: 'https://idp.example.test',
        JWT_AUDIENCE: 'board-api',
      },
      AuthMode.Jwks,
    );

    const hs256 = (await documentOf({ auth: HS256 })).components;
    const verifiedByJwks = (await documentOf({ auth: jwks })).components;

    expect(hs256.securitySchemes.jwt).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: expect.stringContaining('HS256') as unknown,
    });
    expect(verifiedByJwks.securitySchemes.jwt.description).toEqual(
      expect.stringContaining('verified against its key set at https://idp.example.test/keys'),
    );
    expect(verifiedByJwks.securitySchemes.jwt.description).not.toContain('x'.repeat(32));
  });

  it('names the gateway and event whose declared class is missing', async () => {
    // What a class imported in a cycle is when the decorator runs.
    @RealtimeGateway({
      namespace: '/broken',
      serverEvents: { posted: undefined as unknown as typeof PostedEventDto },
    })
    class BrokenGateway {
      @SubscribeMessage('post', { ack: PostAckDto })
      post(): PostAckDto {
        return { status: 'ok', sequence: 1 };
      }
    }
    const module = await createRealtimeTestingModule({
      providers: [BrokenGateway],
    });

    expect(() => buildAsyncApiDocument(module, { auth: HS256 })).toThrow(
      '"posted" in the serverEvents of BrokenGateway is undefined, not a class.',
    );
    await module.close();
  });

  it('takes the server and title from the options', async () => {
    const document = await documentOf({
      auth: HS256,
      title: 'Board',
      version: '2.1.0',
      host: 'board.example.test',
      protocol: 'wss',
    });

    expect(document.info).toEqual({ title: 'Board', version: '2.1.0' });
    expect(document.servers.realtime).toMatchObject({
      host: 'board.example.test',
      protocol: 'wss',
      security: [{ $ref: '#/components/securitySchemes/jwt' }],
    });
  });
});
