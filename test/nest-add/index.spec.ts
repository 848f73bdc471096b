import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { version as OUR_VERSION } from '../../package.json';
import { Schema as NestAddOptions } from '../../src/nest-add/schema';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';
import { createNestAppTree, editMain, FixtureMajor } from '../fixtures/nest-app';
import { bootstrapStatements, namedImports, realtimeOptions } from '../support/generated-source';
import { runner, snapshot, withRunnerLogs } from '../support/schematics';

function nestAdd(tree: UnitTestTree, options: NestAddOptions = {}): Promise<UnitTestTree> {
  return runner.runSchematic('nest-add', options, tree);
}

function json<T>(tree: UnitTestTree, path: string): T {
  return JSON.parse(tree.readContent(path)) as T;
}

/** Runs nest-add, collecting the warnings it logs. */
/** Runs nest add, keeping what it logged at `level`. */
async function nestAddLogged(
  tree: UnitTestTree,
  options: NestAddOptions = {},
  level: 'info' | 'warn' = 'info',
): Promise<{ tree: UnitTestTree; messages: string }> {
  const { result, logs } = await withRunnerLogs(() => nestAdd(tree, options));
  return { tree: result, messages: logs[level].join('\n') };
}

async function nestAddWarning(
  tree: UnitTestTree,
  options: NestAddOptions = {},
): Promise<{ tree: UnitTestTree; warnings: string }> {
  const { tree: result, messages } = await nestAddLogged(tree, options, 'warn');
  return { tree: result, warnings: messages };
}

/** What the runtime depends on itself: an app gets them with nest-realtime. */
const RUNTIME_OWN_DEPENDENCIES = ['jose', 'prom-client', 'rate-limiter-flexible', 'socket.io-parser'];

describe.each([11, 12] as FixtureMajor[])('nest-add in a Nest %i app', (major) => {
  const ext = major === 12 ? '.js' : '';
  let tree: UnitTestTree;

  beforeEach(async () => {
    tree = await nestAdd(createNestAppTree(major));
  });

  it('writes the app-owned options with the project defaults and the auth policy, and no runtime code', () => {
    expect(tree.getDir('/src/realtime').subfiles.slice().sort()).toEqual(['auth.policy.ts', 'realtime.options.ts']);
    expect(realtimeOptions(tree)).toEqual({
      auth: 'hs256',
      redisAdapter: 'pubsub',
      corsOriginsVariable: 'CORS_ORIGINS',
      metrics: true,
      authPolicy: 'AuthPolicy',
    });
    expect(namedImports(tree, '/src/realtime/realtime.options.ts')).toEqual({
      RealtimeModuleOptions: ['nest-realtime'],
      AuthPolicy: [`./auth.policy${ext}`],
    });
    expect(namedImports(tree, '/src/realtime/auth.policy.ts')).toMatchObject({
      RealtimeAuthPolicy: ['nest-realtime'],
    });
  });

  it('registers RealtimeModule with those options in AppModule, imported once each', () => {
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([
      'RealtimeModule.forRoot(realtimeOptions)',
    ]);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'controllers')).toEqual(['AppController']);
    expect(namedImports(tree, '/src/app.module.ts')).toMatchObject({
      RealtimeModule: ['nest-realtime'],
      realtimeOptions: [`./realtime/realtime.options${ext}`],
    });
  });

  it("makes main.ts use the runtime's adapter and shut down gracefully", () => {
    expect(bootstrapStatements(tree)).toEqual([
      'const app = await NestFactory.create(AppModule);',
      "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
      'await useRealtimeAdapter(app);',
      'await app.listen(process.env.PORT ?? 3000);',
    ]);
    expect(namedImports(tree, '/src/main.ts')).toMatchObject({ useRealtimeAdapter: ['nest-realtime'] });
  });

  it('makes nest-cli.json use our collection and keeps every other key', () => {
    expect(json<Record<string, unknown>>(tree, '/nest-cli.json')).toEqual({
      collection: 'nest-realtime',
      sourceRoot: 'src',
      compilerOptions: { deleteOutDir: true },
    });
  });

  it('records the project defaults, and the release that set the app up', () => {
    const { generated: _generated, version, ...defaults } = json<Record<string, unknown>>(tree, '/nest-realtime.json');
    expect(version).toBe(OUR_VERSION);
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
    expect(Object.keys(generated).sort()).toEqual([
      'src/asyncapi.ts',
      'src/realtime/auth.policy.ts',
      'src/realtime/realtime.options.ts',
      'test/asyncapi.e2e-spec.ts',
    ]);
  });

  it('puts nest-realtime and its peers in dependencies, and schedules one install', () => {
    const manifest = json<{ dependencies: Record<string, string> }>(tree, '/package.json');
    expect(manifest.dependencies['nest-realtime']).toBe(`^${OUR_VERSION}`);
    expect(manifest.dependencies['@nestjs/websockets']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining(['socket.io', '@socket.io/redis-adapter', 'ioredis', '@nestjs/terminus']),
    );
    expect(runner.tasks.filter((task) => task.name === 'node-package')).toHaveLength(1);
  });

  it("leaves the runtime's own dependencies to it", () => {
    const { dependencies, devDependencies } = json<Record<string, Record<string, string>>>(tree, '/package.json');
    const names = [...Object.keys(dependencies), ...Object.keys(devDependencies)];
    expect(names.filter((name) => RUNTIME_OWN_DEPENDENCIES.includes(name))).toEqual([]);
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
    expect(realtimeOptions(tree)).toMatchObject({ redisAdapter: 'streams', corsOriginsVariable: 'WS_ORIGINS' });
  });

  it('turns the metrics endpoint off with --metrics=false, and back on with --metrics', async () => {
    const tree = await nestAdd(createNestAppTree(11), { metrics: false });
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ metrics: false });
    expect(realtimeOptions(tree)).toMatchObject({ metrics: false });

    await nestAdd(tree, { metrics: true });
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ metrics: true });
    expect(realtimeOptions(tree)).toMatchObject({ metrics: true });
  });

  it('verifies tokens in the mode --auth picks, HS256 by default', async () => {
    const tree = await nestAdd(createNestAppTree(12));
    expect(realtimeOptions(tree)).toMatchObject({ auth: 'hs256' });

    await nestAdd(tree, { auth: 'jwks' });
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ auth: 'jwks' });
    expect(realtimeOptions(tree)).toMatchObject({ auth: 'jwks' });
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

  it('moves nest-realtime installed with npm i -D into dependencies, keeping its version, with one install', async () => {
    const base = createNestAppTree(11);
    const manifest = json<{ devDependencies: Record<string, string> }>(base, '/package.json');
    manifest.devDependencies['nest-realtime'] = '0.2.0-rc.1';
    base.overwrite('/package.json', JSON.stringify(manifest, null, 2) + '\n');

    const tree = await nestAdd(base);

    const after = json<Record<string, Record<string, string>>>(tree, '/package.json');
    expect(after.dependencies['nest-realtime']).toBe('0.2.0-rc.1');
    expect(after.devDependencies).not.toHaveProperty('nest-realtime');
    expect(runner.tasks.filter((task) => task.name === 'node-package')).toHaveLength(1);
  });

  it('keeps earlier choices when run again without flags', async () => {
    const tree = await nestAdd(createNestAppTree(11), { adapter: 'sharded', namespacePrefix: '/v2' });
    await nestAdd(tree);
    expect(json(tree, '/nest-realtime.json')).toMatchObject({ adapter: 'sharded', namespacePrefix: '/v2' });
  });

  it('updates the options file when the defaults change and nobody edited it', async () => {
    const tree = await nestAdd(createNestAppTree(12));
    const policy = tree.readContent('/src/realtime/auth.policy.ts');

    await nestAdd(tree, { corsOriginsEnv: 'WS_ORIGINS', adapter: 'streams' });

    expect(realtimeOptions(tree)).toMatchObject({ redisAdapter: 'streams', corsOriginsVariable: 'WS_ORIGINS' });
    expect(tree.readContent('/src/realtime/auth.policy.ts')).toBe(policy);
  });

  it('keeps an options file the team edited when the defaults change, and says how to take ours', async () => {
    const tree = await nestAdd(createNestAppTree(12));
    const edited = tree
      .readContent('/src/realtime/realtime.options.ts')
      .replace('authPolicy: AuthPolicy,', 'authPolicy: AuthPolicy,\n  limits: { maxRoomsPerSocket: 20 },');
    tree.overwrite('/src/realtime/realtime.options.ts', edited);

    const { warnings } = await nestAddWarning(tree, { adapter: 'streams' });

    expect(tree.readContent('/src/realtime/realtime.options.ts')).toBe(edited);
    expect(warnings).toMatch(/Kept \/src\/realtime\/realtime\.options\.ts: .*--force/);
  });

  it('names a custom origins variable in the options the runtime reads, and the default nowhere', async () => {
    const tree = await nestAdd(createNestAppTree(12), { corsOriginsEnv: 'WS_ORIGINS' });
    expect(realtimeOptions(tree).corsOriginsVariable).toBe('WS_ORIGINS');
    const naming = tree.files.filter((path) => /CORS_ORIGINS/.test(tree.readContent(path)));
    expect(naming).toEqual([]);
  });

  it('leaves a custom collection alone and says how to run ours', async () => {
    const base = createNestAppTree(11);
    base.overwrite('/nest-cli.json', JSON.stringify({ collection: '@acme/schematics', sourceRoot: 'src' }));
    const { tree, warnings } = await nestAddWarning(base);
    expect(json<{ collection: string }>(tree, '/nest-cli.json').collection).toBe('@acme/schematics');
    expect(warnings).toMatch(/nest g -c nest-realtime/);
  });

  it('leaves a main.ts it does not understand untouched and prints the lines to add', async () => {
    const base = createNestAppTree(12);
    const custom = `import { createApp } from './factory.js';\n\nawait createApp().then((app) => app.listen(3000));\n`;
    base.overwrite('/src/main.ts', custom);
    const { tree, warnings } = await nestAddWarning(base);
    expect(tree.readContent('/src/main.ts')).toBe(custom);
    expect(warnings).toContain("import { useRealtimeAdapter } from 'nest-realtime';");
    expect(warnings).toContain('await useRealtimeAdapter(app);');
    // Nor can it tell the root module, so RealtimeModule is left to the team too, with the lines to add.
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([]);
    expect(warnings).toContain('imports: [RealtimeModule.forRoot(realtimeOptions), ...]');
  });

  it('refuses an app that sets a WebSocket adapter of its own, writing nothing', async () => {
    const base = createNestAppTree(11);
    base.create(
      '/src/redis-io.adapter.ts',
      "import { IoAdapter } from '@nestjs/platform-socket.io';\n\nexport class RedisIoAdapter extends IoAdapter {}\n",
    );
    editMain(base, {
      imports: ["import { RedisIoAdapter } from './redis-io.adapter';"],
      statements: ['app.useWebSocketAdapter(new RedisIoAdapter(app));'],
    });
    const before = snapshot(base);

    await expect(nestAdd(base)).rejects.toThrow(
      'src/main.ts:7 sets a WebSocket adapter of its own: app.useWebSocketAdapter(new RedisIoAdapter(app))',
    );
    expect(snapshot(base)).toEqual(before);
  });

  it.each([11, 12] as FixtureMajor[])('ends with the next steps in the commands of a Nest %i app', async (major) => {
    const { messages } = await nestAddLogged(createNestAppTree(major), { skipInstall: true });
    const steps = messages.slice(messages.indexOf('Next:')).split('\n');

    expect(steps).toEqual([
      'Next:',
      expect.stringMatching(/^ {2}npm install +# you passed --skip-install$/),
      expect.stringMatching(/^ {2}nest g realtime-gateway chat +# a chat feature/),
      expect.stringMatching(/^ {2}npm run test:e2e +# the e2e specs, the AsyncAPI one included$/),
      expect.stringMatching(
        /^ {2}REALTIME_PLAYGROUND=1 npm run start +# then open http:\/\/localhost:3000\/realtime\/playground/,
      ),
      expect.stringMatching(/^ {2}nest g realtime-event chat\/typing +# one more event on a gateway$/),
      expect.stringMatching(/^ {2}nest g realtime-k8s +# Kubernetes manifests in deploy\/$/),
      'Run the app with JWT_SECRET set (or JWKS_URI in jwks mode); REDIS_URL to scale out.',
    ]);
  });

  it("replaces Nest's stock IoAdapter and says so", async () => {
    const base = createNestAppTree(12);
    editMain(base, {
      imports: ["import { IoAdapter } from '@nestjs/platform-socket.io';"],
      statements: ['app.useWebSocketAdapter(new IoAdapter(app));'],
    });
    const { tree, messages } = await nestAddLogged(base);

    expect(tree.readContent('/src/main.ts')).not.toContain('IoAdapter');
    expect(tree.readContent('/src/main.ts')).toContain('await useRealtimeAdapter(app);');
    expect(messages).toContain("/src/main.ts: `await useRealtimeAdapter(app)` replaces Nest's stock IoAdapter");
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
