import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { lastValueFrom } from 'rxjs';
import {
  addAsyncApiDocument,
  ASYNCAPI_SCRIPT,
  asyncApiOutputPath,
  asyncApiScript,
} from '../../src/utils/asyncapi-document';
import { detectHostProject } from '../../src/utils/host-project';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { addMonorepoApp, createNestAppTree, editMain, FixtureMajor } from '../fixtures/nest-app';
import { namedImports } from '../support/generated-source';
import { runner, snapshot, withRunnerLogs } from '../support/schematics';

function nestAdd(tree: UnitTestTree, options: Record<string, unknown> = {}): Promise<UnitTestTree> {
  return runner.runSchematic('nest-add', { skipInstall: true, ...options }, tree);
}

function scripts(tree: UnitTestTree): Record<string, string> {
  return (JSON.parse(tree.readContent('/package.json')) as { scripts: Record<string, string> }).scripts;
}

/** Module specifiers a file imports. */
function imports(tree: UnitTestTree, path: string): string[] {
  return readSourceFile(tree, path)
    .statements.filter(ts.isImportDeclaration)
    .map((statement) => (statement.moduleSpecifier as ts.StringLiteral).text);
}

/** What `run` warned. */
async function warnings(run: () => Promise<unknown>): Promise<string[]> {
  return (await withRunnerLogs(run)).logs.warn;
}

describe.each([11, 12] as FixtureMajor[])('npm run asyncapi in a Nest %i app', (major) => {
  const ext = major === 12 ? '.js' : '';
  let tree: UnitTestTree;

  // The tests read the app nest-add made; the last one runs it again.
  beforeAll(async () => {
    tree = await nestAdd(createNestAppTree(major));
  });

  it('adds the script that builds and runs the entry', () => {
    expect(scripts(tree)[ASYNCAPI_SCRIPT]).toBe(`nest build && node dist/asyncapi${ext}`);
    expect(scripts(tree).build).toBe('nest build');
  });

  it("writes the entry beside main.ts, importing AppModule as the host imports and the runtime's document builder", () => {
    expect(imports(tree, '/src/asyncapi.ts')).toEqual(expect.arrayContaining([`./app.module${ext}`, 'yaml']));
    expect(namedImports(tree, '/src/asyncapi.ts')).toMatchObject({ buildAsyncApiDocument: ['nest-realtime'] });
    expect(tree.readContent('/src/asyncapi.ts')).toContain("const OUTPUT = 'asyncapi.yaml';");
  });

  it("ends the ES module entry with a top-level await, the CommonJS one with the promise's catch", () => {
    const last = readSourceFile(tree, '/src/asyncapi.ts').statements.at(-1);
    expect(last && ts.isTryStatement(last)).toBe(major === 12);
  });

  it('writes an e2e spec that checks the document against every gateway event', () => {
    expect(imports(tree, '/test/asyncapi.e2e-spec.ts')).toEqual(
      expect.arrayContaining(['@asyncapi/parser', `../src/app.module${ext}`]),
    );
    expect(namedImports(tree, '/test/asyncapi.e2e-spec.ts')).toMatchObject({
      buildAsyncApiDocument: ['nest-realtime'],
      SERVER_EVENT_CLASSES_METADATA: ['nest-realtime'],
    });
  });

  it('records both files, so a later release updates them when nobody edited them', () => {
    const { generated } = JSON.parse(tree.readContent('/nest-realtime.json')) as {
      generated: Record<string, unknown>;
    };
    expect(Object.keys(generated)).toEqual(expect.arrayContaining(['src/asyncapi.ts', 'test/asyncapi.e2e-spec.ts']));
  });

  it('adds @asyncapi/parser and yaml as devDependencies', () => {
    const { devDependencies } = JSON.parse(tree.readContent('/package.json')) as {
      devDependencies: Record<string, string>;
    };
    expect(devDependencies).toMatchObject({ '@asyncapi/parser': expect.stringMatching(/^\^3\./), yaml: '^2.9.1' });
  });

  it('changes nothing when it runs again', async () => {
    const before = snapshot(tree);
    await nestAdd(tree);
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('the asyncapi script', () => {
  it('keeps an asyncapi script of its own and says how to run ours', async () => {
    const tree = createNestAppTree(11);
    const manifest = JSON.parse(tree.readContent('/package.json')) as { scripts: Record<string, string> };
    manifest.scripts.asyncapi = 'asyncapi generate fromTemplate spec.yaml';
    tree.overwrite('/package.json', JSON.stringify(manifest, null, 2) + '\n');

    const messages = await warnings(() => nestAdd(tree));

    expect(scripts(tree).asyncapi).toBe('asyncapi generate fromTemplate spec.yaml');
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringContaining('run `nest build && node dist/asyncapi`')]),
    );
  });

  it('starts the entry of a monorepo project and writes beside its sources', async () => {
    const tree = createNestAppTree(11);
    addMonorepoApp(tree, 'admin');

    await nestAdd(tree, { project: 'admin' });

    const host = detectHostProject(tree, { project: 'admin' });
    expect(asyncApiScript(host)).toBe('nest start admin --entryFile asyncapi');
    expect(scripts(tree).asyncapi).toBe('nest start admin --entryFile asyncapi');
    expect(asyncApiOutputPath(host)).toBe('apps/admin/asyncapi.yaml');
    expect(tree.readContent('/apps/admin/src/asyncapi.ts')).toContain("const OUTPUT = 'apps/admin/asyncapi.yaml';");
    expect(tree.exists('/apps/admin/test/asyncapi.e2e-spec.ts')).toBe(true);
  });

  it('ends the e2e spec in the host suffix', async () => {
    const tree = await nestAdd(createNestAppTree(12), { specFileSuffix: 'test' });

    expect(tree.exists('/test/asyncapi.e2e-test.ts')).toBe(true);
    expect(tree.exists('/test/asyncapi.e2e-spec.ts')).toBe(false);
  });

  it('boots the module main.ts boots, whatever its name', async () => {
    const tree = createNestAppTree(12);
    tree.overwrite('/src/main.ts', tree.readContent('/src/main.ts').replace(/AppModule/g, 'RootModule'));
    tree.overwrite(
      '/src/app.module.ts',
      tree.readContent('/src/app.module.ts').replace('class AppModule', 'class RootModule'),
    );

    await nestAdd(tree);

    expect(tree.readContent('/src/asyncapi.ts')).toContain('createApplicationContext(RootModule');
    expect(tree.readContent('/test/asyncapi.e2e-spec.ts')).toContain(
      "import { RootModule } from '../src/app.module.js';",
    );
  });

  it.each([11, 12] as FixtureMajor[])(
    'builds the document in preview, after the environment main.ts loads, in Nest %i',
    async (major) => {
      const tree = createNestAppTree(major);
      editMain(tree, { imports: ["import 'dotenv/config';", "import './tracing';"] });

      await nestAdd(tree);

      // The module graph without providers: no database, Redis or secret needed.
      for (const path of ['/src/asyncapi.ts', '/test/asyncapi.e2e-spec.ts']) {
        expect(tree.readContent(path)).toMatch(/createApplicationContext\(AppModule, \{\s+preview: true,/);
        // Variables first, as main.ts loads them; other side effects (tracing) stay main.ts's.
        expect(imports(tree, path)[0]).toBe('dotenv/config');
        expect(imports(tree, path)).not.toContain('./tracing');
      }
    },
  );

  it('adds nothing when main.ts does not say which module it boots, and says why', async () => {
    const tree = createNestAppTree(11);
    tree.overwrite(
      '/src/main.ts',
      tree.readContent('/src/main.ts').replace('NestFactory.create(AppModule)', 'NestFactory.create(modules.root)'),
    );

    const messages = await warnings(() => nestAdd(tree));

    expect(tree.exists('/src/asyncapi.ts')).toBe(false);
    expect(tree.exists('/test/asyncapi.e2e-spec.ts')).toBe(false);
    expect(scripts(tree).asyncapi).toBeUndefined();
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringContaining('Could not tell which module /src/main.ts boots')]),
    );
  });
});

describe('the asyncapi document without specs', () => {
  it('writes the entry and the script but no e2e spec when specs are off (realtime-gateway --no-spec)', async () => {
    const tree = createNestAppTree(12);
    const host = detectHostProject(tree, {});

    await lastValueFrom(runner.callRule(addAsyncApiDocument({ host, spec: false }), tree));

    expect(tree.exists('/src/asyncapi.ts')).toBe(true);
    expect(scripts(tree)[ASYNCAPI_SCRIPT]).toBe('nest build && node dist/asyncapi.js');
    expect(tree.files.filter((path) => path.startsWith('/test/asyncapi'))).toEqual([]);
  });
});
