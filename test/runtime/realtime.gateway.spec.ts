import { Module } from '@nestjs/common';
import { PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ConnectedSocket, MessageBody } from '@nestjs/websockets';
import { IsString } from 'class-validator';
import { realtimeContract } from '../../runtime/realtime.gateway.js';
import type { RealtimeSocket } from '../../runtime/realtime.events.js';
import { createRealtimeTestingApp, type RealtimeTestingApp } from '../../runtime/testing/index.js';
import { RealtimeValidationPipe } from '../../runtime/ws-validation.pipe.js';

class EchoDto {
  @IsString()
  text!: string;
}

interface ClientEvents {
  echo: (payload: EchoDto, ack: (reply: EchoDto) => void) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface ServerEvents {}

const { RealtimeGateway, SubscribeMessage } = realtimeContract<ClientEvents, ServerEvents>();
// Gateways of the same namespace with no events of their own.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
const quiet = realtimeContract<{}, ServerEvents>();

@RealtimeGateway({ namespace: '/shared' })
class EchoGateway {
  @SubscribeMessage('echo', { ack: EchoDto })
  echo(
    @MessageBody() payload: EchoDto,
    @ConnectedSocket() _client: RealtimeSocket<ClientEvents, ServerEvents>,
  ): EchoDto {
    return payload;
  }
}

/** Pipes Nest runs for each parameter of a handler, by parameter index. */
function parameterPipes(gateway: object, method: string): Record<number, unknown[]> {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, gateway, method) as Record<
    string,
    { index: number; pipes?: unknown[] }
  >;
  return Object.fromEntries(Object.values(args).map(({ index, pipes }) => [index, pipes ?? []]));
}

describe('@RealtimeGateway', () => {
  it('validates the body of each handler, refreshToken included, and runs no pipe for the socket', () => {
    expect(parameterPipes(EchoGateway, 'echo')).toEqual({ 0: [RealtimeValidationPipe], 1: [] });
    expect(parameterPipes(EchoGateway, 'refreshToken')).toEqual({ 0: [RealtimeValidationPipe], 1: [] });
    expect(Reflect.getMetadata(PIPES_METADATA, EchoGateway)).toBeUndefined();
  });

  describe('two gateways on one namespace', () => {
    let testing: RealtimeTestingApp | undefined;

    afterEach(async () => {
      await testing?.close();
      testing = undefined;
    });

    it('share one wiring: a user holds as many sockets as allowed, not half', async () => {
      @quiet.RealtimeGateway({ namespace: '/shared' })
      class OtherGateway {}

      @Module({ providers: [EchoGateway, OtherGateway] })
      class SharedModule {}

      testing = await createRealtimeTestingApp({ imports: [SharedModule], limits: { maxSocketsPerUser: 2 } });
      const first = await testing.connect('/shared', 'alice');
      await testing.connect('/shared', 'alice');

      await expect(first.emitWithAck('echo', { text: 'hi' })).resolves.toEqual({ text: 'hi' });
    });

    it('must ask for the same presence and binary attachments', async () => {
      @quiet.RealtimeGateway({ namespace: '/shared', presence: true })
      class PresenceGateway {}

      @Module({ providers: [EchoGateway, PresenceGateway] })
      class MismatchedModule {}

      const starting = createRealtimeTestingApp({ imports: [MismatchedModule] });
      // Should it start after all, afterEach closes it rather than leave Jest waiting on its server.
      starting.then(
        (started) => (testing = started),
        () => undefined,
      );
      await expect(starting).rejects.toThrow('The @RealtimeGateway classes of /shared differ in presence');
    });
  });
});
