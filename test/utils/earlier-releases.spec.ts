import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEarlierReleaseOutput, normalizeForComparison } from '../../src/utils/earlier-releases';

/** realtime.config.ts as the release before records (e55e5d5) generated it in a Nest 12 app. */
const EARLIER_CONFIG = readFileSync(join(__dirname, '../fixtures/earlier-release/realtime.config.ts.txt'), 'utf-8');
const EARLIER_GATEWAY = readFileSync(join(__dirname, '../fixtures/earlier-release/chat.gateway.ts.txt'), 'utf-8');
const CHAT = { fileName: 'chat', className: 'Chat', propertyName: 'chat', corsOriginsEnv: 'CORS_ORIGINS' };

describe('normalizeForComparison', () => {
  it('ignores layout, trailing commas and the .js of relative imports', () => {
    expect(normalizeForComparison("import { a, b } from './a.js';\nf(\n  a,\n  b,\n);\n")).toBe(
      normalizeForComparison("import {a, b} from './a'; f(a, b);"),
    );
  });

  it('ignores the semicolon Prettier puts after the last member of a multi-line type literal', () => {
    expect(normalizeForComparison('type F = (options: {\n  prefix: string;\n  points: number;\n}) => Limiter;\n')).toBe(
      normalizeForComparison('type F = (options: { prefix: string; points: number }) => Limiter;'),
    );
  });

  it('keeps what changes the code', () => {
    expect(normalizeForComparison("f('a')")).not.toBe(normalizeForComparison("f('b')"));
    expect(normalizeForComparison("import x from 'pkg.js'")).not.toBe(normalizeForComparison("import x from 'pkg'"));
  });
});

describe('isEarlierReleaseOutput', () => {
  it("recognises a kit file and a feature file as that release generated them, in either host's module system", () => {
    expect(isEarlierReleaseOutput('realtime-kit/realtime.config.ts', EARLIER_CONFIG, CHAT)).toBe(true);
    expect(isEarlierReleaseOutput('realtime-kit/realtime.config.ts', EARLIER_CONFIG.replace(/\.js'/g, "'"), CHAT)).toBe(
      true,
    );
    expect(isEarlierReleaseOutput('realtime-gateway/feature/__name__.gateway.ts', EARLIER_GATEWAY, CHAT)).toBe(true);
  });

  it('does not recognise an edited file, other values, or another template', () => {
    const edited = EARLIER_CONFIG.replace('.trim()', '.trim().toLowerCase()');
    expect(isEarlierReleaseOutput('realtime-kit/realtime.config.ts', edited, CHAT)).toBe(false);
    expect(
      isEarlierReleaseOutput('realtime-kit/realtime.config.ts', EARLIER_CONFIG, { corsOriginsEnv: 'ALLOWED_ORIGINS' }),
    ).toBe(false);
    expect(
      isEarlierReleaseOutput('realtime-gateway/feature/__name__.gateway.ts', EARLIER_GATEWAY, {
        ...CHAT,
        fileName: 'support',
      }),
    ).toBe(false);
    expect(isEarlierReleaseOutput('realtime-kit/realtime.auth.ts', EARLIER_CONFIG, CHAT)).toBe(false);
  });
});
