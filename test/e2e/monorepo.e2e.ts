import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshApp, installPackage, nest } from './support/apps';
import { HOST_MAJORS, HostMajor, STRICT_LINT } from './support/hosts';
import { recordTestCounts } from './support/report';
import { run } from './support/shell';

/**
 * How each major runs one monorepo project's tests (the root scripts target the default project). The e2e
 * run is limited to our spec: the stock e2e spec `nest g app` writes is not ours to judge.
 */
const PROJECT_TESTS: Record<HostMajor, { unit: string[]; e2e: string[] }> = {
  11: {
    unit: ['jest', 'apps/admin'],
    e2e: ['jest', '--config', './apps/admin/test/jest-e2e.json', 'chat.e2e-spec'],
  },
  12: {
    unit: ['vitest', 'run', 'apps/admin'],
    e2e: ['vitest', 'run', '--config', './vitest.config.e2e.ts', 'apps/admin/test/chat.e2e-spec'],
  },
};

describe.each(HOST_MAJORS)('a Nest %i monorepo (nest g app admin)', (major: HostMajor) => {
  let app: string;

  beforeAll(() => {
    app = freshApp(major, 'monorepo');
    nest(app, ['g', 'app', 'admin']);
    if (major === 12) {
      // `nest g app` switches a Nest 12 workspace to the rspack builder and asks for these packages itself.
      run(
        'npm',
        ['install', '--save-dev', '@rspack/core', 'webpack-node-externals', 'tsconfig-paths-webpack-plugin'],
        app,
      );
    }
    installPackage(app);
    nest(app, ['g', '-c', 'nest-realtime', 'realtime-gateway', 'chat', '--project', 'admin']);
  });

  it('generates into the chosen project and registers the feature in its module', () => {
    const adminModule = readFileSync(join(app, 'apps/admin/src/admin.module.ts'), 'utf-8');
    expect(adminModule).toMatch(/imports: \[RealtimeModule\.forRoot\(realtimeOptions\), ChatModule\]/);
    expect(readFileSync(join(app, 'apps/admin/src/main.ts'), 'utf-8')).toMatch(/enableShutdownHooks/);
    expect(readFileSync(join(app, `apps/svc/src/main.ts`), 'utf-8')).not.toMatch(/enableShutdownHooks/);
  });

  it('builds the project, lints it cleanly and passes its unit and e2e tests', () => {
    nest(app, ['build', 'admin']);
    const [command, args] = STRICT_LINT[major]([
      'apps/admin/src/realtime',
      'apps/admin/src/chat',
      'apps/admin/test/chat.e2e-spec.ts',
    ]);
    run(command, args, app);
    recordTestCounts(`Nest ${major} monorepo unit`, run('npx', PROJECT_TESTS[major].unit, app));
    recordTestCounts(`Nest ${major} monorepo e2e`, run('npx', PROJECT_TESTS[major].e2e, app));
  });
});
