import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { ensureE2eSetup } from '../../src/utils/e2e-setup';
import { detectHostProject } from '../../src/utils/host-project';
import { addMonorepoApp, createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { applyRule, RuleLogs } from '../support/schematics';

interface Manifest {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
}

function manifest(tree: UnitTestTree): Manifest {
  return JSON.parse(tree.readContent('/package.json')) as Manifest;
}

/** A fresh app of `major` as an app without e2e setup has it: no test:e2e script, no e2e config. */
function withoutE2eSetup(major: FixtureMajor): UnitTestTree {
  const tree = createNestAppTree(major);
  const edited = manifest(tree);
  delete edited.scripts['test:e2e'];
  tree.overwrite('/package.json', `${JSON.stringify(edited, null, 2)}\n`);
  tree.delete(major === 12 ? '/vitest.config.e2e.ts' : '/test/jest-e2e.json');
  return tree;
}

function run(tree: UnitTestTree, options: { specFileSuffix?: string } = {}): Promise<RuleLogs> {
  return applyRule(ensureE2eSetup(detectHostProject(tree, options)), tree);
}

describe('ensureE2eSetup', () => {
  it('gives a Jest app the config and script nest new writes, once, and says so', async () => {
    const tree = withoutE2eSetup(11);
    const logs = await run(tree);

    expect(manifest(tree).scripts['test:e2e']).toBe('jest --config ./test/jest-e2e.json');
    expect(JSON.parse(tree.readContent('/test/jest-e2e.json'))).toEqual({
      moduleFileExtensions: ['js', 'json', 'ts'],
      rootDir: '.',
      testEnvironment: 'node',
      testRegex: '\\.e2e-spec\\.ts$',
      transform: { '^.+\\.(t|j)s$': 'ts-jest' },
    });
    expect(logs.info.join('\n')).toContain('The app had no e2e setup: added test/jest-e2e.json');

    const once = tree.readContent('/package.json');
    await run(tree);
    expect(tree.readContent('/package.json')).toBe(once);
  });

  it('gives a Vitest app vitest.config.e2e.ts, matching the spec suffix', async () => {
    const tree = withoutE2eSetup(12);
    await run(tree, { specFileSuffix: 'test' });

    expect(manifest(tree).scripts['test:e2e']).toBe('vitest run --config ./vitest.config.e2e.ts');
    expect(tree.readContent('/vitest.config.e2e.ts')).toContain("include: ['**/*.e2e-test.ts'],");
  });

  it("keeps the app's own test:e2e script and config", async () => {
    const tree = createNestAppTree(11);
    const before = tree.readContent('/package.json');
    const logs = await run(tree);

    expect(tree.readContent('/package.json')).toBe(before);
    expect(tree.readContent('/test/jest-e2e.json')).toBe('{}\n');
    expect([...logs.info, ...logs.warn]).toEqual([]);
  });

  it('says exactly what to add when the runner is not installed, writing nothing', async () => {
    const tree = withoutE2eSetup(11);
    const edited = manifest(tree);
    delete edited.devDependencies['ts-jest'];
    tree.overwrite('/package.json', `${JSON.stringify(edited, null, 2)}\n`);
    const before = tree.readContent('/package.json');
    const logs = await run(tree);

    expect(tree.readContent('/package.json')).toBe(before);
    expect(tree.exists('/test/jest-e2e.json')).toBe(false);
    const warning = logs.warn.join('\n');
    expect(warning).toContain('package.json has no "test:e2e" script');
    expect(warning).toContain('  npm i -D ts-jest');
    expect(warning).toContain('"testRegex": "\\\\.e2e-spec\\\\.ts$"');
    expect(warning).toContain('add to package.json "scripts": "test:e2e": "jest --config ./test/jest-e2e.json"');
  });

  it("leaves a monorepo project's setup to the team, with the lines", async () => {
    const tree = withoutE2eSetup(11);
    addMonorepoApp(tree, 'admin');
    const logs = await run(tree, {});

    expect(manifest(tree).scripts['test:e2e']).toBeUndefined();
    expect(logs.warn.join('\n')).toContain('package.json has no "test:e2e" script');
  });
});
