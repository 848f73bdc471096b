import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { JSONFile } from '@schematics/angular/utility/json-file';
import { hasDependency, HostProject, PackageJson, readJsonFile, TestRunner } from './host-project';

/** The script `nest new` gives an app for its e2e specs, and that our messages name. */
export const E2E_SCRIPT = 'test:e2e';

/** What `nest new` sets up for e2e specs with the host's runner, for the host's spec suffix. */
interface E2eSetup {
  configPath: string;
  config: string;
  script: string;
  /** Dev dependencies the config needs. */
  needs: string[];
}

function e2eSetup(tree: Tree, host: HostProject): E2eSetup {
  const pattern = `.e2e-${host.specFileSuffix}.ts`;
  if (host.testRunner === TestRunner.Vitest) {
    // Path aliases as the app's unit config resolves them, when it does.
    const unitConfig = ['ts', 'mts', 'js', 'mjs']
      .map((ext) => `/vitest.config.${ext}`)
      .find((path) => tree.exists(path));
    const aliases = unitConfig !== undefined && /tsconfigPaths/.test(tree.readText(unitConfig));
    return {
      configPath: '/vitest.config.e2e.ts',
      config: [
        "import { defineConfig } from 'vitest/config';",
        '',
        'export default defineConfig({',
        ...(aliases ? ['  resolve: { tsconfigPaths: true },'] : []),
        '  test: {',
        '    globals: true,',
        "    root: './',",
        `    include: ['**/*${pattern}'],`,
        '  },',
        '});',
        '',
      ].join('\n'),
      script: 'vitest run --config ./vitest.config.e2e.ts',
      needs: ['vitest'],
    };
  }
  const config = {
    moduleFileExtensions: ['js', 'json', 'ts'],
    rootDir: '.',
    testEnvironment: 'node',
    testRegex: `${pattern.replace(/\./g, '\\.')}$`,
    transform: { '^.+\\.(t|j)s$': 'ts-jest' },
  };
  return {
    configPath: '/test/jest-e2e.json',
    config: `${JSON.stringify(config, null, 2)}\n`,
    script: 'jest --config ./test/jest-e2e.json',
    needs: ['jest', 'ts-jest'],
  };
}

/**
 * Gives an app without an e2e setup the one `nest new` writes, so the e2e specs we generate run: the host
 * runner's config (`test/jest-e2e.json`, or `vitest.config.e2e.ts`) and `npm run test:e2e`. An app that has a
 * `test:e2e` script keeps it; one we cannot set up (a monorepo project, a runner that is not installed) is told
 * exactly what to add. Idempotent.
 *
 * @example
 * chain([ensureE2eSetup(host), addAsyncApiDocument(options)]);
 */
export function ensureE2eSetup(host: HostProject): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const manifest = readJsonFile<PackageJson>(tree, '/package.json');
    if (manifest === undefined || manifest.scripts?.[E2E_SCRIPT] !== undefined) {
      return;
    }
    const setup = e2eSetup(tree, host);
    const missing = setup.needs.filter((name) => !hasDependency(manifest, name));
    if (host.projectRoot !== '/' || missing.length > 0) {
      context.logger.warn(
        [
          `package.json has no "${E2E_SCRIPT}" script, so nothing runs the e2e specs in test/. To run them:`,
          ...(missing.length > 0 ? [`  npm i -D ${missing.join(' ')}`] : []),
          `  write ${setup.configPath.slice(1)} as \`nest new\` does:`,
          ...setup.config
            .trimEnd()
            .split('\n')
            .map((line) => `    ${line}`),
          `  add to package.json "scripts": "${E2E_SCRIPT}": "${setup.script}"`,
        ].join('\n'),
      );
      return;
    }
    if (!tree.exists(setup.configPath)) {
      tree.create(setup.configPath, setup.config);
    }
    new JSONFile(tree, '/package.json').modify(['scripts', E2E_SCRIPT], setup.script);
    context.logger.info(
      `The app had no e2e setup: added ${setup.configPath.slice(1)} and "${E2E_SCRIPT}": "${setup.script}" ` +
        `to package.json, as \`nest new\` writes them, so \`npm run ${E2E_SCRIPT}\` runs the generated e2e specs.`,
    );
  };
}
