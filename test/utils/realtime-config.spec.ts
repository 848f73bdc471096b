import { Rule } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';
import { loadHostFormatter } from '../../src/utils/formatting';
import { detectHostProject } from '../../src/utils/host-project';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';
import { BUILT_IN_DEFAULTS } from '../../src/utils/project-defaults';
import { bootstrapRealtime, registerRealtimeModule, renderRealtimeConfig } from '../../src/utils/realtime-config';
import { addMonorepoApp, createNestAppTree, editMain, FixtureMajor } from '../fixtures/nest-app';
import { bootstrapStatements, namedImports, realtimeOptions } from '../support/generated-source';
import { applyRule, snapshot } from '../support/schematics';

/** The host of the fixture's prettier config: double quotes, no semicolons, 40 columns. */
const hostFormat = loadHostFormatter(join(__dirname, '../fixtures/prettier-host'));

const REALTIME_MODULE = 'RealtimeModule.forRoot(realtimeOptions)';

/** Applies one rule to the tree as a schematic would; what it logged as warnings, joined. */
/** Runs `rule` on `tree`; what it warned, as one text. */
async function apply(rule: Rule, tree: UnitTestTree): Promise<string> {
  return (await applyRule(rule, tree)).warn.join('\n');
}

/** A fresh app whose AppModule is `source`. */
function appWithModule(major: FixtureMajor, source: string): UnitTestTree {
  const tree = createNestAppTree(major);
  tree.overwrite('/src/app.module.ts', source);
  return tree;
}

describe('renderRealtimeConfig', () => {
  it.each([11, 12] as FixtureMajor[])(
    'writes the options RealtimeModule gets and the auth policy they name, in a Nest %i app',
    async (major) => {
      const tree = createNestAppTree(major);
      const host = detectHostProject(tree);

      await apply(renderRealtimeConfig({ host, defaults: { ...BUILT_IN_DEFAULTS, adapter: 'sharded' } }), tree);

      expect(realtimeOptions(tree)).toEqual({
        auth: 'hs256',
        redisAdapter: 'sharded',
        corsOriginsVariable: 'CORS_ORIGINS',
        metrics: true,
        authPolicy: 'AuthPolicy',
      });
      expect(namedImports(tree, '/src/realtime/realtime.options.ts')).toEqual({
        RealtimeModuleOptions: ['nest-realtime'],
        AuthPolicy: [`./auth.policy${major === 12 ? '.js' : ''}`],
      });
      expect(tree.readContent('/src/realtime/auth.policy.ts')).toContain(
        'export class AuthPolicy extends RealtimeAuthPolicy',
      );
    },
  );

  it('records both files as generated, so a later release can tell whether the team edited them', async () => {
    const tree = createNestAppTree(12);

    await apply(renderRealtimeConfig({ host: detectHostProject(tree), defaults: BUILT_IN_DEFAULTS }), tree);

    const { generated } = JSON.parse(tree.readContent('/nest-realtime.json')) as { generated: object };
    expect(Object.keys(generated).sort()).toEqual(['src/realtime/auth.policy.ts', 'src/realtime/realtime.options.ts']);
  });

  it('names the module main.ts boots as the one the options are given to', async () => {
    const tree = createNestAppTree(11);
    tree.rename('/src/app.module.ts', '/src/root.module.ts');
    tree.overwrite('/src/main.ts', tree.readContent('/src/main.ts').replace('./app.module', './root.module'));

    await apply(renderRealtimeConfig({ host: detectHostProject(tree), defaults: BUILT_IN_DEFAULTS }), tree);

    expect(tree.readContent('/src/realtime/realtime.options.ts')).toContain(
      'RealtimeModule.forRoot in\n * root.module.ts',
    );
  });

  it("writes them in the host's style", async () => {
    const tree = createNestAppTree(12);

    await apply(
      renderRealtimeConfig({ host: detectHostProject(tree), defaults: BUILT_IN_DEFAULTS, format: hostFormat }),
      tree,
    );

    const options = tree.readContent('/src/realtime/realtime.options.ts');
    expect(options).toContain('import { AuthPolicy } from "./auth.policy.js"\n');
    expect(options).toContain('redisAdapter: "pubsub",');
  });
});

describe('registerRealtimeModule', () => {
  it.each([11, 12] as FixtureMajor[])(
    'adds RealtimeModule.forRoot(realtimeOptions) to the imports of AppModule, imported once each (Nest %i)',
    async (major) => {
      const tree = createNestAppTree(major);

      await apply(registerRealtimeModule(detectHostProject(tree)), tree);

      expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE]);
      expect(namedImports(tree, '/src/app.module.ts')).toMatchObject({
        RealtimeModule: ['nest-realtime'],
        realtimeOptions: [`./realtime/realtime.options${major === 12 ? '.js' : ''}`],
      });
    },
  );

  it('changes nothing the second time', async () => {
    const tree = createNestAppTree(12);
    const host = detectHostProject(tree);
    await apply(registerRealtimeModule(host), tree);
    const once = tree.readContent('/src/app.module.ts');

    await apply(registerRealtimeModule(host), tree);

    expect(tree.readContent('/src/app.module.ts')).toBe(once);
  });

  it("leaves a team's own RealtimeModule.forRootAsync(...) entry alone, importing nothing more", async () => {
    const source = [
      `import { Module } from '@nestjs/common';`,
      `import { ConfigModule, ConfigService } from '@nestjs/config';`,
      `import { RealtimeModule } from 'nest-realtime';`,
      ``,
      `@Module({`,
      `  imports: [`,
      `    ConfigModule.forRoot(),`,
      `    RealtimeModule.forRootAsync({`,
      `      inject: [ConfigService],`,
      `      useFactory: (config: ConfigService) => ({ corsOriginsVariable: config.get('ORIGINS') }),`,
      `    }),`,
      `  ],`,
      `})`,
      `export class AppModule {}`,
      ``,
    ].join('\n');
    const tree = appWithModule(11, source);

    await apply(registerRealtimeModule(detectHostProject(tree)), tree);

    expect(tree.readContent('/src/app.module.ts')).toBe(source);
  });

  it('configures, in place, the bare RealtimeModule an earlier release registered', async () => {
    const tree = appWithModule(
      12,
      [
        `import { Module } from '@nestjs/common';`,
        `import { RealtimeModule } from 'nest-realtime';`,
        `import { ChatModule } from './chat/chat.module.js';`,
        ``,
        `@Module({ imports: [RealtimeModule, ChatModule] })`,
        `export class AppModule {}`,
        ``,
      ].join('\n'),
    );

    await apply(registerRealtimeModule(detectHostProject(tree)), tree);

    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE, 'ChatModule']);
    expect(namedImports(tree, '/src/app.module.ts')).toMatchObject({
      RealtimeModule: ['nest-realtime'],
      realtimeOptions: ['./realtime/realtime.options.js'],
    });
  });

  it('registers in the module a monorepo project boots, and leaves the other project alone', async () => {
    const tree = createNestAppTree(11);
    addMonorepoApp(tree, 'admin');
    const svcModule = tree.readContent('/apps/svc/src/app.module.ts');

    await apply(registerRealtimeModule(detectHostProject(tree, { project: 'admin' })), tree);

    expect(moduleMetadataEntries(tree, '/apps/admin/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE]);
    expect(namedImports(tree, '/apps/admin/src/app.module.ts')).toMatchObject({
      realtimeOptions: ['./realtime/realtime.options'],
    });
    expect(tree.readContent('/apps/svc/src/app.module.ts')).toBe(svcModule);
  });

  it('changes nothing where main.ts does not say which module it boots, and prints the lines to add', async () => {
    const tree = createNestAppTree(12);
    tree.overwrite(
      '/src/main.ts',
      tree.readContent('/src/main.ts').replace('NestFactory.create(AppModule)', 'NestFactory.create(modules.root)'),
    );
    const before = snapshot(tree);

    const warnings = await apply(registerRealtimeModule(detectHostProject(tree)), tree);

    expect(snapshot(tree)).toEqual(before);
    expect(warnings).toContain('Could not tell which module /src/main.ts boots, so RealtimeModule was not registered');
    expect(warnings).toContain("  import { RealtimeModule } from 'nest-realtime';");
    expect(warnings).toContain("  import { realtimeOptions } from './realtime/realtime.options.js';");
    expect(warnings).toContain(`  imports: [${REALTIME_MODULE}, ...]`);
  });

  describe("with the host's formatter", () => {
    it("keeps a root module in the host's style", async () => {
      const tree = createNestAppTree(12);
      tree.overwrite(
        '/src/app.module.ts',
        await hostFormat!('/src/app.module.ts', tree.readContent('/src/app.module.ts')),
      );

      await apply(registerRealtimeModule(detectHostProject(tree), hostFormat), tree);

      const module = tree.readContent('/src/app.module.ts');
      expect(await hostFormat!('/src/app.module.ts', module)).toBe(module);
      expect(module).toContain('import { RealtimeModule } from "nest-realtime"\n');
    });

    it('does not reformat a root module the team keeps in another style', async () => {
      const tree = createNestAppTree(12);
      const before = tree.readContent('/src/app.module.ts');

      await apply(registerRealtimeModule(detectHostProject(tree), hostFormat), tree);

      const module = tree.readContent('/src/app.module.ts');
      expect(module).toContain(before.split('\n@Module')[0]);
      expect(module).toContain(`  imports: [${REALTIME_MODULE}],\n  controllers: [AppController],`);
    });
  });
});

describe('bootstrapRealtime', () => {
  it.each([11, 12] as FixtureMajor[])(
    "makes a Nest %i main.ts use the runtime's adapter and shut down gracefully",
    async (major) => {
      const tree = createNestAppTree(major);

      await apply(bootstrapRealtime(detectHostProject(tree)), tree);

      expect(bootstrapStatements(tree)).toEqual([
        'const app = await NestFactory.create(AppModule);',
        "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
        'await useRealtimeAdapter(app);',
        'await app.listen(process.env.PORT ?? 3000);',
      ]);
      expect(namedImports(tree, '/src/main.ts')).toMatchObject({ useRealtimeAdapter: ['nest-realtime'] });
    },
  );

  it('changes nothing the second time', async () => {
    const tree = createNestAppTree(11);
    const host = detectHostProject(tree);
    await apply(bootstrapRealtime(host), tree);
    const once = tree.readContent('/src/main.ts');

    await apply(bootstrapRealtime(host), tree);

    expect(tree.readContent('/src/main.ts')).toBe(once);
  });

  it('leaves a main.ts it does not understand untouched and prints the lines to add', async () => {
    const tree = createNestAppTree(12);
    const custom = `import { createApp } from './factory.js';\n\nawait createApp().then((app) => app.listen(3000));\n`;
    tree.overwrite('/src/main.ts', custom);

    const warnings = await apply(bootstrapRealtime(detectHostProject(tree)), tree);

    expect(tree.readContent('/src/main.ts')).toBe(custom);
    expect(warnings).toContain("  import { useRealtimeAdapter } from 'nest-realtime';");
    expect(warnings).toContain("  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });");
    expect(warnings).toContain('  await useRealtimeAdapter(app);');
  });

  it('keeps an enableShutdownHooks() without signals, and says it stops the app on any signal', async () => {
    const tree = createNestAppTree(11);
    editMain(tree, { statements: ['app.enableShutdownHooks();'] });

    const warnings = await apply(bootstrapRealtime(detectHostProject(tree)), tree);

    expect(bootstrapStatements(tree)).toContain('app.enableShutdownHooks();');
    expect(bootstrapStatements(tree)).not.toContain(
      "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });",
    );
    expect(warnings).toContain('calls enableShutdownHooks() without signals, so any signal shuts the app down');
    expect(warnings).toContain('SIGTERM ends the process with exit code 143');
    // Once: a later run, which finds the adapter in place, leaves the team's choice in peace.
    await expect(apply(bootstrapRealtime(detectHostProject(tree)), tree)).resolves.toBe('');
  });
});
