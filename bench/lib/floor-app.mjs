// The Nest bare-handler floor: a copy of the generated app whose `sendMessage` is a plain Nest
// `@SubscribeMessage` handler, with no guard, filter, pipe or param decorator, doing by hand what those do
// for it (the WsAuthGuard check, the kit's validation pipe, the error reply) and the generated body. It is
// the least any `@SubscribeMessage` handler doing the same work costs: the generated app's CPU above it is
// what the templates could still save, the floor's above the baseline is Nest's own. Derived from the
// generated gateway on every run, so template changes reach it.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describeApp } from './generated-app.mjs';

const GATEWAY = join('src', 'chat', 'chat.gateway.ts');
const TEMPLATE = 'templates/realtime-gateway/feature/__name__.gateway.ts.ejs';
const OUTPUT_TAIL_CHARS = 12_000;
// The class-level enhancers the floor's sendMessage does without; the hand-written checks below stand for
// exactly these, so another one in the template must be added there too.
const CLASS_ENHANCERS = { UseFilters: ['WsExceptionsFilter'], UseGuards: ['WsAuthGuard'] };
// Identifiers the rewritten handler uses, imported by the generated gateway.
const NEEDED_IMPORTS = ['RealtimeErrorCode', 'RealtimeException'];
// What WsAuthGuard refuses, each with one throw; the floor's sendMessage makes the same two checks.
const GUARD = 'templates/realtime-kit/ws-auth.guard.ts';
const GUARD_REFUSALS = ['Unauthorized: not authenticated', 'Unauthorized: token expired'];

class UnexpectedShape extends Error {}

const calleeName = (decorator) =>
  ts.isCallExpression(decorator.expression) && ts.isIdentifier(decorator.expression.expression)
    ? decorator.expression.expression.text
    : undefined;
const decoratorNamed = (node, name) =>
  (ts.getDecorators(node) ?? []).find((decorator) => calleeName(decorator) === name);

/**
 * The floor's gateway source from the generated one, and the module its WsAuthGuard comes from. Text edits at the positions the TypeScript parser
 * gives, so everything not rewritten stays as generated:
 * - the class's @UseFilters and @UseGuards move onto every other handler, which keep working as generated
 *   (the load's clients join their rooms through joinRoom);
 * - `implements ClientEventHandlers<…>` leaves sendMessage out, whose first parameter is now the socket;
 * - sendMessage becomes `@SubscribeMessage('sendMessage') async sendMessage(client, payload)` from
 *   @nestjs/websockets, with the guard's checks, the pipe's transform and the filter's ack inline.
 * Throws UnexpectedShape when the generated gateway is not what these edits expect.
 */
export function floorGateway(source) {
  const file = ts.createSourceFile(GATEWAY, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const expect = (condition, what) => {
    if (!condition) throw new UnexpectedShape(what);
  };
  const text = (node) => node.getText(file);
  const imported = new Set(
    file.statements
      .filter(ts.isImportDeclaration)
      .flatMap((declaration) => declaration.importClause?.namedBindings?.elements ?? [])
      .map((specifier) => specifier.name.text),
  );
  for (const name of NEEDED_IMPORTS) expect(imported.has(name), `it does not import ${name}`);
  const guardImport = file.statements.find(
    (statement) =>
      ts.isImportDeclaration(statement) &&
      statement.importClause?.namedBindings?.elements?.some((specifier) => specifier.name.text === 'WsAuthGuard'),
  );
  expect(guardImport, 'it does not import WsAuthGuard');

  const gateways = file.statements.filter(
    (node) => ts.isClassDeclaration(node) && decoratorNamed(node, 'WebSocketGateway'),
  );
  expect(gateways.length === 1, `it declares ${gateways.length} @WebSocketGateway classes, not 1`);
  const [gateway] = gateways;
  const edits = [];
  const classEnhancers = Object.entries(CLASS_ENHANCERS).map(([name, expected]) => {
    const decorator = decoratorNamed(gateway, name);
    expect(decorator, `the gateway class has no @${name}(…)`);
    const found = decorator.expression.arguments.map(text);
    expect(
      found.join() === expected.join(),
      `the gateway class has @${name}(${found.join(', ')}), where the floor's hand-written checks stand for @${name}(${expected.join(', ')})`,
    );
    // The decorator and the line break after it.
    let end = decorator.getEnd();
    while (/\s/.test(source[end])) end++;
    edits.push({ start: decorator.getStart(file), end, text: '' });
    return text(decorator);
  });

  const implemented = gateway.heritageClauses
    ?.find((clause) => clause.token === ts.SyntaxKind.ImplementsKeyword)
    ?.types.find((type) => text(type.expression) === 'ClientEventHandlers');
  if (implemented) {
    edits.push({
      start: implemented.getStart(file),
      end: implemented.getEnd(),
      text: `Omit<${text(implemented)}, 'sendMessage'>`,
    });
  }

  const handlers = gateway.members.filter(
    (member) => ts.isMethodDeclaration(member) && decoratorNamed(member, 'SubscribeMessage'),
  );
  const sendMessage = handlers.find((handler) => handler.name.getText(file) === 'sendMessage');
  expect(sendMessage, 'it has no @SubscribeMessage sendMessage handler');
  for (const handler of handlers.filter((handler) => handler !== sendMessage)) {
    const start = ts.getDecorators(handler)[0].getStart(file);
    const indent = /[ \t]*$/.exec(source.slice(0, start))[0];
    edits.push({ start, end: start, text: classEnhancers.map((enhancer) => `${enhancer}\n${indent}`).join('') });
  }
  edits.push({
    start: sendMessage.getStart(file),
    end: sendMessage.getEnd(),
    text: floorSendMessage(sendMessage, file, expect),
  });

  const lastImport = file.statements.filter(ts.isImportDeclaration).at(-1);
  const importEnd = lastImport.getEnd();
  edits.push({
    start: importEnd,
    end: importEnd,
    text: "\nimport { SubscribeMessage as NestSubscribeMessage } from '@nestjs/websockets';",
  });

  return {
    source: edits
      .sort((a, b) => b.start - a.start)
      .reduce((result, edit) => result.slice(0, edit.start) + edit.text + result.slice(edit.end), source),
    guardModule: guardImport.moduleSpecifier.text,
  };
}

/** Throws unless the kit's guard still refuses exactly what the floor's sendMessage checks by hand. */
function assertGuardMirrored(guardPath) {
  const guard = readFileSync(guardPath, 'utf-8');
  const throws = guard.match(/\bthrow\b/g)?.length ?? 0;
  if (throws !== GUARD_REFUSALS.length || !GUARD_REFUSALS.every((message) => guard.includes(`'${message}'`))) {
    throw new Error(
      `${guardPath} (from ${GUARD}) no longer refuses exactly ${GUARD_REFUSALS.map((m) => `'${m}'`).join(' and ')}, ` +
        `which the Nest floor's sendMessage checks by hand: update floorSendMessage in bench/lib/floor-app.mjs.`,
    );
  }
}

/** The floor's sendMessage, from the generated one: its payload and socket parameters, then its body. */
function floorSendMessage(method, file, expect) {
  const text = (node) => node.getText(file);
  const parameter = (decoratorName) => method.parameters.find((candidate) => decoratorNamed(candidate, decoratorName));
  const body = parameter('MessageBody');
  const socket = parameter('ConnectedSocket');
  expect(
    method.parameters.length === 2 && body && socket,
    'sendMessage does not take (@MessageBody(pipe) dto, @ConnectedSocket() client)',
  );
  const pipeArguments = decoratorNamed(body, 'MessageBody').expression.arguments;
  expect(
    pipeArguments.length === 1,
    `sendMessage's @MessageBody has ${pipeArguments.length} arguments, not a pipe alone`,
  );
  expect(body.type && ts.isTypeReferenceNode(body.type), "sendMessage's payload has no DTO class as its type");
  expect(ts.isIdentifier(socket.name) && socket.type, "sendMessage's socket parameter is not a typed name");
  expect(method.body, 'sendMessage has no body');
  const client = text(socket.name);
  const dto = text(body.type);
  // Not re-indented: a template literal's lines are part of its value.
  const statements = method.body.statements.map((statement) => `      ${text(statement)}`).join('\n');
  return `// The bench's Nest bare-handler floor (bench/lib/floor-app.mjs): no guard, filter,
  // pipe or param decorator; what they do, by hand.
  @NestSubscribeMessage('sendMessage')
  async sendMessage(${client}: ${text(socket.type)}, payload: unknown) {
    try {
      // WsAuthGuard
      if (!${client}.data.userId) {
        throw new RealtimeException(RealtimeErrorCode.Unauthorized, 'Unauthorized: not authenticated');
      }
      if ((${client}.data.tokenExpiresAt ?? 0) <= Date.now()) {
        throw new RealtimeException(RealtimeErrorCode.Unauthorized, 'Unauthorized: token expired');
      }
      // @MessageBody(pipe) on a ${dto} parameter
      const ${text(body.name)} = (await ${text(pipeArguments[0])}.transform(payload, {
        type: 'body',
        metatype: ${dto},
      })) as ${dto};
${statements}
    } catch (error) {
      // WsExceptionsFilter: a RealtimeException's payload is the ack (the bench's clients always ask for one).
      if (error instanceof RealtimeException) {
        return error.toPayload();
      }
      throw error;
    }
  }`;
}

/** `tsc -p tsconfig.build.json` with the app's own TypeScript, in a child process so that it can run beside another build. */
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
    const collect = (chunk) => (output = (output + chunk).slice(-OUTPUT_TAIL_CHARS));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(
        new Error(
          `the floor app did not build (tsc -p tsconfig.build.json in ${floorDir}, exit ${code ?? signal}); ` +
            `bench/lib/floor-app.mjs may need updating for ${TEMPLATE}:\n${output}`,
        ),
      );
    });
  });
}

/**
 * Copies the generated app's sources (`app.appDir`, once `nest g` has run; see describeApp) into
 * `<appDir>-floor`, whose node_modules is a symlink to the app's (the floor is only built and run),
 * rewrites its gateway (floorGateway), builds it and describes it.
 */
export async function prepareFloorApp(app) {
  const floorDir = `${app.appDir}-floor`;
  rmSync(floorDir, { recursive: true, force: true });
  mkdirSync(floorDir, { recursive: true });
  for (const entry of readdirSync(app.appDir).filter((name) => name !== 'node_modules' && name !== 'dist')) {
    cpSync(join(app.appDir, entry), join(floorDir, entry), { recursive: true, verbatimSymlinks: true });
  }
  symlinkSync(join(app.appDir, 'node_modules'), join(floorDir, 'node_modules'), 'dir');
  const gatewayPath = join(floorDir, GATEWAY);
  try {
    const { source, guardModule } = floorGateway(readFileSync(gatewayPath, 'utf-8'));
    writeFileSync(gatewayPath, source);
    assertGuardMirrored(join(app.appDir, dirname(GATEWAY), `${guardModule.replace(/\.js$/, '')}.ts`));
  } catch (error) {
    if (!(error instanceof UnexpectedShape)) throw error;
    throw new Error(
      `${join(app.appDir, GATEWAY)} (from ${TEMPLATE}) no longer has the shape the Nest floor expects: ` +
        `${error.message}. Update floorGateway in bench/lib/floor-app.mjs to match it.`,
    );
  }
  await build(floorDir);
  return describeApp(floorDir, app.scaffoldDir);
}
