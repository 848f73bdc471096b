import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';

/**
 * Type-checks what the schematics generate (the owned src/realtime/, a feature of each gateway type with events
 * added by realtime-event, the AsyncAPI entry and their specs) against the runtime's built declarations, as
 * the host compiles them, in the unit run: a type error in a template fails here within seconds instead of in
 * the harness minutes later. `nest-realtime` resolves through this package's `exports` (ES module types for
 * Nest 12, CommonJS ones for Nest 11); the runtime's peers are our devDependencies (Nest 11's versions). A
 * host's own compile and linter remain the harness's job.
 */
const REPOSITORY = join(__dirname, '../..');
const runner = new SchematicTestRunner('nest-realtime', join(REPOSITORY, 'collection.json'));
// Inside the repository, so the generated imports of the peers resolve from our node_modules.
const CHECK_ROOT = join(REPOSITORY, '.cache/generated-typecheck');

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

/** The features of the app under check: one of each gateway type. */
const FEATURES = [
  { name: 'chat', type: 'chat' },
  { name: 'alerts', type: 'push' },
  { name: 'ops', type: 'blank' },
] as const;

async function generateApp(major: FixtureMajor): Promise<UnitTestTree> {
  let tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
  for (const { name, type } of FEATURES) {
    tree = await runner.runSchematic('realtime-gateway', { name, type, skipInstall: true }, tree);
  }
  // Events each way, added by AST: what realtime-event writes must compile as the rest does.
  for (const options of [
    { name: 'chat/typing' },
    { name: 'chat/orderShipped', type: 'emit' },
    { name: 'alerts/orderShipped', type: 'emit' },
    { name: 'ops/restart' },
    { name: 'ops/statusChanged', type: 'emit' },
  ]) {
    tree = await runner.runSchematic('realtime-event', options, tree);
  }
  return tree;
}

const generated = new Map<FixtureMajor, Promise<UnitTestTree>>();

/** A copy of the generated app of `major`, generated once per run (formatting ~60 files takes seconds). */
async function generatedApp(major: FixtureMajor): Promise<UnitTestTree> {
  if (!generated.has(major)) {
    generated.set(major, generateApp(major));
  }
  return new UnitTestTree((await (generated.get(major) as Promise<UnitTestTree>)).branch());
}

function writeOut(tree: UnitTestTree, major: FixtureMajor): string[] {
  const dir = join(CHECK_ROOT, `nest-${major}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Nest 12 apps are ES modules; Nest 11 apps CommonJS.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: major === 12 ? 'module' : 'commonjs' }));
  // The package as an app installs it: resolved by name, through its exports.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPOSITORY, join(dir, 'node_modules/nest-realtime'), 'dir');
  const files = tree.files.filter((path) => /^\/(src|test)\/.*\.ts$/.test(path));
  return files.map((path) => {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, tree.readContent(path));
    return target;
  });
}

/** Every diagnostic tsc reports for `files`, as `path:line message`. */
function typeErrors(files: string[], options: ts.CompilerOptions = COMPILER_OPTIONS): string[] {
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName.slice(CHECK_ROOT.length + 1).replace(/^nest-\d+\//, '')}:${
          diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1
        }`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

/** `file:line` of every `x.at(...)` call in a file. */
function atCalls(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf-8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'at'
    ) {
      found.push(
        `${file.slice(CHECK_ROOT.length + 1)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The generated app with one file edited, written out and type-checked. */
async function errorsAfterEdit(major: FixtureMajor, path: string, edit: (source: string) => string) {
  const tree = await generatedApp(major);
  const source = tree.readContent(path);
  const edited = edit(source);
  expect(edited).not.toEqual(source);
  tree.overwrite(path, edited);
  return typeErrors(writeOut(tree, major));
}

/** What a frontend's bundler-resolved TypeScript sees: no Node types, no decorators. */
const FRONTEND_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
};

describe.each([11, 12] as FixtureMajor[])('the generated code of a Nest %i app', (major) => {
  it('type-checks strictly: the owned setup, a feature of each type and their specs', async () => {
    const files = writeOut(await generatedApp(major), major);
    expect(files.length).toBeGreaterThan(30);
    for (const { name } of FEATURES) {
      expect(files.filter((file) => file.includes(`/src/${name}/`)).length).toBeGreaterThan(5);
    }

    expect(typeErrors(files)).toEqual([]);
    // A whole program's check, @asyncapi/parser's types included, on a shared 2-core machine.
  }, 120_000);

  it("type-checks under an older house target: ES2021 and no lib, so the target's own", async () => {
    const files = writeOut(await generatedApp(major), major);

    // E.g. no Object.hasOwn or error causes (ES2022) in what we write.
    expect(typeErrors(files, { ...COMPILER_OPTIONS, target: ts.ScriptTarget.ES2021 })).toEqual([]);
    // Nor `.at()`, which our @types/node 20 declares for every target but the @types/node 24 of a fresh app
    // does not (TS2550 there).
    expect(files.flatMap((file) => atCalls(file))).toEqual([]);
  }, 120_000);

  it('fails to compile when a @SubscribeMessage name is not an event of the contract', async () => {
    const errors = await errorsAfterEdit(major, '/src/chat/chat.gateway.ts', (source) =>
      source.replace("@SubscribeMessage('sendMessage'", "@SubscribeMessage('sendMesage'"),
    );

    expect(errors).toContainEqual(
      expect.stringMatching(/^src\/chat\/chat\.gateway\.ts:\d+ Argument of type '"sendMesage"' is not assignable/),
    );
  });

  it('fails to compile when an event of the contract has no handler', async () => {
    const errors = await errorsAfterEdit(major, '/src/chat/chat.events.ts', (source) =>
      source.replace(
        'export interface ClientToServerEvents extends RealtimeClientEvents {',
        '$&\n  stopTyping: (payload: RoomPayload) => void;',
      ),
    );

    // @RealtimeGateway requires a handler for every client event of the contract.
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^src\/chat\/chat\.gateway\.ts:\d+ Unable to resolve signature of class decorator.*\n.*Property 'stopTyping' is missing in type 'ChatGateway'/s,
      ),
    );
  });

  it("fails to compile when a handler's ack does not match the contract", async () => {
    const errors = await errorsAfterEdit(major, '/src/chat/chat.gateway.ts', (source) =>
      source.replace("return { status: 'left', roomId };", "return { status: 'joined', roomId };"),
    );

    expect(errors).toContainEqual(
      expect.stringMatching(/^src\/chat\/chat\.gateway\.ts:\d+ .*Type '"joined"' is not assignable to type '"left"'/s),
    );
  });

  describe('a frontend importing only the contract and socket.io-client', () => {
    function writeFrontend(tree: UnitTestTree, body: string): string[] {
      const files = writeOut(tree, major);
      const frontend = join(CHECK_ROOT, `nest-${major}`, 'frontend/chat-page.ts');
      mkdirSync(dirname(frontend), { recursive: true });
      writeFileSync(
        frontend,
        [
          "import { io, type Socket } from 'socket.io-client';",
          "import type { ClientToServerEvents, ServerToClientEvents } from '../src/chat/chat.events';",
          '',
          "const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('https://api.example.com/chat');",
          body,
        ].join('\n'),
      );
      return [frontend, ...files.filter((file) => file.endsWith('chat.client.ts'))];
    }

    it('compiles, and pulls in no server code', async () => {
      const files = writeFrontend(
        await generatedApp(major),
        [
          "socket.on('newMessage', (message) => console.log(message.sender, message.content.toUpperCase()));",
          "void socket.emitWithAck('sendMessage', { roomId: 'general', content: 'hi' }).then((ack) => {",
          "  if (ack.status === 'error') console.warn(ack.code, ack.fields);",
          '  else console.log(ack.messageId);',
          '});',
        ].join('\n'),
      );
      const program = ts.createProgram(files, FRONTEND_OPTIONS);

      expect(typeErrors(files, FRONTEND_OPTIONS)).toEqual([]);
      const loaded = program.getSourceFiles().map((file) => file.fileName);
      expect(loaded.filter((file) => /node_modules\/(@nestjs|socket\.io\/|class-validator)/.test(file))).toEqual([]);
      expect(loaded.filter((file) => file.includes('/src/')).map((file) => file.slice(file.indexOf('/src/')))).toEqual(
        expect.arrayContaining(['/src/chat/chat.events.ts']),
      );
      // The contract entry only, in its ES module build (what a bundler picks).
      const runtime = loaded.filter((file) => file.includes('/dist/runtime/'));
      expect(runtime.map((file) => file.slice(file.indexOf('/dist/'))).sort()).toEqual([
        '/dist/runtime/esm/contract.d.ts',
        '/dist/runtime/esm/realtime.contract.d.ts',
      ]);
    });

    it('fails to compile an emit with a wrong payload type', async () => {
      const files = writeFrontend(
        await generatedApp(major),
        "void socket.emitWithAck('sendMessage', { roomId: 'general', content: 42 });",
      );

      expect(typeErrors(files, FRONTEND_OPTIONS)).toContainEqual(
        expect.stringMatching(/frontend\/chat-page\.ts:5 .*Type 'number' is not assignable to type 'string'/s),
      );
    });
  });
});
