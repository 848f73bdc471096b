import { withImportExtension } from '../../src/utils/template-source';

const SOURCE = [
  "import { Module } from '@nestjs/common';",
  "import { HealthController } from './health.controller.js';",
  "import { MetricsController } from './metrics.controller.js';",
  "import { other, MetricsController as Alias } from '../shared/other.js';",
  "export { RealtimeAuth } from './realtime.auth.js';",
  "export type { Ack } from './realtime.types.js';",
  "import data from './data.json';",
  '',
  "export const CORS_ORIGINS_VARIABLE = 'CORS_ORIGINS';",
  "const text = './not-an-import.js';",
  "const redis = () => import('./redis/redis.client.js');",
  "const emitter = () => import('@socket.io/redis-emitter');",
  '',
  '@Module({ controllers: [HealthController, MetricsController], providers: [MetricsController] })',
  'export class RealtimeModule {}',
  '',
].join('\n');

describe('withImportExtension', () => {
  it('drops .js from relative imports and exports for a CommonJS host, keeping packages and strings', () => {
    const adapted = withImportExtension('a.ts', SOURCE, '');

    expect(adapted).toContain("from './health.controller';");
    expect(adapted).toContain("from '../shared/other';");
    expect(adapted).toContain("export { RealtimeAuth } from './realtime.auth';");
    expect(adapted).toContain("export type { Ack } from './realtime.types';");
    expect(adapted).toContain("from '@nestjs/common';");
    expect(adapted).toContain("from './data.json';");
    expect(adapted).toContain("const text = './not-an-import.js';");
    expect(adapted).toContain("import('./redis/redis.client')");
    expect(adapted).toContain("import('@socket.io/redis-emitter')");
  });

  it('leaves an ES module host its .js suffixes, byte for byte', () => {
    expect(withImportExtension('a.ts', SOURCE, '.js')).toBe(SOURCE);
  });
});
