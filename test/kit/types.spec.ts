import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';

/**
 * Type-checks the generated kit, a chat feature, the AsyncAPI entry and their specs, as the host compiles them, in the unit
 * run: a type error in a template fails here within seconds instead of in the harness minutes later. The
 * kit's runtime packages are our devDependencies (Nest 11's versions, jose 5); a host's own compile and
 * linter remain the harness's job.
 */
const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));
// Inside the repository, so the generated imports resolve from our node_modules.
const CHECK_ROOT = join(__dirname, '../../.cache/kit-typecheck');

/** A fresh app's tsconfig (Nest 12's, which is the stricter), with Jest's globals for the specs. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  resolvePackageJsonExports: true,
  esModuleInterop: true,
  isolatedModules: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
  strict: true,
  strictPropertyInitialization: false,
  noEmit: true,
  types: ['jest', 'node'],
};

async function generatedApp(major: FixtureMajor): Promise<UnitTestTree> {
  const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
  return runner.runSchematic('realtime-gateway', { name: 'chat', skipInstall: true }, tree);
}

function writeOut(tree: UnitTestTree, major: FixtureMajor): string[] {
  const dir = join(CHECK_ROOT, `nest-${major}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Nest 12 apps are ES modules; Nest 11 apps CommonJS.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: major === 12 ? 'module' : 'commonjs' }));
  const files = tree.files.filter((path) => /^\/(src|test)\/.*\.ts$/.test(path));
  return files.map((path) => {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, tree.readContent(path));
    return target;
  });
}

describe.each([11, 12] as FixtureMajor[])('the generated code of a Nest %i app', (major) => {
  it('type-checks strictly: kit, feature and specs', async () => {
    const files = writeOut(await generatedApp(major), major);
    expect(files.length).toBeGreaterThan(30);

    const program = ts.createProgram(files, COMPILER_OPTIONS);
    const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file
        ? `${diagnostic.file.fileName.slice(CHECK_ROOT.length + 1)}:${
            diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1
          }`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });

    expect(errors).toEqual([]);
    // A whole program's check, @asyncapi/parser's types included, on a shared 2-core machine.
  }, 120_000);
});
