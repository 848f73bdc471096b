import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentHash, NEST_REALTIME_VERSION } from '../../src/utils/generated-files';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { runner, snapshot } from '../support/schematics';

const RUNTIME = join(__dirname, '../../runtime');

function settings(tree: UnitTestTree): Record<string, unknown> {
  return JSON.parse(tree.readContent('/nest-realtime.json')) as Record<string, unknown>;
}

function manifest(tree: UnitTestTree): {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
} {
  return JSON.parse(tree.readContent('/package.json'));
}

function eject(tree: UnitTestTree, options: object = {}): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-eject', { skipInstall: true, ...options }, tree);
}

/** The module specifiers of a file's imports. */
function importSpecifiers(content: string): string[] {
  return [...content.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((match) => match[1]);
}

/** Every import of the package (`nest-realtime`, `nest-realtime/testing`, ...) left in the app's sources. */
function packageImports(tree: UnitTestTree): string[] {
  const found: string[] = [];
  for (const path of tree.files.filter((file) => /^\/(src|test)\/.*\.ts$/.test(file))) {
    const visit = (node: ts.Node): void => {
      const specifier =
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined
          ? node.moduleSpecifier
          : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
            ? node.arguments[0]
            : undefined;
      if (specifier !== undefined && ts.isStringLiteral(specifier) && /^nest-realtime(\/|$)/.test(specifier.text)) {
        found.push(`${path}: ${specifier.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(readSourceFile(tree, path));
  }
  return found;
}

async function appWithChat(major: FixtureMajor): Promise<UnitTestTree> {
  const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
  return runner.runSchematic('realtime-gateway', { name: 'chat', skipInstall: true }, tree);
}

describe.each([
  [11, ''],
  [12, '.js'],
] as Array<[FixtureMajor, string]>)('realtime-eject in a Nest %i app', (major, ext) => {
  let app: UnitTestTree;
  let tree: UnitTestTree;

  // Copying and formatting the runtime is the slow part: done once, each test works on its own copy.
  beforeAll(async () => {
    app = await appWithChat(major);
    await eject(app);
  });

  beforeEach(() => {
    tree = new UnitTestTree(app.branch());
  });

  it("copies every entry of the runtime into src/realtime/runtime/, in the host's module system", () => {
    for (const entry of ['index.ts', 'contract.ts', 'testing/index.ts', 'redis/index.ts']) {
      expect({ entry, copied: tree.exists(`/src/realtime/runtime/${entry}`) }).toEqual({ entry, copied: true });
    }
    const index = tree.readContent('/src/realtime/runtime/index.ts');
    expect(index).toContain(`from './realtime.module${ext}';`);
    expect(index).not.toContain(major === 11 ? ".js'" : "from './realtime.module';");
  });

  it('copies the static Redis loaders in place of the lazy ones, and no variant file', () => {
    const copied = tree.files.filter((path) => path.startsWith('/src/realtime/runtime/'));
    expect(copied.filter((path) => path.includes('.ejected.'))).toEqual([]);
    const lazy = readFileSync(join(RUNTIME, 'redis.loader.ts'), 'utf-8');
    const loader = tree.readContent('/src/realtime/runtime/redis.loader.ts');
    expect(lazy).toContain('import(');
    expect(loader).not.toContain('import(');
  });

  it('points every import of nest-realtime at the copy, and keeps those files recorded as generated', () => {
    const gateway = tree.readContent('/src/chat/chat.gateway.ts');
    expect(importSpecifiers(gateway)).toContain(`../realtime/runtime/index${ext}`);
    expect(packageImports(tree)).toEqual([]);
    expect(importSpecifiers(tree.readContent('/src/main.ts'))).toContain(`./realtime/runtime/index${ext}`);
    expect(importSpecifiers(tree.readContent('/test/chat.e2e-spec.ts'))).toContain(
      `../src/realtime/runtime/testing/index${ext}`,
    );
    const { generated } = settings(tree) as { generated: Record<string, { sha256: string }> };
    expect(generated['src/chat/chat.gateway.ts'].sha256).toBe(contentHash(gateway));
  });

  it("moves nest-realtime to devDependencies and adds the runtime's own dependencies", () => {
    const { dependencies, devDependencies } = manifest(tree);
    expect(dependencies['nest-realtime']).toBeUndefined();
    expect(devDependencies['nest-realtime']).toBeDefined();
    // Edited in place, as npm writes it: the final newline stays.
    expect(tree.readContent('/package.json')).toMatch(/\}\n$/);
    for (const name of [
      'jose',
      'prom-client',
      'rate-limiter-flexible',
      'socket.io-parser',
      '@socket.io/redis-emitter',
    ]) {
      expect({ name, range: dependencies[name] }).toEqual({ name, range: expect.stringMatching(/\d/) });
    }
  });

  it('records the eject, and changes nothing when run again', async () => {
    expect(settings(tree).ejected).toEqual({ path: 'src/realtime/runtime', version: NEST_REALTIME_VERSION });
    const once = snapshot(tree);
    const info: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'info' && info.push(entry.message));
    await eject(tree);
    subscription.unsubscribe();
    expect(snapshot(tree)).toEqual(once);
    expect(info.join('\n')).toContain('The runtime was ejected to src/realtime/runtime');
  });

  it('gives later features the copy too', async () => {
    await runner.runSchematic('realtime-gateway', { name: 'alerts', type: 'push', skipInstall: true }, tree);
    const specifiers = importSpecifiers(tree.readContent('/src/alerts/alerts.gateway.ts'));
    expect(specifiers).toContain(`../realtime/runtime/index${ext}`);
    expect(packageImports(tree)).toEqual([]);
  });

  it('leaves the copy to the team on upgrade: an edit in it stays, with no .new beside it', async () => {
    const path = '/src/realtime/runtime/realtime.errors.ts';
    const edited = `${tree.readContent(path)}// tuned by the team\n`;
    tree.overwrite(path, edited);

    await runner.runSchematic('realtime-upgrade', { skipInstall: true }, tree);

    expect(tree.readContent(path)).toBe(edited);
    expect(tree.files.filter((file) => file.endsWith('.new'))).toEqual([]);
    expect(importSpecifiers(tree.readContent('/src/chat/chat.gateway.ts'))).toContain(
      `../realtime/runtime/index${ext}`,
    );
  });
});

describe('realtime-eject refuses, writing nothing', () => {
  it('in an app nest add has not set up', async () => {
    const tree = createNestAppTree(11);
    const before = snapshot(tree);
    await expect(eject(tree)).rejects.toThrow(/realtime\.options\.ts is missing.*Run `nest add nest-realtime` first/);
    expect(snapshot(tree)).toEqual(before);
  });

  it('into a folder that is not empty', async () => {
    const tree = await appWithChat(12);
    tree.create('/src/realtime/runtime/notes.md', '# ours\n');
    const before = snapshot(tree);
    await expect(eject(tree)).rejects.toThrow(/\/src\/realtime\/runtime already exists\. Pass --path/);
    expect(snapshot(tree)).toEqual(before);
  });

  it.each(['../vendor/realtime', '.'])('to --path %s, outside the source root', async (path) => {
    const tree = await appWithChat(12);
    const before = snapshot(tree);
    await expect(eject(tree, { path })).rejects.toThrow(/--path must name a folder inside \/src/);
    expect(snapshot(tree)).toEqual(before);
  });
});
