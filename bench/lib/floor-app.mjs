// @ts-check
// The Nest bare-handler floor: a copy of the generated app whose `sendMessage` is a plain Nest
// `@SubscribeMessage` handler, with no guard, filter, pipe or param decorator, doing by hand what those do
// for it (WsAuthGuard's check, RealtimeValidationPipe, WsExceptionsFilter's reply; see bench-floor.ts) and
// the generated body. It is the least any `@SubscribeMessage` handler doing the same work costs: the
// generated app's CPU above it is what the templates and the runtime could still save, the floor's above
// the baseline is Nest's own. Derived from the generated gateway on every run, so template changes reach it.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describeApp } from './generated-app.mjs';
import { runtimePackageDir } from './runtime-build.mjs';

const GATEWAY = join('src', 'chat', 'chat.gateway.ts');
const TEMPLATE = 'templates/realtime-gateway/feature/__name__.gateway.ts.ejs';
const OUTPUT_TAIL_CHARS = 12_000;
/** What the floor's sendMessage calls instead of the enhancers, copied beside the floor's gateway. */
const FLOOR_SUPPORT = join(dirname(fileURLToPath(import.meta.url)), 'bench-floor.ts');
const FLOOR_SUPPORT_NAMES = ['FloorGateway', 'FloorSubscribeMessage', 'floorFilter', 'floorGuard', 'floorPipe'];
// What WsAuthGuard refuses, each with one throw; floorGuard (bench-floor.ts) makes the same two checks.
const GUARD = join('runtime', 'ws-auth.guard.ts');
const GUARD_REFUSALS = ['Unauthorized: not authenticated', 'Unauthorized: token expired'];
// The class-level enhancers @RealtimeGateway applies (runtime/realtime.gateway.ts), and the pipe it puts on
// every `@MessageBody()` (validateMessageBodies); the floor's sendMessage does without them, and its
// hand-written calls stand for exactly these.
const REALTIME_GATEWAY = join('runtime', 'realtime.gateway.ts');
const CLASS_ENHANCERS = ['UseFilters(WsExceptionsFilter)', 'UseGuards(WsAuthGuard)'];
const BODY_PIPE = /pipes: \[RealtimeValidationPipe, \.\.\.\(argument\.pipes \?\? \[\]\)\]/;

class UnexpectedShape extends Error {}

/** @param {ts.Decorator} decorator */
const calleeName = (decorator) =>
  ts.isCallExpression(decorator.expression) && ts.isIdentifier(decorator.expression.expression)
    ? decorator.expression.expression.text
    : undefined;
/**
 * @param {ts.Node} node
 * @param {string} name
 */
const decoratorNamed = (node, name) =>
  (ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []).find(
    (decorator) => calleeName(decorator) === name,
  );

/**
 * @param {unknown} condition
 * @param {string} what
 * @returns {asserts condition}
 */
function expect(condition, what) {
  if (!condition) throw new UnexpectedShape(what);
}

/**
 * The floor's gateway source from the generated one. Text edits at the positions the TypeScript parser
 * gives, so everything not rewritten stays as generated:
 * - the class decorator `@RealtimeGateway({ … })` becomes `@FloorGateway(RealtimeGateway({ … }))`, which
 *   moves the class-level filter and guard onto every other handler (they keep working as generated, with
 *   the pipe on their `@MessageBody()`; the load's clients join their rooms through joinRoom);
 * - sendMessage becomes `@FloorSubscribeMessage('sendMessage') async sendMessage(client, payload)`, Nest's
 *   own decorator, with floorGuard, floorPipe and floorFilter (bench-floor.ts) around the generated body;
 * - an import of those from `./bench-floor` (with the gateway's own relative-import extension).
 * Throws UnexpectedShape when the generated gateway is not what these edits expect.
 *
 * @param {string} source
 */
export function floorGateway(source) {
  const file = ts.createSourceFile(GATEWAY, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = file.statements.filter(ts.isImportDeclaration);
  const imported = new Set(
    imports.flatMap((declaration) => {
      const bindings = declaration.importClause?.namedBindings;
      return bindings && ts.isNamedImports(bindings) ? bindings.elements.map((specifier) => specifier.name.text) : [];
    }),
  );
  for (const name of FLOOR_SUPPORT_NAMES) expect(!imported.has(name), `it already imports a ${name}`);

  const gateways = file.statements.filter(
    /** @returns {node is ts.ClassDeclaration} */
    (node) => ts.isClassDeclaration(node) && decoratorNamed(node, 'RealtimeGateway') !== undefined,
  );
  expect(gateways.length === 1, `it declares ${gateways.length} @RealtimeGateway classes, not 1`);
  const [gateway] = gateways;
  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = [];
  const classDecorator = decoratorNamed(gateway, 'RealtimeGateway');
  expect(classDecorator, 'the gateway class has no @RealtimeGateway(…)');
  edits.push({
    start: classDecorator.expression.getStart(file),
    end: classDecorator.expression.getStart(file),
    text: 'FloorGateway(',
  });
  edits.push({ start: classDecorator.getEnd(), end: classDecorator.getEnd(), text: ')' });

  const sendMessage = gateway.members.find(
    /** @returns {member is ts.MethodDeclaration} */
    (member) =>
      ts.isMethodDeclaration(member) &&
      decoratorNamed(member, 'SubscribeMessage') !== undefined &&
      member.name.getText(file) === 'sendMessage',
  );
  expect(sendMessage, 'it has no @SubscribeMessage sendMessage handler');
  edits.push({
    start: sendMessage.getStart(file),
    end: sendMessage.getEnd(),
    text: floorSendMessage(sendMessage, file),
  });

  const relative = imports
    .map((declaration) => /** @type {ts.StringLiteral} */ (declaration.moduleSpecifier).text)
    .find((specifier) => specifier.startsWith('./'));
  const extension = relative?.endsWith('.js') ? '.js' : '';
  const importEnd = imports.at(-1)?.getEnd() ?? 0;
  edits.push({
    start: importEnd,
    end: importEnd,
    text: `\nimport { ${FLOOR_SUPPORT_NAMES.join(', ')} } from './bench-floor${extension}';`,
  });

  return edits
    .sort((a, b) => b.start - a.start)
    .reduce((result, edit) => result.slice(0, edit.start) + edit.text + result.slice(edit.end), source);
}

/**
 * Throws unless the runtime's guard still refuses exactly what floorGuard checks by hand, and
 * @RealtimeGateway still applies exactly the class-level enhancers the floor's calls stand for.
 *
 * @param {string} packageDir the nest-realtime package the app runs (its runtime sources ship with it)
 */
function assertEnhancersMirrored(packageDir) {
  const guardPath = join(packageDir, GUARD);
  const guard = readFileSync(guardPath, 'utf-8');
  const throws = guard.match(/\bthrow\b/g)?.length ?? 0;
  if (throws !== GUARD_REFUSALS.length || !GUARD_REFUSALS.every((message) => guard.includes(`'${message}'`))) {
    throw new Error(
      `${guardPath} (from ${GUARD}) no longer refuses exactly ${GUARD_REFUSALS.map((m) => `'${m}'`).join(' and ')}, ` +
        `which the Nest floor's sendMessage checks by hand: update floorGuard in bench/lib/bench-floor.ts.`,
    );
  }
  const gatewayPath = join(packageDir, REALTIME_GATEWAY);
  const gateway = readFileSync(gatewayPath, 'utf-8');
  const applied = gateway.match(/\bUse(?:Filters|Guards|Pipes|Interceptors)\([^)]*\)/g) ?? [];
  if (applied.join() !== CLASS_ENHANCERS.join() || !BODY_PIPE.test(gateway)) {
    throw new Error(
      `${gatewayPath} (from ${REALTIME_GATEWAY}) applies ${applied.join(', ')}, where the Nest floor's sendMessage ` +
        `stands for ${CLASS_ENHANCERS.join(', ')} and RealtimeValidationPipe first on each @MessageBody(): update ` +
        'bench/lib/bench-floor.ts and bench/lib/floor-app.mjs.',
    );
  }
}

/**
 * The floor's sendMessage, from the generated one: its payload and socket parameters, then its body.
 *
 * @param {ts.MethodDeclaration} method
 * @param {ts.SourceFile} file
 */
function floorSendMessage(method, file) {
  /** @param {ts.Node} node */
  const text = (node) => node.getText(file);
  /** @param {string} decoratorName */
  const parameter = (decoratorName) => method.parameters.find((candidate) => decoratorNamed(candidate, decoratorName));
  const body = parameter('MessageBody');
  const socket = parameter('ConnectedSocket');
  expect(
    method.parameters.length === 2 && body && socket,
    'sendMessage does not take (@MessageBody() dto, @ConnectedSocket() client)',
  );
  const bodyDecorator = decoratorNamed(body, 'MessageBody');
  expect(
    bodyDecorator && ts.isCallExpression(bodyDecorator.expression) && bodyDecorator.expression.arguments.length === 0,
    "sendMessage's @MessageBody() has arguments (a pipe of its own?), which the floor does not run",
  );
  expect(body.type && ts.isTypeReferenceNode(body.type), "sendMessage's payload has no DTO class as its type");
  expect(ts.isIdentifier(socket.name) && socket.type, "sendMessage's socket parameter is not a typed name");
  expect(method.body, 'sendMessage has no body');
  const client = text(socket.name);
  const dto = text(body.type);
  // Not re-indented: a template literal's lines are part of its value.
  const statements = method.body.statements.map((statement) => `      ${text(statement)}`).join('\n');
  return `// The bench's Nest bare-handler floor (bench/lib/floor-app.mjs): no guard, filter,
  // pipe or param decorator; what they do, by hand (bench-floor.ts).
  @FloorSubscribeMessage('sendMessage')
  async sendMessage(${client}: ${text(socket.type)}, payload: unknown) {
    try {
      floorGuard(${client});
      const ${text(body.name)} = (await floorPipe(this, payload, ${dto})) as ${dto};
${statements}
    } catch (error) {
      return floorFilter(error);
    }
  }`;
}

/**
 * `tsc -p tsconfig.build.json` with the app's own TypeScript, in a child process so that it can run beside another build.
 *
 * @param {string} floorDir
 * @returns {Promise<void>}
 */
function build(floorDir) {
  const { NODE_OPTIONS: _nodeOptions, ...env } = process.env;
  const tsc = join(floorDir, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: floorDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    /** @param {Buffer} chunk */
    const collect = (chunk) => (output = (output + chunk).slice(-OUTPUT_TAIL_CHARS));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(
        new Error(
          `the floor app did not build (tsc -p tsconfig.build.json in ${floorDir}, exit ${code ?? signal}); ` +
            `bench/lib/floor-app.mjs or bench/lib/bench-floor.ts may need updating for ${TEMPLATE}:\n${output}`,
        ),
      );
    });
  });
}

/**
 * Copies the generated app's sources (`app.appDir`, once `nest g` has run; see describeApp) into
 * `<appDir>-floor`, whose node_modules is a symlink to the app's (the floor is only built and run),
 * rewrites its gateway (floorGateway) with bench-floor.ts beside it, builds it and describes it.
 *
 * @param {{ appDir: string, scaffoldDir: string }} app
 */
export async function prepareFloorApp(app) {
  const floorDir = `${app.appDir}-floor`;
  rmSync(floorDir, { recursive: true, force: true });
  mkdirSync(floorDir, { recursive: true });
  for (const entry of readdirSync(app.appDir).filter((name) => name !== 'node_modules' && name !== 'dist')) {
    cpSync(join(app.appDir, entry), join(floorDir, entry), { recursive: true, verbatimSymlinks: true });
  }
  symlinkSync(join(app.appDir, 'node_modules'), join(floorDir, 'node_modules'), 'dir');
  assertEnhancersMirrored(runtimePackageDir(app.appDir));
  const gatewayPath = join(floorDir, GATEWAY);
  try {
    writeFileSync(gatewayPath, floorGateway(readFileSync(gatewayPath, 'utf-8')));
  } catch (error) {
    if (!(error instanceof UnexpectedShape)) throw error;
    throw new Error(
      `${join(app.appDir, GATEWAY)} (from ${TEMPLATE}) no longer has the shape the Nest floor expects: ` +
        `${error.message}. Update floorGateway in bench/lib/floor-app.mjs to match it.`,
    );
  }
  copyFileSync(FLOOR_SUPPORT, join(dirname(gatewayPath), 'bench-floor.ts'));
  await build(floorDir);
  return describeApp(floorDir, app.scaffoldDir);
}
