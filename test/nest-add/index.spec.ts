import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';
import { Schema as NestAddOptions } from '../../src/nest-add/schema';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

function nestAdd(tree: UnitTestTree, options: NestAddOptions = {}): Promise<UnitTestTree> {
  return runner.runSchematic('nest-add', options, tree);
}

function snapshot(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.map((path) => [path, tree.readContent(path)]));
}

function bootstrapStatements(tree: UnitTestTree): string[] {
  const source = readSourceFile(tree, '/src/main.ts');
  const bootstrap = source.statements.find(ts.isFunctionDeclaration);
  return bootstrap?.body?.statements.map((statement) => statement.getText(source)) ?? [];
}

function json<T>(tree: UnitTestTree, path: string): T {
  return JSON.parse(tree.readContent(path)) as T;
}

describe.each([11, 12] as FixtureMajor[])('nest-add in a Nest %i app', (major) => {
  let tree: UnitTestTree;

  beforeEach(async () => {
    tree = await nestAdd(createNestAppTree(major));
  });

  it('writes the kit with the Redis adapter, pub/sub by default', () => {
    expect(tree.exists('/src/realtime/realtime.module.ts')).toBe(true);
    expect(tree.exists('/src/realtime/redis-io.adapter.ts')).toBe(true);
    expect(tree.readContent('/src/realtime/redis.config.ts')).toContain(
      'export const DEFAULT_ADAPTER_KIND: RedisAdapterKind = RedisAdapterKind.PubSub;',
    );
  });

  it('makes main.ts pick the adapter at run time and shut down gracefully', () => {
    expect(bootstrapStatements(tree)).toEqual([
      'const app = await NestFactory.create(AppModule);',
      "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
      'await useRealtimeAdapter(app);',
      'await app.listen(process.env.PORT ?? 3000);',
    ]);
    const suffix = major === 12 ? '.js' : '';
    expect(tree.readContent('/src/main.ts')).toContain(
      `import { useRealtimeAdapter } from './realtime/redis-io.adapter${suffix}';`,
    );
  });

  it('makes nest-cli.json use our collection and keeps every other key', () => {
    expect(json<Record<string, unknown>>(tree, '/nest-cli.json')).toEqual({
      collection: 'nest-realtime',
      sourceRoot: 'src',
      compilerOptions: { deleteOutDir: true },
    });
  });

  it('records the project defaults', () => {
    const { generated: _generated, ...defaults } = json<Record<string, unknown>>(tree, '/nest-realtime.json');
    expect(defaults).toEqual({
      adapter: 'pubsub',
      auth: 'hs256',
      corsOriginsEnv: 'CORS_ORIGINS',
      namespacePrefix: '',
      metrics: true,
      gatewayType: 'chat',
    });
  });

  it('records every file it wrote, so a later release can tell which ones were edited', () => {
    const { generated } = json<{ generated: Record<string, { sha256: string }> }>(tree, '/nest-realtime.json');
    const kitFiles = tree.files.filter((path) => path.startsWith('/src/realtime/')).map((path) => path.slice(1));
    // The kit, and npm run asyncapi's entry and e2e spec.
    const written = [...kitFiles, 'src/asyncapi.ts', 'test/asyncapi.e2e-spec.ts'];
    expect(Object.keys(generated).sort()).toEqual(written.sort());
  });

  it('serves health probes, Prometheus metrics and the socket playground from the kit module', () => {
    expect(moduleMetadataEntries(tree, '/src/realtime/realtime.module.ts', 'controllers')).toEqual([
      'HealthController',
      'MetricsController',
      'PlaygroundController',
    ]);
    expect(tree.exists('/src/realtime/metrics.controller.ts')).toBe(true);
  });

  it('adds the runtime and Redis dependencies and schedules one install', () => {
    const manifest = json<{ dependencies: Record<string, string> }>(tree, '/package.json');
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining([
        '@nestjs/websockets',
        'socket.io',
        '@socket.io/redis-adapter',
        'ioredis',
        '@nestjs/terminus',
        'prom-client',
        'jose',
      ]),
    );
    // jose 6 is ESM-only, which a Nest 11 app's Jest (CommonJS) cannot load.
    expect(manifest.dependencies.jose).toMatch(major === 11 ? /^\^5\./ : /^\^6\./);
    expect(runner.tasks.filter((task) => task.name === 'node-package')).toHaveLength(1);
  });

  it('changes nothing when it runs again', async () => {
    const before = snapshot(tree);
    await nestAdd(tree);
    expect(snapshot(tree)).toEqual(before);
    expect(runner.tasks).toEqual([]);
  });
});

describe('nest-add options', () => {
  it('takes the adapter, CORS variable and namespace prefix as flags', async () => {
    const tree = await nestAdd(createNestAppTree(12), {
      adapter: 'streams',
      corsOriginsEnv: 'WS_ORIGINS',
      namespacePrefix: 'v1/',
    });
    expect(json(tree, '/nest-realtime.json')).toMatchObject({
      adapter: 'streams',
      corsOriginsEnv: 'WS_ORIGINS',
      namespacePrefix: '/v1',
    });
    expect(tree.readContent('/src/realtime/realtime.config.ts')).toContain(
      "export const CORS_ORIGINS_VARIABLE = 'WS_ORIGINS';",
    );
    expect(tree.readContent('/src/realtime/redis.config.ts')).toContain(
      'export const DEFAULT_ADAPTER_KIND: RedisAdapterKind = RedisAdapterKind.Streams;',
    );
  });

  it('leaves the metrics endpoint out with --metrics=false, and brings it back with --metrics', async () => {
    const tree = await nestAdd(createNestAppTree(11), { metrics: false });
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ metrics: false });
    expect(tree.exists('/src/realtime/metrics.controller.ts')).toBe(false);
    expect(moduleMetadataEntries(tree, '/src/realtime/realtime.module.ts', 'controllers')).toEqual([
      'HealthController',
      'PlaygroundController',
    ]);

    await nestAdd(tree, { metrics: true });
    expect(tree.exists('/src/realtime/metrics.controller.ts')).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/realtime/realtime.module.ts', 'controllers')).toEqual([
      'HealthController',
      'MetricsController',
      'PlaygroundController',
    ]);
  });

  it('verifies tokens in the mode --auth picks, HS256 by default', async () => {
    const tree = await nestAdd(createNestAppTree(12));
    expect(tree.readContent('/src/realtime/realtime.auth.ts')).toContain(
      'export const DEFAULT_AUTH_MODE: AuthMode = AuthMode.Hs256;',
    );

    await nestAdd(tree, { auth: 'jwks' });
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ auth: 'jwks' });
    expect(tree.readContent('/src/realtime/realtime.auth.ts')).toContain(
      'export const DEFAULT_AUTH_MODE: AuthMode = AuthMode.Jwks;',
    );
  });

  it("reads an earlier release's auth: jwt as hs256", async () => {
    const base = createNestAppTree(11);
    base.create('/nest-realtime.json', JSON.stringify({ auth: 'jwt' }));
    const tree = await nestAdd(base);
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ auth: 'hs256' });
  });

  it('rejects an auth mode it does not know in nest-realtime.json, writing nothing', async () => {
    const base = createNestAppTree(11);
    base.create('/nest-realtime.json', JSON.stringify({ auth: 'basic' }));
    const before = snapshot(base);
    await expect(nestAdd(base)).rejects.toThrow(/"auth" must be one of hs256, jwks/);
    expect(snapshot(base)).toEqual(before);
  });

  it('keeps earlier choices when run again without flags', async () => {
    const tree = await nestAdd(createNestAppTree(11), { adapter: 'sharded', namespacePrefix: '/v2' });
    await nestAdd(tree);
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ adapter: 'sharded', namespacePrefix: '/v2' });
  });

  it('updates kit files the user did not edit when the defaults change, and keeps edited ones', async () => {
    const tree = await nestAdd(createNestAppTree(12));
    tree.overwrite('/src/realtime/redis.config.ts', '// tuned by the team\n');
    await nestAdd(tree, { corsOriginsEnv: 'WS_ORIGINS', adapter: 'streams' });
    expect(tree.readContent('/src/realtime/realtime.config.ts')).toContain(
      "export const CORS_ORIGINS_VARIABLE = 'WS_ORIGINS';",
    );
    expect(tree.readContent('/src/realtime/redis.config.ts')).toBe('// tuned by the team\n');
  });

  it('names a custom origins variable everywhere the kit reads or mentions it at run time', async () => {
    const tree = await nestAdd(createNestAppTree(12), { corsOriginsEnv: 'WS_ORIGINS' });
    const kitFiles = tree.getDir('/src/realtime').subfiles.map((file) => `/src/realtime/${file}`);
    // Outside comments, the default name would be a variable this app does not read.
    const readsDefault = kitFiles.filter((path) =>
      tree
        .readContent(path)
        .split('\n')
        .some((line) => /CORS_ORIGINS(?!_VARIABLE)/.test(line) && !/^\s*(\/\/|\*|\/\*\*)/.test(line)),
    );
    expect(readsDefault).toEqual([]);
    expect(tree.readContent('/src/realtime/realtime.playground.spec.ts')).toContain('CORS_ORIGINS_VARIABLE');
  });

  it('leaves a custom collection alone and says how to run ours', async () => {
    const base = createNestAppTree(11);
    base.overwrite('/nest-cli.json', JSON.stringify({ collection: '@acme/schematics', sourceRoot: 'src' }));
    const warnings: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
    const tree = await nestAdd(base);
    subscription.unsubscribe();
    expect(json<{ collection: string }>(tree, '/nest-cli.json').collection).toBe('@acme/schematics');
    expect(warnings.join('\n')).toMatch(/nest g -c nest-realtime/);
  });

  it('leaves a main.ts it does not understand untouched and prints the lines to add', async () => {
    const base = createNestAppTree(12);
    const custom = `import { createApp } from './factory.js';\n\nawait createApp().then((app) => app.listen(3000));\n`;
    base.overwrite('/src/main.ts', custom);
    const warnings: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
    const tree = await nestAdd(base);
    subscription.unsubscribe();
    expect(tree.readContent('/src/main.ts')).toBe(custom);
    expect(warnings.join('\n')).toContain("import { useRealtimeAdapter } from './realtime/redis-io.adapter.js';");
    expect(warnings.join('\n')).toContain('await useRealtimeAdapter(app);');
  });

  it('rejects a CORS variable name that is not one', async () => {
    const base = createNestAppTree(11);
    const before = snapshot(base);
    await expect(nestAdd(base, { corsOriginsEnv: 'not a name' })).rejects.toThrow(/corsOriginsEnv/);
    expect(snapshot(base)).toEqual(before);
  });

  it('rejects a tree that is not a Nest app', async () => {
    const base = createNestAppTree(11);
    base.delete('/package.json');
    await expect(nestAdd(base)).rejects.toThrow(/No package.json found/);
  });

  it('is reachable as ng-add too', async () => {
    const tree = await runner.runSchematic('ng-add', {}, createNestAppTree(11));
    expect(tree.exists('/nest-realtime.json')).toBe(true);
  });
});
