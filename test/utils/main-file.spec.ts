import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { ensureShutdownHooks, findRootModule, MainFileEdit, shutsDownOnEverySignal } from '../../src/utils/main-file';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { addMonorepoApp, createNestAppTree } from '../fixtures/nest-app';

/** The statements of bootstrap(), as text, read from the AST. */
function bootstrapStatements(tree: UnitTestTree): string[] {
  const source = readSourceFile(tree, '/src/main.ts');
  const bootstrap = source.statements.find(ts.isFunctionDeclaration);
  return bootstrap?.body?.statements.map((statement) => statement.getText(source)) ?? [];
}

/** A fresh app whose bootstrap runs `statement` before listening; returns the file's text. */
function withStatementBeforeListen(tree: UnitTestTree, statement: string): string {
  const text = tree.readContent('/src/main.ts').replace('  await app.listen', `  ${statement}\n  await app.listen`);
  tree.overwrite('/src/main.ts', text);
  return text;
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
    const text = withStatementBeforeListen(tree, 'app.enableShutdownHooks();');
    expect(ensureShutdownHooks(tree, '/src/main.ts')).toBe(MainFileEdit.AlreadyPresent);
    expect(tree.readContent('/src/main.ts')).toBe(text);
    expect(shutsDownOnEverySignal(tree, '/src/main.ts')).toBe(true);
  });

  it('gives the call an earlier release wrote the two signals, once', () => {
    const tree = createNestAppTree(12);
    withStatementBeforeListen(tree, 'app.enableShutdownHooks([], { useProcessExit: true });');

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
