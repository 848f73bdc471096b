import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { posix } from 'node:path';
import { findClass, memberNames } from '../../src/utils/source-edits';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { Schema as RealtimeGatewayOptions } from '../../src/realtime-gateway/schema';
import { addMonorepoApp, createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';
import { namedImports, realtimeOptions } from '../support/generated-source';
import { runner, snapshot, withRunnerLogs } from '../support/schematics';

function generate(tree: UnitTestTree, options: RealtimeGatewayOptions): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-gateway', options, tree);
}

/** Relative import specifiers of a TypeScript file, read from its AST. */
function relativeImports(tree: UnitTestTree, path: string): string[] {
  return readSourceFile(tree, path)
    .statements.filter(ts.isImportDeclaration)
    .map((declaration) => (declaration.moduleSpecifier as ts.StringLiteral).text)
    .filter((specifier) => specifier.startsWith('.'));
}

/** The `namespace` given to the contract's @RealtimeGateway() in a gateway file. */
function gatewayNamespace(tree: UnitTestTree, path: string): string | undefined {
  const source = readSourceFile(tree, path);
  let namespace: string | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.getText(source) === 'RealtimeGateway') {
      const options = node.arguments[0];
      if (options && ts.isObjectLiteralExpression(options)) {
        const property = options.properties.find(
          (candidate): candidate is ts.PropertyAssignment =>
            ts.isPropertyAssignment(candidate) && candidate.name.getText(source) === 'namespace',
        );
        namespace = property && ts.isStringLiteral(property.initializer) ? property.initializer.text : undefined;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return namespace;
}

const CORE_FEATURE_FILES = ['chat.module.ts', 'chat.gateway.ts', 'chat.service.ts', 'chat.events.ts'];

/** What the root module imports once the setup ran: the runtime, with the app's own options. */
const REALTIME_MODULE = 'RealtimeModule.forRoot(realtimeOptions)';

describe.each([11, 12] as FixtureMajor[])('realtime-gateway in a Nest %i app', (major) => {
  const ext = major === 12 ? '.js' : '';
  let tree: UnitTestTree;

  beforeEach(async () => {
    tree = await generate(createNestAppTree(major), { name: 'chat' });
  });

  it('writes the feature and its specs, and of the setup only what the app owns', () => {
    for (const file of CORE_FEATURE_FILES) {
      expect(tree.exists(`/src/chat/${file}`)).toBe(true);
    }
    expect(tree.exists('/src/chat/chat.gateway.spec.ts')).toBe(true);
    expect(tree.exists('/test/chat.e2e-spec.ts')).toBe(true);
    expect(tree.getDir('/src/chat/dto').subfiles.length).toBeGreaterThan(0);
    expect(tree.getDir('/src/realtime').subfiles.slice().sort()).toEqual(['auth.policy.ts', 'realtime.options.ts']);
    // Test support and scale-out are the runtime's now (nest-realtime/testing, its own conformance suite).
    expect(
      tree
        .getDir('/test')
        .subfiles.filter((file) => file.endsWith('.ts'))
        .sort(),
    ).toEqual(['asyncapi.e2e-spec.ts', 'chat.e2e-spec.ts']);
  });

  it('serves the feature on the /chat namespace', () => {
    expect(gatewayNamespace(tree, '/src/chat/chat.gateway.ts')).toBe('/chat');
  });

  it(`writes relative imports that resolve, with the host's module suffix`, () => {
    const generated = tree.files.filter((path) => /^\/(src\/(chat|realtime)|test)\/.*\.ts$/.test(path));
    expect(generated.length).toBeGreaterThan(10);
    for (const path of generated) {
      for (const specifier of relativeImports(tree, path)) {
        expect(specifier.endsWith('.js')).toBe(major === 12);
        const target = posix.join(posix.dirname(path), specifier.replace(/\.js$/, '')) + '.ts';
        expect({ path, specifier, resolves: tree.exists(target) }).toEqual({ path, specifier, resolves: true });
      }
    }
  });

  it('registers the feature module in AppModule, after RealtimeModule', () => {
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE, 'ChatModule']);
    expect(relativeImports(tree, '/src/app.module.ts')).toEqual(
      expect.arrayContaining([`./chat/chat.module${ext}`, `./realtime/realtime.options${ext}`]),
    );
  });

  it("makes main.ts use the runtime's adapter and shut down gracefully, as nest add does", () => {
    const main = tree.readContent('/src/main.ts');
    expect(main).toContain("app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });");
    expect(main).toContain('await useRealtimeAdapter(app);');
    expect(namedImports(tree, '/src/main.ts')).toMatchObject({ useRealtimeAdapter: ['nest-realtime'] });
  });

  it('adds nest-realtime and its peers, and schedules one install', () => {
    const manifest = JSON.parse(tree.readContent('/package.json')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining([
        'nest-realtime',
        '@nestjs/websockets',
        '@nestjs/platform-socket.io',
        'socket.io',
        'class-validator',
      ]),
    );
    expect(runner.tasks.filter((task) => task.name === 'node-package')).toHaveLength(1);
  });

  it('is idempotent: a second run changes nothing and installs nothing', async () => {
    const before = snapshot(tree);
    const again = await generate(tree, { name: 'chat' });
    expect(snapshot(again)).toEqual(before);
    expect(runner.tasks).toEqual([]);
  });

  it('keeps a generated file the user changed, unless --force', async () => {
    tree.overwrite('/src/chat/chat.service.ts', '// mine\n');
    await generate(tree, { name: 'chat' });
    expect(tree.readContent('/src/chat/chat.service.ts')).toBe('// mine\n');
    await generate(tree, { name: 'chat', force: true });
    expect(tree.readContent('/src/chat/chat.service.ts')).toContain('export class ChatService');
  });

  it('ties the gateway to its contract and leaves what every gateway shares to the runtime', () => {
    const gateway = tree.readContent('/src/chat/chat.gateway.ts');
    expect(gateway).toMatch(
      /const \{ RealtimeGateway, SubscribeMessage \} = realtimeContract<\s*ClientToServerEvents,\s*ServerToClientEvents,?\s*>\(\);/,
    );
    expect(gateway).toMatch(/constructor\(\s*private readonly rooms: RealtimeRooms,?\s*\)/);
    expect(namedImports(tree, '/src/chat/chat.gateway.ts')).toMatchObject({
      realtimeContract: ['nest-realtime'],
      RealtimeRooms: ['nest-realtime'],
    });
    // Server options, auth, refreshToken and the shutdown drain come with @RealtimeGateway: no hooks, no handler.
    expect(namedImports(tree, '/src/chat/chat.gateway.ts')).not.toHaveProperty('WebSocketGateway');
    const gatewayClass = findClass(readSourceFile(tree, '/src/chat/chat.gateway.ts'), 'ChatGateway');
    expect(gatewayClass && memberNames(gatewayClass)).toEqual(['server', 'joinRoom', 'leaveRoom', 'sendMessage']);
  });

  it('leaves RealtimeModule to the root module: the feature module imports nothing', () => {
    expect(moduleMetadataEntries(tree, '/src/chat/chat.module.ts', 'imports')).toEqual([]);
    expect(moduleMetadataEntries(tree, '/src/chat/chat.module.ts', 'providers')).toEqual([
      'ChatGateway',
      'ChatService',
    ]);
  });

  it("tests the feature end to end on the runtime's testing app, started with the app's options", () => {
    expect(namedImports(tree, '/test/chat.e2e-spec.ts')).toMatchObject({
      createRealtimeTestingApp: ['nest-realtime/testing'],
      realtimeOptions: [`../src/realtime/realtime.options${ext}`],
      ChatModule: [`../src/chat/chat.module${ext}`],
    });
    expect(tree.readContent('/test/chat.e2e-spec.ts')).toMatch(/imports: \[ChatModule\],\s+realtime: realtimeOptions,/);
  });

  it('shares the setup with a second gateway', async () => {
    const owned = Object.entries(snapshot(tree)).filter(([path]) => path.startsWith('/src/realtime/'));
    await generate(tree, { name: 'notifications' });
    expect(owned.every(([path, content]) => tree.readContent(path) === content)).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([
      REALTIME_MODULE,
      'ChatModule',
      'NotificationsModule',
    ]);
    expect(gatewayNamespace(tree, '/src/notifications/notifications.gateway.ts')).toBe('/notifications');
    expect(tree.readContent('/src/main.ts').match(/enableShutdownHooks/g)).toHaveLength(1);
  });
});

describe('realtime-gateway options', () => {
  it('derives class and file names from a camelCase name', async () => {
    const tree = await generate(createNestAppTree(11), { name: 'liveScore' });
    expect(tree.readContent('/src/live-score/live-score.gateway.ts')).toContain('export class LiveScoreGateway');
    expect(gatewayNamespace(tree, '/src/live-score/live-score.gateway.ts')).toBe('/live-score');
  });

  it('follows the project defaults nest-add wrote', async () => {
    const base = createNestAppTree(12);
    base.create('/nest-realtime.json', JSON.stringify({ namespacePrefix: '/v1', corsOriginsEnv: 'WS_ORIGINS' }));
    const tree = await generate(base, { name: 'chat' });
    expect(gatewayNamespace(tree, '/src/chat/chat.gateway.ts')).toBe('/v1/chat');
    expect(realtimeOptions(tree)).toMatchObject({ corsOriginsVariable: 'WS_ORIGINS' });
    expect(tree.readContent('/src/realtime/realtime.options.ts')).not.toContain('CORS_ORIGINS');
  });

  it('turns /metrics off in the options, which its e2e spec starts the app with, in a project without it', async () => {
    const base = createNestAppTree(11);
    base.create('/nest-realtime.json', JSON.stringify({ metrics: false }));
    const tree = await generate(base, { name: 'chat' });
    expect(realtimeOptions(tree)).toMatchObject({ metrics: false });
    expect(namedImports(tree, '/test/chat.e2e-spec.ts')).toMatchObject({
      realtimeOptions: ['../src/realtime/realtime.options'],
    });
  });

  it('refuses project defaults it cannot use', async () => {
    const base = createNestAppTree(11);
    base.create('/nest-realtime.json', JSON.stringify({ adapter: 'kafka' }));
    await expect(generate(base, { name: 'chat' })).rejects.toThrow(
      /nest-realtime.json: "adapter" must be one of pubsub, sharded, streams/,
    );
  });

  it('takes --namespace', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'chat', namespace: 'v1/chat' });
    expect(gatewayNamespace(tree, '/src/chat/chat.gateway.ts')).toBe('/v1/chat');
  });

  it('--flat writes the feature directly in the path', async () => {
    const tree = await generate(createNestAppTree(11), { name: 'chat', flat: true, path: 'features' });
    expect(tree.exists('/src/features/chat.gateway.ts')).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE, 'ChatModule']);
  });

  it('--path and folders in the name nest the feature, registered in the nearest module', async () => {
    const base = createNestAppTree(12);
    base.create(
      '/src/admin/admin.module.ts',
      `import { Module } from '@nestjs/common';\n\n@Module({})\nexport class AdminModule {}\n`,
    );
    const tree = await generate(base, { name: 'admin/chat' });
    expect(tree.exists('/src/admin/chat/chat.gateway.ts')).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/admin/admin.module.ts', 'imports')).toEqual(['ChatModule']);
    expect(relativeImports(tree, '/src/admin/admin.module.ts')).toContain('./chat/chat.module.js');
    // RealtimeModule stays in the module main.ts boots, for every feature.
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE]);
    expect(moduleMetadataEntries(tree, '/src/admin/admin.module.ts', 'imports')).not.toContain(REALTIME_MODULE);
  });

  it('--module picks the module to register in', async () => {
    const base = createNestAppTree(11);
    base.create(
      '/src/admin/admin.module.ts',
      `import { Module } from '@nestjs/common';\n\n@Module({})\nexport class AdminModule {}\n`,
    );
    const tree = await generate(base, { name: 'chat', module: 'admin/admin.module.ts' });
    expect(moduleMetadataEntries(tree, '/src/admin/admin.module.ts', 'imports')).toEqual(['ChatModule']);
    expect(relativeImports(tree, '/src/admin/admin.module.ts')).toContain('../chat/chat.module');
  });

  it('--no-spec writes no unit or e2e spec', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'chat', spec: false });
    expect(tree.files.filter((path) => path.startsWith('/src/chat/') && path.endsWith('.spec.ts'))).toEqual([]);
    expect(tree.exists('/test/chat.e2e-spec.ts')).toBe(false);
    expect(tree.exists('/test/asyncapi.e2e-spec.ts')).toBe(false);
  });

  it('--spec-file-suffix names every spec it writes, and says when the runner would miss them', async () => {
    const base = createNestAppTree(12);
    base.overwrite('/vitest.config.ts', `export default { test: { include: ['**/*.spec.ts'] } };\n`);
    const {
      result: tree,
      logs: { warn: warnings },
    } = await withRunnerLogs(() => generate(base, { name: 'chat', specFileSuffix: 'test' }));

    expect(tree.exists('/src/chat/chat.gateway.test.ts')).toBe(true);
    expect(tree.exists('/test/chat.e2e-test.ts')).toBe(true);
    expect(tree.exists('/test/asyncapi.e2e-test.ts')).toBe(true);
    expect(tree.files.filter((path) => /[.-]spec\.ts$/.test(path) && !path.includes('app.'))).toEqual([]);
    expect(warnings).toContainEqual(expect.stringMatching(/chat.gateway.test.ts does not match the unit tests/));
  });

  it.each([11, 12] as FixtureMajor[])('ends with the next steps in the commands of a Nest %i app', async (major) => {
    const { logs } = await withRunnerLogs(() =>
      generate(createNestAppTree(major), { name: 'chat', skipInstall: true }),
    );

    expect(logs.info.at(-1)?.split('\n')).toEqual([
      'The chat gateway serves /chat (src/chat/). Next:',
      expect.stringMatching(/^ {2}npm install +# you passed --skip-install$/),
      expect.stringMatching(/^ {2}npm test -- chat +# its unit spec$/),
      expect.stringMatching(/^ {2}npm run test:e2e -- chat +# its e2e spec/),
      expect.stringMatching(
        /^ {2}REALTIME_PLAYGROUND=1 npm run start +# then open http:\/\/localhost:3000\/realtime\/playground/,
      ),
      expect.stringMatching(/^ {2}nest g realtime-event chat\/<event> +# one more event$/),
    ]);
  });

  it('takes the spec file suffix from nest-cli.json', async () => {
    const base = createNestAppTree(11);
    const nestCli = JSON.parse(base.readContent('/nest-cli.json')) as object;
    base.overwrite('/nest-cli.json', JSON.stringify({ ...nestCli, generateOptions: { specFileSuffix: 'test' } }));
    const tree = await generate(base, { name: 'chat' });
    expect(tree.exists('/src/chat/chat.gateway.test.ts')).toBe(true);
    expect(tree.exists('/test/chat.e2e-test.ts')).toBe(true);
  });

  it('--skip-import registers the feature module nowhere; AppModule gets only RealtimeModule', async () => {
    const tree = await generate(createNestAppTree(11), { name: 'chat', skipImport: true });
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE]);
    expect(relativeImports(tree, '/src/app.module.ts')).not.toContain('./chat/chat.module');
    expect(tree.exists('/src/chat/chat.module.ts')).toBe(true);
  });

  it('--skip-install schedules no install', async () => {
    await generate(createNestAppTree(11), { name: 'chat', skipInstall: true });
    expect(runner.tasks).toEqual([]);
  });

  it('--project generates into a monorepo project, and leaves the other apps alone', async () => {
    const base = createNestAppTree(11);
    addMonorepoApp(base, 'admin');
    const svc = {
      main: base.readContent('/apps/svc/src/main.ts'),
      module: base.readContent('/apps/svc/src/app.module.ts'),
    };
    const tree = await generate(base, { name: 'chat', project: 'admin' });
    expect(tree.exists('/apps/admin/src/chat/chat.gateway.ts')).toBe(true);
    expect(tree.exists('/apps/admin/src/realtime/realtime.options.ts')).toBe(true);
    expect(tree.exists('/apps/admin/test/chat.e2e-spec.ts')).toBe(true);
    expect(relativeImports(tree, '/apps/admin/test/chat.e2e-spec.ts')).toEqual(
      expect.arrayContaining(['../src/chat/chat.module', '../src/realtime/realtime.options']),
    );
    expect(moduleMetadataEntries(tree, '/apps/admin/src/app.module.ts', 'imports')).toEqual([
      REALTIME_MODULE,
      'ChatModule',
    ]);
    expect(tree.readContent('/apps/admin/src/main.ts')).toContain('enableShutdownHooks');
    expect(tree.readContent('/apps/svc/src/main.ts')).toBe(svc.main);
    expect(tree.readContent('/apps/svc/src/app.module.ts')).toBe(svc.module);
  });
});

describe('realtime-gateway refuses bad input and writes nothing', () => {
  it.each([
    [{ name: '' }, /A feature name is required/],
    [{}, /A feature name is required/],
    [{ name: '123abc' }, /"123abc" is not a valid feature name/],
    [{ name: 123 }, /"123" is not a valid feature name: "123" must start with a letter/],
    [{ name: '../x' }, /points outside the source root/],
    [{ name: 'a b' }, /"a b" is not a valid feature name/],
    [{ name: 'chat', namespace: 'bad namespace' }, /--namespace "bad namespace" is not a valid/],
    [{ name: 'chat', module: 'nope.module.ts' }, /--module "nope.module.ts" does not exist/],
    [{ name: 'chat', project: 'nope' }, /Project "nope" is not in nest-cli.json/],
  ] as Array<[RealtimeGatewayOptions, RegExp]>)('%j', async (options, message) => {
    const tree = createNestAppTree(11);
    const before = snapshot(tree);
    await expect(generate(tree, options)).rejects.toThrow(message);
    expect(snapshot(tree)).toEqual(before);
  });

  it('outside a Nest project', async () => {
    const tree = new UnitTestTree(createNestAppTree(11));
    tree.delete('/package.json');
    await expect(generate(tree, { name: 'chat' })).rejects.toThrow(/No package.json found/);
    expect(tree.files.some((path) => path.startsWith('/src/chat'))).toBe(false);
  });

  it('when no module can be found', async () => {
    const tree = createNestAppTree(12);
    tree.delete('/src/app.module.ts');
    const before = snapshot(tree);
    await expect(generate(tree, { name: 'chat' })).rejects.toThrow(/No \*.module.ts found.*--skip-import/);
    expect(snapshot(tree)).toEqual(before);
  });
});
