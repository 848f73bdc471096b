import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { RealtimeModule } from '../realtime.module.js';
import type { RealtimeModuleOptions } from '../realtime.options.js';
import { TEST_AUTH_ENVIRONMENT } from './tokens.js';

/**
 * A compiled testing module with RealtimeModule, for unit tests of gateways
 * and services: the runtime's providers (RealtimeRooms, RealtimeAuth, …) are
 * real, tokens are HS256 with TEST_JWT_SECRET, and no server listens.
 *
 * @example
 * const moduleRef = await createRealtimeTestingModule({ providers: [ChatGateway] });
 * const gateway = moduleRef.get(ChatGateway);
 */
export function createRealtimeTestingModule(
  metadata: ModuleMetadata & { realtime?: RealtimeModuleOptions },
): Promise<TestingModule> {
  const { realtime = {}, imports = [], ...rest } = metadata;
  return Test.createTestingModule({
    ...rest,
    imports: [
      RealtimeModule.forRoot({
        ...realtime,
        env: { ...(realtime.env ?? process.env), ...TEST_AUTH_ENVIRONMENT },
      }),
      ...imports,
    ],
  }).compile();
}
