import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import {
  ensureRealtimeAdapter,
  ensureShutdownHooks,
  findRootModule,
  MainFileEdit,
  shutsDownOnEverySignal,
} from '../../src/utils/main-file';
import { isRuntimeSpecifier } from '../../src/utils/runtime-location';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { addMonorepoApp, createNestAppTree, editMain } from '../fixtures/nest-app';

/** The statements of bootstrap(), as text, read from the AST. */
function bootstrapStatements(tree: UnitTestTree): string[] {
  const source = readSourceFile(tree, '/src/main.ts');
  const bootstrap = source.statements.find(ts.isFunctionDeclaration);
  return bootstrap?.body?.statements.map((statement) => statement.getText(source)) ?? [];
}

describe('ensureShutdownHooks', () => {
  it.each([11, 12] as const)('adds the call right after NestFactory.create in a Nest %i main.ts', (major) => {
    const tree = createNestAppTree(major);
    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.Added);
    expect(bootstrapStatements(tree)).toEqual([
      'const app = await NestFactory.create(AppModule);',
      "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
      'await app.listen(process.env.PORT ?? 3000);',
    ]);
  });

  it('keeps the ESM top-level await and the CommonJS call of bootstrap()', () => {
    const esm = createNestAppTree(12);
    ensureShutdownHooks(esm, '/src/main.ts');
    expect(esm.readContent('/src/main.ts')).toMatch(/\nawait bootstrap\(\);\n$/);
    const cjs = createNestAppTree(11);
    ensureShutdownHooks(cjs, '/src/main.ts');
    expect(cjs.readContent('/src/main.ts')).toMatch(/\nbootstrap\(\);\n$/);
  });

  it('is idempotent', () => {
    const tree = createNestAppTree(11);
    ensureShutdownHooks(tree, '/src/main.ts');
    const once = tree.readContent('/src/main.ts');
    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.AlreadyPresent);
    expect(tree.readContent('/src/main.ts')).toBe(once);
  });

  it("respects the user's own enableShutdownHooks call, and says when it stops on every signal", () => {
    const tree = createNestAppTree(11);
    const text = editMain(tree, { statements: ['app.enableShutdownHooks();'] });
    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.AlreadyPresent);
    expect(tree.readContent('/src/main.ts')).toBe(text);
    expect(shutsDownOnEverySignal(tree, '/src/main.ts')).toBe(true);
  });

  it('gives the call an earlier release wrote the two signals, once', () => {
    const tree = createNestAppTree(12);
    editMain(tree, { statements: ['app.enableShutdownHooks([], { useProcessExit: true });'] });

    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.Updated);
    const updated = tree.readContent('/src/main.ts');
    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.AlreadyPresent);

    expect(tree.readContent('/src/main.ts')).toBe(updated);
    expect(bootstrapStatements(tree)).toContain(
      "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
    );
    expect(shutsDownOnEverySignal(tree, '/src/main.ts')).toBe(false);
  });

  it('uses the name the app variable has', () => {
    const tree = createNestAppTree(11);
    tree.overwrite('/src/main.ts', tree.readContent('/src/main.ts').replace(/\bapp\b/g, 'server'));
    ensureShutdownHooks(tree, '/src/main.ts');
    expect(bootstrapStatements(tree)[1]).toBe(
      "server.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
    );
  });

  it('leaves a bootstrap it does not understand untouched', () => {
    const tree = new UnitTestTree(new HostTree());
    const text = `import { createApp } from './factory';\nvoid createApp().then((app) => app.listen(3000));\n`;
    tree.create('/src/main.ts', text);
    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.NotUnderstood);
    expect(tree.readContent('/src/main.ts')).toBe(text);
  });
});

describe('ensureRealtimeAdapter', () => {
  const packageImports = (fromFile: string, specifier: string) => isRuntimeSpecifier(undefined, fromFile, specifier);
  const ensure = (tree: UnitTestTree) => ensureRealtimeAdapter(tree, '/src/main.ts', 'nest-realtime', packageImports);

  /** The Nest docs' Redis adapter, in the app's own file. */
  const NEST_DOCS_REDIS_ADAPTER = [
    "import { IoAdapter } from '@nestjs/platform-socket.io';",
    '',
    'export class RedisIoAdapter extends IoAdapter {',
    '  async connectToRedis(): Promise<void> {}',
    '}',
    '',
  ].join('\n');

  /** A fresh app whose main.ts has `imports` and runs `statements` before listening. */
  function withAdapter(major: 11 | 12, imports: string[], statements: string[]): UnitTestTree {
    const tree = createNestAppTree(major);
    editMain(tree, { imports, statements });
    return tree;
  }

  /** bootstrap() of a fresh app once the runtime's adapter is all it sets. */
  const BOOTSTRAP_WITH_OUR_ADAPTER = [
    'const app = await NestFactory.create(AppModule);',
    'await useRealtimeAdapter(app);',
    'await app.listen(process.env.PORT ?? 3000);',
  ];

  it.each([11, 12] as const)(
    'adds the call and its import right after NestFactory.create in Nest %i, once',
    (major) => {
      const tree = createNestAppTree(major);
      expect(ensure(tree)).toBe(MainFileEdit.Added);
      const once = tree.readContent('/src/main.ts');
      expect(ensure(tree)).toBe(MainFileEdit.AlreadyPresent);

      expect(tree.readContent('/src/main.ts')).toBe(once);
      expect(once).toContain("import { useRealtimeAdapter } from 'nest-realtime';");
      expect(bootstrapStatements(tree).slice(0, 2)).toEqual([
        'const app = await NestFactory.create(AppModule);',
        'await useRealtimeAdapter(app);',
      ]);
    },
  );

  it("takes the place of Nest's stock IoAdapter, and drops its import once unused", () => {
    const tree = withAdapter(
      11,
      ["import { IoAdapter } from '@nestjs/platform-socket.io';"],
      ['app.useWebSocketAdapter(new IoAdapter(app));'],
    );
    expect(ensure(tree)).toBe(MainFileEdit.Updated);
    const replaced = tree.readContent('/src/main.ts');
    expect(ensure(tree)).toBe(MainFileEdit.AlreadyPresent);

    expect(tree.readContent('/src/main.ts')).toBe(replaced);
    expect(replaced).not.toContain('IoAdapter');
    expect(replaced).toContain("import { useRealtimeAdapter } from 'nest-realtime';");
    expect(bootstrapStatements(tree)).toEqual(BOOTSTRAP_WITH_OUR_ADAPTER);
  });

  it('removes a stock IoAdapter set after ours, keeping an import still in use', () => {
    const tree = withAdapter(
      12,
      ["import { IoAdapter, type IoAdapter as Stock } from '@nestjs/platform-socket.io';", 'export type Kept = Stock;'],
      ['await useRealtimeAdapter(app);', 'app.useWebSocketAdapter(new IoAdapter(app));'],
    );
    expect(ensure(tree)).toBe(MainFileEdit.Updated);

    expect(tree.readContent('/src/main.ts')).toContain(
      "import { type IoAdapter as Stock } from '@nestjs/platform-socket.io';",
    );
    expect(bootstrapStatements(tree)).toEqual(BOOTSTRAP_WITH_OUR_ADAPTER);
  });

  it('accepts an adapter of the app that extends the runtime’s, changing nothing', () => {
    const tree = withAdapter(
      11,
      ["import { TracingAdapter } from './tracing.adapter';"],
      ['const adapter = new TracingAdapter(app);', 'app.useWebSocketAdapter(adapter);'],
    );
    tree.create(
      '/src/tracing.adapter.ts',
      "import { RealtimeIoAdapter } from 'nest-realtime';\n\nclass Base extends RealtimeIoAdapter {}\nexport class TracingAdapter extends Base {}\n",
    );
    const text = tree.readContent('/src/main.ts');

    expect(ensure(tree)).toBe(MainFileEdit.AlreadyPresent);
    expect(tree.readContent('/src/main.ts')).toBe(text);
  });

  it.each([
    [
      'the Nest docs’ Redis adapter',
      [
        'const redisIoAdapter = new RedisIoAdapter(app);',
        'await redisIoAdapter.connectToRedis();',
        'app.useWebSocketAdapter(redisIoAdapter);',
      ],
      'app.useWebSocketAdapter(redisIoAdapter)',
    ],
    [
      'an adapter set after ours',
      ['await useRealtimeAdapter(app);', 'app.useWebSocketAdapter(new RedisIoAdapter(app));'],
      'app.useWebSocketAdapter(new RedisIoAdapter(app))',
    ],
    ['the ws adapter', ['app.useWebSocketAdapter(new WsAdapter(app));'], 'app.useWebSocketAdapter(new WsAdapter(app))'],
  ])('refuses %s, naming the line and what to change, and changes nothing', (_shape, statements, call) => {
    const tree = withAdapter(
      11,
      [
        "import { RedisIoAdapter } from './adapters/redis-io.adapter';",
        "import { WsAdapter } from '@nestjs/platform-ws';",
      ],
      statements,
    );
    tree.create('/src/adapters/redis-io.adapter.ts', NEST_DOCS_REDIS_ADAPTER);
    const text = tree.readContent('/src/main.ts');
    const line = text.split('\n').findIndex((candidate) => candidate.includes(call)) + 1;

    expect(() => ensure(tree)).toThrow(`src/main.ts:${line} sets a WebSocket adapter of its own: ${call}`);
    expect(() => ensure(tree)).toThrow(/remove that call and the adapter's setup, then run this again/);
    expect(() => ensure(tree)).toThrow(/extend RealtimeIoAdapter from 'nest-realtime'/);
    expect(tree.readContent('/src/main.ts')).toBe(text);
  });

  it('knows an ejected runtime as the runtime', () => {
    const ejected = { path: 'src/realtime/runtime', version: '0.2.1' };
    expect(isRuntimeSpecifier(ejected, '/src/main.ts', './realtime/runtime/index')).toBe(true);
    expect(isRuntimeSpecifier(ejected, '/src/chat/chat.adapter.ts', '../realtime/runtime/redis/index')).toBe(true);
    expect(isRuntimeSpecifier(ejected, '/src/main.ts', './realtime/realtime.options')).toBe(false);
    expect(isRuntimeSpecifier(undefined, '/src/main.ts', './realtime/runtime/index')).toBe(false);
  });
});

describe('findRootModule', () => {
  it.each([11, 12] as const)('finds the module a Nest %i main.ts boots, and its file', (major) => {
    expect(findRootModule(createNestAppTree(major), '/src/main.ts')).toEqual({
      className: 'AppModule',
      path: '/src/app.module.ts',
    });
  });

  it("finds a monorepo project's module below its own source root", () => {
    const tree = createNestAppTree(11);
    addMonorepoApp(tree, 'admin');
    tree.overwrite(
      '/apps/admin/src/main.ts',
      tree
        .readContent('/apps/admin/src/main.ts')
        .replace(/AppModule/g, 'AdminModule')
        .replace('./app.module', './admin.module'),
    );
    tree.create('/apps/admin/src/admin.module.ts', 'export class AdminModule {}\n');

    expect(findRootModule(tree, '/apps/admin/src/main.ts')).toEqual({
      className: 'AdminModule',
      path: '/apps/admin/src/admin.module.ts',
    });
  });

  it('is undefined when the booted module is no imported class, or its file is missing', () => {
    const tree = createNestAppTree(11);
    const main = tree.readContent('/src/main.ts');
    tree.overwrite('/src/main.ts', main.replace('NestFactory.create(AppModule)', 'NestFactory.create(modules.root)'));
    expect(findRootModule(tree, '/src/main.ts')).toBeUndefined();

    tree.overwrite('/src/main.ts', main);
    tree.delete('/src/app.module.ts');
    expect(findRootModule(tree, '/src/main.ts')).toBeUndefined();
  });
});
