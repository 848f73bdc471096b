import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join, posix } from 'node:path';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { Schema as RealtimeGatewayOptions } from '../../src/realtime-gateway/schema';
import { addMonorepoApp, createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

function generate(tree: UnitTestTree, options: RealtimeGatewayOptions): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-gateway', options, tree);
}

function snapshot(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.map((path) => [path, tree.readContent(path)]));
}

/** Relative import specifiers of a TypeScript file, read from its AST. */
function relativeImports(tree: UnitTestTree, path: string): string[] {
  return readSourceFile(tree, path)
    .statements.filter(ts.isImportDeclaration)
    .map((declaration) => (declaration.moduleSpecifier as ts.StringLiteral).text)
    .filter((specifier) => specifier.startsWith('.'));
}

/** The `namespace` given to @WebSocketGateway() in a gateway file. */
function gatewayNamespace(tree: UnitTestTree, path: string): string | undefined {
  const source = readSourceFile(tree, path);
  let namespace: string | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.getText(source) === 'WebSocketGateway') {
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

describe.each([11, 12] as FixtureMajor[])('realtime-gateway in a Nest %i app', (major) => {
  let tree: UnitTestTree;

  beforeEach(async () => {
    tree = await generate(createNestAppTree(major), { name: 'chat' });
  });

  it('writes the feature, its specs and the shared kit', () => {
    for (const file of CORE_FEATURE_FILES) {
      expect(tree.exists(`/src/chat/${file}`)).toBe(true);
    }
    expect(tree.exists('/src/chat/chat.gateway.spec.ts')).toBe(true);
    expect(tree.exists('/test/chat.e2e-spec.ts')).toBe(true);
    expect(tree.getDir('/src/chat/dto').subfiles.length).toBeGreaterThan(0);
    expect(tree.exists('/src/realtime/realtime.module.ts')).toBe(true);
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

  it('registers the feature module in AppModule', () => {
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule']);
    const suffix = major === 12 ? '.js' : '';
    expect(relativeImports(tree, '/src/app.module.ts')).toContain(`./chat/chat.module${suffix}`);
  });

  it('makes main.ts use the kit adapter and shut down gracefully, as nest add does', () => {
    const main = tree.readContent('/src/main.ts');
    expect(main).toContain("app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });");
    expect(main).toContain('await useRealtimeAdapter(app);');
    expect(main).toContain(
      `import { useRealtimeAdapter } from './realtime/redis-io.adapter${major === 12 ? '.js' : ''}';`,
    );
  });

  it('adds the runtime dependencies and schedules one install', () => {
    const manifest = JSON.parse(tree.readContent('/package.json')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining(['@nestjs/websockets', '@nestjs/platform-socket.io', 'socket.io', 'class-validator']),
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

  it('leaves what every gateway shares to the kit: server options, the shutdown drain, e2e test support', () => {
    const gateway = tree.readContent('/src/chat/chat.gateway.ts');
    expect(gateway).toContain("@WebSocketGateway({ namespace: '/chat' })");
    expect(gateway).not.toContain('REALTIME_SERVER_OPTIONS');
    expect(gateway).not.toContain('beforeApplicationShutdown');
    expect(gateway).toContain('this.lifecycle.serve(server);');
    expect(tree.readContent('/src/realtime/realtime-io.adapter.ts')).toContain('...REALTIME_SERVER_OPTIONS');
    expect(relativeImports(tree, '/test/chat.e2e-spec.ts')).toContain(`./realtime-testing${major === 12 ? '.js' : ''}`);
  });

  it('reuses the kit for a second gateway', async () => {
    const kit = Object.entries(snapshot(tree)).filter(
      ([path]) => path.startsWith('/src/realtime/') || path === '/test/realtime-testing.ts',
    );
    expect(kit.map(([path]) => path)).toContain('/test/realtime-testing.ts');
    await generate(tree, { name: 'notifications' });
    expect(kit.every(([path, content]) => tree.readContent(path) === content)).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule', 'NotificationsModule']);
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
    expect(tree.readContent('/src/realtime/realtime.config.ts')).toContain(
      "export const CORS_ORIGINS_VARIABLE = 'WS_ORIGINS';",
    );
    expect(tree.readContent('/src/realtime/realtime.config.ts')).not.toContain("'CORS_ORIGINS'");
  });

  it('tests /metrics only in a project that serves it', async () => {
    const base = createNestAppTree(11);
    base.create('/nest-realtime.json', JSON.stringify({ metrics: false }));
    const tree = await generate(base, { name: 'chat' });
    const e2e = tree.readContent('/test/chat.e2e-spec.ts');
    expect(e2e).toContain('/health/ready');
    expect(e2e).not.toContain('/metrics');
    expect(tree.exists('/src/realtime/metrics.controller.ts')).toBe(false);
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
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule']);
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
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([]);
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
  });

  it('--spec-file-suffix names every spec it writes, and says when the runner would miss them', async () => {
    const base = createNestAppTree(12);
    base.overwrite('/vitest.config.ts', `export default { test: { include: ['**/*.spec.ts'] } };\n`);
    const warnings: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
    const tree = await generate(base, { name: 'chat', specFileSuffix: 'test' });
    subscription.unsubscribe();

    expect(tree.exists('/src/chat/chat.gateway.test.ts')).toBe(true);
    expect(tree.exists('/src/realtime/ws-validation.pipe.test.ts')).toBe(true);
    expect(tree.exists('/test/chat.e2e-test.ts')).toBe(true);
    expect(tree.exists('/test/chat.scale-out.e2e-test.ts')).toBe(true);
    expect(tree.files.filter((path) => /[.-]spec\.ts$/.test(path) && !path.includes('app.'))).toEqual([]);
    expect(warnings).toContainEqual(expect.stringMatching(/chat.gateway.test.ts does not match the unit tests/));
  });

  it('takes the spec file suffix from nest-cli.json', async () => {
    const base = createNestAppTree(11);
    const nestCli = JSON.parse(base.readContent('/nest-cli.json')) as object;
    base.overwrite('/nest-cli.json', JSON.stringify({ ...nestCli, generateOptions: { specFileSuffix: 'test' } }));
    const tree = await generate(base, { name: 'chat' });
    expect(tree.exists('/src/chat/chat.gateway.test.ts')).toBe(true);
    expect(tree.exists('/test/chat.e2e-test.ts')).toBe(true);
  });

  it('--skip-import leaves AppModule alone', async () => {
    const base = createNestAppTree(11);
    const appModule = base.readContent('/src/app.module.ts');
    const tree = await generate(base, { name: 'chat', skipImport: true });
    expect(tree.readContent('/src/app.module.ts')).toBe(appModule);
  });

  it('--skip-install schedules no install', async () => {
    await generate(createNestAppTree(11), { name: 'chat', skipInstall: true });
    expect(runner.tasks).toEqual([]);
  });

  it('--project generates into a monorepo project', async () => {
    const base = createNestAppTree(11);
    addMonorepoApp(base, 'admin');
    const tree = await generate(base, { name: 'chat', project: 'admin' });
    expect(tree.exists('/apps/admin/src/chat/chat.gateway.ts')).toBe(true);
    expect(tree.exists('/apps/admin/src/realtime/realtime.module.ts')).toBe(true);
    expect(tree.exists('/apps/admin/test/chat.e2e-spec.ts')).toBe(true);
    expect(relativeImports(tree, '/apps/admin/test/chat.e2e-spec.ts')).toContain('../src/chat/chat.module');
    expect(moduleMetadataEntries(tree, '/apps/admin/src/app.module.ts', 'imports')).toEqual(['ChatModule']);
    expect(tree.readContent('/apps/admin/src/main.ts')).toContain('enableShutdownHooks');
    expect(tree.readContent('/apps/svc/src/main.ts')).not.toContain('enableShutdownHooks');
  });

  it('leaves out the kit specs that declare decorated classes in a Vitest monorepo project, which cannot parse them', async () => {
    const standalone = await generate(createNestAppTree(12), { name: 'chat' });
    const base = createNestAppTree(12);
    addMonorepoApp(base, 'admin');
    const monorepo = await generate(base, { name: 'chat', project: 'admin' });

    for (const spec of ['realtime.asyncapi.spec.ts', 'realtime.json-schema.spec.ts']) {
      expect(standalone.exists(`/src/realtime/${spec}`)).toBe(true);
      expect(monorepo.exists(`/apps/admin/src/realtime/${spec}`)).toBe(false);
    }
    expect(monorepo.exists('/apps/admin/src/realtime/realtime.auth.spec.ts')).toBe(true);
    expect(monorepo.exists('/apps/admin/src/realtime/realtime.asyncapi.ts')).toBe(true);
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
