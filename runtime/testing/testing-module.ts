import type { DynamicModule, ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { RealtimeModule } from '../realtime.module.js';
import type { RealtimeModuleOptions } from '../realtime.options.js';
import { MANAGEMENT_PORT_VARIABLE } from '../realtime.settings.js';
import { TEST_AUTH_ENVIRONMENT } from './tokens.js';

/**
 * RealtimeModule as tests declare it: the app's options, tokens verified as
 * HS256 with TEST_JWT_SECRET, and no management server, since test apps run
 * side by side and one port from the app's options or the shell would
 * collide; `env` (a test's own variables) wins over all of it.
 */
export function testingRealtimeModule(
  realtime: RealtimeModuleOptions,
  env: Record<string, string | undefined> = {},
): DynamicModule {
  return RealtimeModule.forRoot({
    ...realtime,
    managementPort: undefined,
    env: {
      ...(realtime.env ?? process.env),
      ...TEST_AUTH_ENVIRONMENT,
      [MANAGEMENT_PORT_VARIABLE]: undefined,
      ...env,
    },
  });
}

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
    imports: [testingRealtimeModule(realtime), ...imports],
  }).compile();
}
