import { detectHostProject } from '../../src/utils/host-project';
import { globToRegExp, runnerPatterns, SpecKind, unmatchedSpecWarning } from '../../src/utils/test-runner-patterns';
import { createNestAppTree } from '../fixtures/nest-app';

describe('runnerPatterns', () => {
  it('reads Jest’s testRegex from package.json and test/jest-e2e.json', () => {
    const tree = createNestAppTree(11);
    const manifest = JSON.parse(tree.readContent('/package.json')) as Record<string, unknown>;
    tree.overwrite('/package.json', JSON.stringify({ ...manifest, jest: { testRegex: '.*\\.spec\\.ts$' } }));
    tree.overwrite('/test/jest-e2e.json', JSON.stringify({ testRegex: '.e2e-spec.ts$' }));
    const host = detectHostProject(tree);

    expect(runnerPatterns(tree, host, SpecKind.Unit)?.matches('/src/chat/chat.gateway.spec.ts')).toBe(true);
    expect(runnerPatterns(tree, host, SpecKind.Unit)?.matches('/src/chat/chat.gateway.test.ts')).toBe(false);
    expect(runnerPatterns(tree, host, SpecKind.E2e)?.matches('/test/chat.e2e-spec.ts')).toBe(true);
  });

  it('reads Vitest’s include globs from its two configs', () => {
    const tree = createNestAppTree(12);
    tree.overwrite('/vitest.config.ts', `export default { test: { include: ['**/*.test.ts'] } };\n`);
    tree.overwrite('/vitest.config.e2e.ts', `export default { test: { include: ['test/**/*.e2e-test.ts'] } };\n`);
    const host = detectHostProject(tree);

    expect(runnerPatterns(tree, host, SpecKind.Unit)?.matches('src/chat/chat.gateway.test.ts')).toBe(true);
    expect(runnerPatterns(tree, host, SpecKind.E2e)?.matches('test/chat.e2e-test.ts')).toBe(true);
    expect(runnerPatterns(tree, host, SpecKind.E2e)?.matches('test/chat.e2e-spec.ts')).toBe(false);
  });

  it('knows nothing of a config it cannot read', () => {
    const tree = createNestAppTree(11);
    expect(runnerPatterns(tree, detectHostProject(tree), SpecKind.Unit)).toBeUndefined();
  });
});

describe('unmatchedSpecWarning', () => {
  it('says which config would not run the spec, and what to do', () => {
    const tree = createNestAppTree(12);
    tree.overwrite('/vitest.config.ts', `export default { test: { include: ['**/*.spec.ts'] } };\n`);
    const host = detectHostProject(tree, { specFileSuffix: 'test' });

    expect(unmatchedSpecWarning(tree, host, SpecKind.Unit, '/src/chat/chat.gateway.test.ts')).toMatch(
      /does not match the unit tests of \/vitest.config.ts \(\*\*\/\*.spec.ts\), so npm test will not run it. Add the "test" suffix/,
    );
    expect(unmatchedSpecWarning(tree, host, SpecKind.Unit, '/src/chat/chat.gateway.spec.ts')).toBeUndefined();
  });
});

describe('globToRegExp', () => {
  it('lets ** cross folders and * stay within one', () => {
    expect(globToRegExp('**/*.spec.ts').test('src/a/b.spec.ts')).toBe(true);
    expect(globToRegExp('**/*.spec.ts').test('b.spec.ts')).toBe(true);
    expect(globToRegExp('test/*.e2e-spec.ts').test('test/a/b.e2e-spec.ts')).toBe(false);
    expect(globToRegExp('./test/*.e2e-spec.ts').test('test/b.e2e-spec.ts')).toBe(true);
  });
});
