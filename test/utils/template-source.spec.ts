import { SchematicsException } from '@angular-devkit/schematics';
import { withConstValue, withImportExtension, withoutImported } from '../../src/utils/template-source';

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
  });

  it('leaves an ES module host its .js suffixes, byte for byte', () => {
    expect(withImportExtension('a.ts', SOURCE, '.js')).toBe(SOURCE);
  });
});

describe('withConstValue', () => {
  it('sets the initializer of a top-level const and nothing else', () => {
    const adapted = withConstValue('a.ts', SOURCE, 'CORS_ORIGINS_VARIABLE', "'ALLOWED_ORIGINS'");

    expect(adapted).toBe(SOURCE.replace("= 'CORS_ORIGINS'", "= 'ALLOWED_ORIGINS'"));
  });

  it('fails naming the template when the const is missing', () => {
    expect(() => withConstValue('realtime.config.ts', SOURCE, 'MISSING', "'x'")).toThrow(
      new SchematicsException('Template realtime.config.ts declares no top-level const MISSING to set.'),
    );
  });
});

describe('withoutImported', () => {
  it("removes the class's own import and every array element naming it", () => {
    const adapted = withoutImported('a.ts', SOURCE, 'MetricsController');

    expect(adapted).not.toContain("from './metrics.controller.js'");
    expect(adapted).toContain('controllers: [HealthController]');
    expect(adapted).toContain('providers: []');
    // An import that binds the name under another local name is not the class's import.
    expect(adapted).toContain("import { other, MetricsController as Alias } from '../shared/other.js';");
  });

  it('removes the first element of a list with the comma after it', () => {
    const source = "import { A, B } from './ab.js';\nconst list = [A, B];\n";

    expect(withoutImported('a.ts', source, 'A')).toBe("import { B } from './ab.js';\nconst list = [B];\n");
  });

  it('fails naming the template when nothing imports the class', () => {
    expect(() => withoutImported('realtime.module.ts', 'const x = 1;\n', 'MetricsController')).toThrow(
      /realtime.module.ts does not import MetricsController/,
    );
  });
});
