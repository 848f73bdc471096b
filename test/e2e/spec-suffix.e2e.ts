import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshApp, installPackage, nest } from './support/apps';
import { HOST_MAJORS, HostMajor } from './support/hosts';
import { recordTestCounts } from './support/report';
import { run } from './support/shell';

/**
 * A team whose specs end in `.test.ts`: nest-cli.json `generateOptions.specFileSuffix` says so, and the app's
 * runner configs were changed to match (as the team would have done for the stock schematics too). Our
 * generated specs must follow the suffix, and the host's own `npm test` / `npm run test:e2e` must run them.
 */
function useTestSuffix(app: string, major: HostMajor): void {
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(join(app, file), change(readFileSync(join(app, file), 'utf-8')));
  edit('nest-cli.json', (text) =>
    JSON.stringify({ ...JSON.parse(text), generateOptions: { specFileSuffix: 'test' } }, null, 2),
  );
  if (major === 11) {
    edit('package.json', (text) =>
      text.replace('"testRegex": ".*\\\\.spec\\\\.ts$"', '"testRegex": ".*\\\\.test\\\\.ts$"'),
    );
    edit('test/jest-e2e.json', (text) => text.replace('.e2e-spec.ts$', '.e2e-test.ts$'));
  } else {
    edit('vitest.config.ts', (text) => text.replace("'**/*.spec.ts'", "'**/*.test.ts'"));
    edit('vitest.config.e2e.ts', (text) => text.replace("'**/*.e2e-spec.ts'", "'**/*.e2e-test.ts'"));
  }
}

describe.each(HOST_MAJORS)('a fresh Nest %i app whose specs end in .test.ts', (major: HostMajor) => {
  let app: string;
  let generated: string;

  beforeAll(() => {
    app = freshApp(major, 'spec-suffix');
    useTestSuffix(app, major);
    installPackage(app);
    generated = nest(app, ['g', '-c', 'nest-realtime', 'realtime-gateway', 'chat']);
  });

  it('names every spec it writes with the suffix, and does not warn', () => {
    for (const spec of ['src/chat/chat.gateway.test.ts', 'test/chat.e2e-test.ts', 'test/asyncapi.e2e-test.ts']) {
      expect({ spec, exists: existsSync(join(app, spec)) }).toEqual({ spec, exists: true });
    }
    expect(existsSync(join(app, 'src/chat/chat.gateway.spec.ts'))).toBe(false);
    expect(generated).not.toMatch(/will not run it/);
  });

  it("is run by the host's own unit and e2e commands", () => {
    const unit = run('npm', ['test'], app);
    expect(unit).toMatch(/chat\.gateway\.test/);
    recordTestCounts(`Nest ${major} unit, .test.ts suffix`, unit);
    const e2e = run('npm', ['run', 'test:e2e'], app);
    expect(e2e).toMatch(/chat\.e2e-test/);
    recordTestCounts(`Nest ${major} e2e, .test.ts suffix`, e2e);
  });
});
