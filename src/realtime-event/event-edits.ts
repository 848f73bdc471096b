import { SchematicsException } from '@angular-devkit/schematics';
import { Change } from '@schematics/angular/utility/change';
import {
  addNamedImports,
  addObjectProperty,
  appendMember,
  appendToBlock,
  applySourceChanges,
  blockDeclares,
  findClass,
  findDescribeBody,
  findInterface,
  insertBefore,
  memberNames,
  missingAnchor,
  removeLeadingComments,
} from '../utils/source-edits';
import { findDecoratorMetadata, findProperty } from '../utils/module-metadata';
import { RUNTIME_PACKAGE } from '../utils/realtime-config';
import { ts } from '../utils/typescript';
import type { EventPlan } from './index';

/** The files of a generated feature that an event touches. */
export interface FeatureFiles {
  events: string;
  gateway: string;
  service: string;
  unitSpec: string;
  e2eSpec: string;
  dto: string;
}

/** One file's part of adding an event: whether it is there already, and the edit that puts it there. */
export interface EventEdit {
  path: string;
  /** What this part is, for messages: `typing in ClientToServerEvents (src/chat/chat.events.ts)`. */
  describe: string;
  isDone(source: ts.SourceFile): boolean;
  /** The file's new text (unformatted). Throws when an anchor it needs is missing. */
  apply(source: ts.SourceFile): string;
}

export const CLIENT_EVENTS = 'ClientToServerEvents';
export const SERVER_EVENTS = 'ServerToClientEvents';

/**
 * The edits that add the planned event, in the order they are applied: contract, gateway (and, for an
 * emitted event, the service), then the unit and e2e specs when the feature has them.
 */
export function eventEdits(plan: EventPlan): EventEdit[] {
  const edits = plan.direction === 'emit' ? emitEdits(plan) : handleEdits(plan);
  return plan.specs
    ? edits
    : edits.filter((edit) => edit.path !== plan.files.unitSpec && edit.path !== plan.files.e2eSpec);
}

function handleEdits(plan: EventPlan): EventEdit[] {
  const { event, feature, files } = plan;
  const { payloadType, ackType, payloadClass, ackClass } = event.types;
  const gatewayClass = `${feature.className}Gateway`;
  const ackTitle = `acks ${event.name} with what it received`;
  return [
    contractEdit(
      plan,
      CLIENT_EVENTS,
      [
        `/** Payload of \`${event.name}\`. */\nexport interface ${payloadType} {\n  value: string;\n}`,
        `export interface ${ackType} {\n  status: 'ok';\n  value: string;\n  /** Server receive time, epoch milliseconds. */\n  receivedAt: number;\n}`,
      ],
      `  ${event.name}: (\n    payload: ${payloadType},\n    ack: (response: ${ackType} | ErrorPayload) => void,\n  ) => void;`,
    ),
    {
      path: files.gateway,
      describe: `a ${event.name} handler in ${gatewayClass} (${files.gateway})`,
      isDone: (source) => memberNames(requireClass(source, gatewayClass)).includes(event.name),
      apply: (source) =>
        applySourceChanges(source, [
          addNamedImports(source, [ackClass, payloadClass], localImport(plan, `./dto/${event.fileName}.dto`)),
          addNamedImports(source, [ackType], localImport(plan, `./${feature.fileName}.events`), { typeOnly: true }),
          addNamedImports(source, ['MessageBody'], '@nestjs/websockets'),
          appendMember(
            source,
            requireClass(source, gatewayClass),
            `  @SubscribeMessage('${event.name}', { ack: ${ackClass} })\n` +
              `  ${event.name}(@MessageBody() { value }: ${payloadClass}): ${ackType} {\n` +
              `    return { status: 'ok', value, receivedAt: Date.now() };\n  }`,
          ),
        ]),
    },
    specEdit(files.unitSpec, gatewayClass, ackTitle, (source, body) => {
      requireDeclared(files.unitSpec, body, ['gateway']);
      return [
        appendToBlock(
          source,
          body,
          `  it('${ackTitle}', () => {\n` +
            `    expect(gateway.${event.name}({ value: 'hello' })).toMatchObject({ status: 'ok', value: 'hello' });\n  });`,
        ),
      ];
    }),
    specEdit(files.e2eSpec, gatewayClass, event.name, (source, body) => {
      requireDeclared(files.e2eSpec, body, ['connectAs']);
      return [
        addNamedImports(source, ['RealtimeErrorCode'], RUNTIME_PACKAGE),
        appendToBlock(
          source,
          body,
          `  describe('${event.name}', () => {\n` +
            startEach(body) +
            `    it('acks a valid payload', async () => {\n` +
            `      const client = await connectAs('alice');\n\n` +
            `      await expect(client.emitWithAck('${event.name}', { value: 'hello' })).resolves.toMatchObject({ status: 'ok', value: 'hello' });\n` +
            `    });\n\n` +
            `    it('refuses an invalid payload with VALIDATION_FAILED, naming the field', async () => {\n` +
            `      const client = await connectAs('alice');\n\n` +
            `      await expect(client.emitWithAck('${event.name}', { value: 'x'.repeat(2001) })).resolves.toMatchObject({\n` +
            `        status: 'error',\n        code: RealtimeErrorCode.ValidationFailed,\n` +
            `        fields: [expect.objectContaining({ field: 'value' })],\n      });\n    });\n  });`,
        ),
      ];
    }),
  ];
}

function emitEdits(plan: EventPlan): EventEdit[] {
  const { event, feature, files } = plan;
  const { payloadType, payloadClass } = event.types;
  const gatewayClass = `${feature.className}Gateway`;
  const serviceClass = `${feature.className}Service`;
  const serverType = `${feature.className}Server`;
  const method = `send${event.name.charAt(0).toUpperCase()}${event.name.slice(1)}`;
  const unitTitle = `sends ${event.name} to every socket of the user`;
  return [
    contractEdit(
      plan,
      SERVER_EVENTS,
      [`/** \`${event.name}\`, sent by the server. */\nexport interface ${payloadType} {\n  value: string;\n}`],
      `  ${event.name}: (event: ${payloadType}) => void;`,
    ),
    {
      path: files.gateway,
      describe: `${event.name} in the serverEvents of ${gatewayClass}'s @RealtimeGateway (${files.gateway})`,
      isDone: (source) => {
        const serverEvents = findProperty(
          source,
          gatewayOptionsOf(source, files.gateway, gatewayClass),
          'serverEvents',
        );
        return (
          serverEvents !== undefined &&
          ts.isObjectLiteralExpression(serverEvents) &&
          hasProperty(serverEvents, event.name)
        );
      },
      apply: (source) => {
        const options = gatewayOptionsOf(source, files.gateway, gatewayClass);
        const serverEvents = findProperty(source, options, 'serverEvents');
        if (serverEvents !== undefined && !ts.isObjectLiteralExpression(serverEvents)) {
          throw missingAnchor(
            files.gateway,
            `serverEvents: { ... } as an object literal in ${gatewayClass}'s @RealtimeGateway`,
            `Add ${event.name}: ${payloadClass} to it yourself.`,
          );
        }
        return applySourceChanges(source, [
          addNamedImports(source, [payloadClass], localImport(plan, `./dto/${event.fileName}.dto`)),
          serverEvents === undefined
            ? addObjectProperty(source, options, 'serverEvents', `{ ${event.name}: ${payloadClass} }`)
            : addObjectProperty(source, serverEvents, event.name, payloadClass),
        ]);
      },
    },
    {
      path: files.service,
      describe: `${serviceClass}.${method} (${files.service})`,
      isDone: (source) => memberNames(requireClass(source, serviceClass)).includes(method),
      apply: (source) => {
        const service = requireClass(source, serviceClass);
        const parameters = constructorParameters(service);
        if (!parameters.includes('gateway') || !parameters.includes('rooms')) {
          throw missingAnchor(
            files.service,
            `constructor parameters "gateway" and "rooms" in ${serviceClass}`,
            `Add the ${event.name} method yourself, emitting through ${gatewayClass}.server.`,
          );
        }
        return applySourceChanges(source, [
          addNamedImports(source, [payloadType], localImport(plan, `./${feature.fileName}.events`), { typeOnly: true }),
          appendMember(
            source,
            service,
            `  /**\n   * Sends \`${event.name}\` to every socket of one user, on every instance.\n   *\n` +
              `   * @example\n   * this.${feature.propertyName}.${method}(userId, { value: 'Your order is on its way' });\n   */\n` +
              `  ${method}(userId: string, event: ${payloadType}): void {\n` +
              `    this.gateway.server.to(this.rooms.user(userId)).emit('${event.name}', event);\n  }`,
          ),
        ]);
      },
    },
    specEdit(files.unitSpec, gatewayClass, unitTitle, (source, body) => {
      requireDeclared(files.unitSpec, body, ['gateway', 'moduleRef']);
      return [
        addNamedImports(source, [serviceClass], localImport(plan, `./${feature.fileName}.service`)),
        addNamedImports(source, [serverType], localImport(plan, `./${feature.fileName}.gateway`), { typeOnly: true }),
        addNamedImports(source, ['FakeNamespace'], `${RUNTIME_PACKAGE}/testing`),
        appendToBlock(
          source,
          body,
          `  it('${unitTitle}', () => {\n` +
            `    const server = new FakeNamespace('${plan.recorded.namespace}');\n` +
            `    Object.assign(gateway, { server: server.as<${serverType}>() });\n\n` +
            `    moduleRef.get(${serviceClass}).${method}('alice', { value: 'hello' });\n\n` +
            `    expect(server.sent).toEqual([{ room: 'user:alice', event: '${event.name}', payload: { value: 'hello' } }]);\n  });`,
        ),
      ];
    }),
    specEdit(files.e2eSpec, gatewayClass, event.name, (source, body) => {
      requireDeclared(files.e2eSpec, body, ['connectAs', 'testing']);
      return [
        addNamedImports(source, ['nextEvent'], `${RUNTIME_PACKAGE}/testing`),
        addNamedImports(
          source,
          [serviceClass],
          localImport(plan, `${plan.featureImportFrom(files.e2eSpec)}/${feature.fileName}.service`),
        ),
        appendToBlock(
          source,
          body,
          `  describe('${event.name}', () => {\n` +
            startEach(body) +
            `    it('reaches every socket of the user through ${serviceClass}.${method}', async () => {\n` +
            `      const [phone, laptop] = [await connectAs('alice'), await connectAs('alice')];\n` +
            `      const arrived = Promise.all([nextEvent(phone, '${event.name}'), nextEvent(laptop, '${event.name}')]);\n\n` +
            `      testing.app.get(${serviceClass}).${method}('alice', { value: 'hello' });\n\n` +
            `      await expect(arrived).resolves.toEqual([{ value: 'hello' }, { value: 'hello' }]);\n    });\n  });`,
        ),
      ];
    }),
  ];
}

/** The contract's part: the event's types before the map, and its entry in the map. */
function contractEdit(plan: EventPlan, map: string, types: string[], entry: string): EventEdit {
  const { files, event } = plan;
  return {
    path: files.events,
    describe: `${event.name} in ${map} (${files.events})`,
    isDone: (source) => memberNames(requireInterface(source, files.events, map)).includes(event.name),
    apply: (source) => {
      const eventMap = requireInterface(source, files.events, map);
      const missingTypes = types.filter((declaration) => {
        const name = /export interface (\w+)/.exec(declaration)?.[1] ?? '';
        return findInterface(source, name) === undefined;
      });
      const changes: Change[] = [
        appendMember(source, eventMap, entry, { separate: false }),
        // An empty map (a blank gateway's server events) carries a directive its first entry makes unused.
        ...removeLeadingComments(source, eventMap, /eslint-disable-next-line @typescript-eslint\/no-empty-object-type/),
      ];
      if (missingTypes.length > 0) {
        changes.unshift(insertBefore(source, eventMap, missingTypes.join('\n\n')));
      }
      if (plan.direction === 'handle') {
        changes.unshift(addNamedImports(source, ['ErrorPayload'], `${RUNTIME_PACKAGE}/contract`, { typeOnly: true }));
      }
      return applySourceChanges(source, changes);
    },
  };
}

/**
 * The `beforeEach` an e2e spec that starts its app per describe (push: `start()`, with or without a topic
 * rule) needs in the describe we add; nothing when the spec starts it for every test itself.
 */
function startEach(body: ts.Block): string {
  return blockDeclares(body, 'start') ? `    beforeEach(() => start());\n\n` : '';
}

/** A spec's part: a test in the top-level `describe('<Gateway>…')`, recognised by its title. */
function specEdit(
  path: string,
  gatewayClass: string,
  title: string,
  changes: (source: ts.SourceFile, body: ts.Block) => Change[],
): EventEdit {
  const describeBody = (source: ts.SourceFile) => {
    const body = findDescribeBody(source, gatewayClass);
    if (!body) {
      throw missingAnchor(path, `top-level describe('${gatewayClass}…')`, 'Pass --no-spec and add the test yourself.');
    }
    return body;
  };
  return {
    path,
    describe: `a test '${title}' (${path})`,
    isDone: (source) => hasStringLiteral(describeBody(source), title),
    apply: (source) => applySourceChanges(source, changes(source, describeBody(source))),
  };
}

function requireInterface(source: ts.SourceFile, path: string, name: string): ts.InterfaceDeclaration {
  const found = findInterface(source, name);
  if (!found) {
    throw missingAnchor(
      path,
      `interface ${name}`,
      'realtime-event adds events to the event maps realtime-gateway writes.',
    );
  }
  return found;
}

function requireClass(source: ts.SourceFile, name: string): ts.ClassDeclaration {
  const found = findClass(source, name);
  if (!found) {
    throw missingAnchor(
      source.fileName,
      `class ${name}`,
      'Was it renamed? realtime-event edits the class realtime-gateway wrote.',
    );
  }
  return found;
}

function requireDeclared(path: string, scope: ts.SourceFile | ts.Block, names: string[]): void {
  const declares = (name: string) =>
    ts.isSourceFile(scope)
      ? scope.statements.some((statement) => declaresIn(statement, name))
      : blockDeclares(scope, name);
  const missing = names.filter((name) => !declares(name));
  if (missing.length > 0) {
    throw new SchematicsException(
      `${path} has no ${missing.join(', ')}, which the generated test uses. Pass --no-spec and add the test yourself.`,
    );
  }
}

/** Whether a top-level statement declares or imports `name`, itself or (a describe) inside its callback. */
function declaresIn(statement: ts.Statement, name: string): boolean {
  if (ts.isImportDeclaration(statement)) {
    const bindings = statement.importClause?.namedBindings;
    return (
      bindings !== undefined &&
      ts.isNamedImports(bindings) &&
      bindings.elements.some((element) => element.name.text === name)
    );
  }
  if (ts.isFunctionDeclaration(statement)) {
    return statement.name?.text === name;
  }
  if (ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression)) {
    const callback = statement.expression.arguments[1];
    return (
      callback !== undefined &&
      (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) &&
      ts.isBlock(callback.body) &&
      blockDeclares(callback.body, name)
    );
  }
  return false;
}

function hasStringLiteral(node: ts.Node, text: string): boolean {
  return (
    (ts.isStringLiteralLike(node) && node.text === text) ||
    (node.forEachChild((child) => hasStringLiteral(child, text) || undefined) ?? false)
  );
}

function gatewayOptionsOf(source: ts.SourceFile, path: string, gatewayClass: string): ts.ObjectLiteralExpression {
  // `RealtimeGateway` is the gateway file's own const (from realtimeContract), not an import.
  const metadata = findDecoratorMetadata(source, 'RealtimeGateway');
  if (!metadata) {
    throw missingAnchor(
      path,
      `@RealtimeGateway({...}) on ${gatewayClass}`,
      'realtime-gateway writes one on every gateway.',
    );
  }
  return metadata;
}

function hasProperty(object: ts.ObjectLiteralExpression, name: string): boolean {
  return object.properties.some(
    (property) => property.name !== undefined && ts.isIdentifier(property.name) && property.name.text === name,
  );
}

function constructorParameters(declaration: ts.ClassDeclaration): string[] {
  const constructor = declaration.members.find(ts.isConstructorDeclaration);
  return (constructor?.parameters ?? []).flatMap((parameter) =>
    ts.isIdentifier(parameter.name) ? [parameter.name.text] : [],
  );
}

function localImport(plan: EventPlan, path: string): string {
  return `${path}${plan.host.importExtension}`;
}
