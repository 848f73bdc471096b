import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schema as RealtimeEventOptions } from '../../src/realtime-event/schema';
import { readRecordedFeatures } from '../../src/utils/generated-files';
import { findDecoratorMetadata, findProperty } from '../../src/utils/module-metadata';
import { findClass, findInterface, memberNames } from '../../src/utils/source-edits';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { namedImports } from '../support/generated-source';
import { runner, snapshot } from '../support/schematics';

function addEvent(tree: UnitTestTree, options: RealtimeEventOptions): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-event', options, tree);
}

function interfaceMembers(tree: UnitTestTree, path: string, name: string): string[] {
  const declaration = findInterface(readSourceFile(tree, path), name);
  return declaration ? memberNames(declaration) : [];
}

function classMembers(tree: UnitTestTree, path: string, name: string): string[] {
  const declaration = findClass(readSourceFile(tree, path), name);
  return declaration ? memberNames(declaration) : [];
}

/**
 * The `serverEvents` of a gateway's `@RealtimeGateway({...})`, as `name: Class` texts; undefined without
 * the property.
 */
function serverEvents(tree: UnitTestTree, path: string): string[] | undefined {
  const source = readSourceFile(tree, path);
  const options = findDecoratorMetadata(source, 'RealtimeGateway');
  const events = options && findProperty(source, options, 'serverEvents');
  return events && ts.isObjectLiteralExpression(events)
    ? events.properties.map((property) => property.getText(source))
    : undefined;
}

/** The text of one method of a class, found by name. */
function methodText(tree: UnitTestTree, path: string, className: string, method: string): string {
  const source = readSourceFile(tree, path);
  const member = findClass(source, className)?.members.find(
    (candidate) => ts.isMethodDeclaration(candidate) && candidate.name.getText(source) === method,
  );
  return member?.getText(source) ?? '';
}

/** The tests of the top-level describe of a spec, by title. */
function testTitles(tree: UnitTestTree, path: string): string[] {
  const titles: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ['it', 'describe'].includes(node.expression.getText()) && node.arguments[0]) {
      const [title] = node.arguments;
      if (ts.isStringLiteralLike(title)) {
        titles.push(title.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(readSourceFile(tree, path));
  return titles;
}

async function appWithChat(major: FixtureMajor): Promise<UnitTestTree> {
  const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
  return runner.runSchematic('realtime-gateway', { name: 'chat', skipInstall: true }, tree);
}

describe.each([11, 12] as FixtureMajor[])('realtime-event in a Nest %i app', (major) => {
  let app: UnitTestTree;
  let tree: UnitTestTree;
  const ext = major === 12 ? '.js' : '';

  // Generating the app formats ~60 files: done once, and each test works on its own copy.
  beforeAll(async () => {
    app = await appWithChat(major);
  });

  beforeEach(() => {
    tree = new UnitTestTree(app.branch());
  });

  describe('a client-to-server event (chat/typing)', () => {
    beforeEach(async () => {
      tree = await addEvent(tree, { name: 'chat/typing' });
    });

    it('adds the event to the contract with its payload and ack types', () => {
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'ClientToServerEvents')).toContain('typing');
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'TypingPayload')).toEqual(['value']);
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'TypingAck')).toEqual([
        'status',
        'value',
        'receivedAt',
      ]);
    });

    it('writes the DTO and ack classes, and a handler that acks with the ack class documented', () => {
      expect(classMembers(tree, '/src/chat/dto/typing.dto.ts', 'TypingDto')).toEqual(['value']);
      expect(classMembers(tree, '/src/chat/dto/typing.dto.ts', 'TypingAckDto')).toEqual([
        'status',
        'value',
        'receivedAt',
      ]);
      expect(classMembers(tree, '/src/chat/chat.gateway.ts', 'ChatGateway')).toContain('typing');
      expect(methodText(tree, '/src/chat/chat.gateway.ts', 'ChatGateway', 'typing')).toMatch(
        /^@SubscribeMessage\('typing', \{ ack: TypingAckDto \}\)\s+typing\(@MessageBody\(\) \{ value \}: TypingDto\): TypingAck \{/,
      );
      expect(namedImports(tree, '/src/chat/chat.gateway.ts')).toMatchObject({
        TypingDto: [`./dto/typing.dto${ext}`],
        TypingAckDto: [`./dto/typing.dto${ext}`],
        TypingAck: [`./chat.events${ext}`],
        MessageBody: ['@nestjs/websockets'],
      });
    });

    it('adds a unit test and an e2e test', () => {
      expect(testTitles(tree, '/src/chat/chat.gateway.spec.ts')).toContain('acks typing with what it received');
      expect(testTitles(tree, '/test/chat.e2e-spec.ts')).toEqual(
        expect.arrayContaining([
          'typing',
          'acks a valid payload',
          'refuses an invalid payload with VALIDATION_FAILED, naming the field',
        ]),
      );
      expect(tree.readContent('/test/chat.e2e-spec.ts')).toContain('code: RealtimeErrorCode.ValidationFailed');
      expect(namedImports(tree, '/test/chat.e2e-spec.ts')).toMatchObject({ RealtimeErrorCode: ['nest-realtime'] });
    });

    it('records the event for the feature', () => {
      expect(readRecordedFeatures(tree).find((feature) => feature.name === 'chat')?.events).toEqual({
        typing: 'handle',
      });
    });

    it('changes nothing when run again', async () => {
      const once = snapshot(tree);

      tree = await addEvent(tree, { name: 'chat/typing' });

      expect(snapshot(tree)).toEqual(once);
    });

    it('keeps the event when realtime-gateway records the feature again', async () => {
      tree = await runner.runSchematic('realtime-gateway', { name: 'chat', skipInstall: true }, tree);

      expect(readRecordedFeatures(tree).find((feature) => feature.name === 'chat')?.events).toEqual({
        typing: 'handle',
      });
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'ClientToServerEvents')).toContain('typing');
    });
  });

  describe('a server-to-client event (--type emit)', () => {
    beforeEach(async () => {
      tree = await addEvent(tree, { name: 'chat/order-shipped', type: 'emit' });
    });

    it("adds the event to ServerToClientEvents and its class to the gateway's serverEvents", () => {
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'ServerToClientEvents')).toContain('orderShipped');
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'OrderShippedEvent')).toEqual(['value']);
      expect(serverEvents(tree, '/src/chat/chat.gateway.ts')).toEqual([
        'newMessage: NewMessageDto',
        'orderShipped: OrderShippedDto',
      ]);
      expect(namedImports(tree, '/src/chat/chat.gateway.ts')).toMatchObject({
        OrderShippedDto: [`./dto/order-shipped.dto${ext}`],
      });
      expect(classMembers(tree, '/src/chat/dto/order-shipped.dto.ts', 'OrderShippedDto')).toEqual(['value']);
    });

    it("adds a typed service method that emits to the user's room instead of a handler", () => {
      expect(methodText(tree, '/src/chat/chat.service.ts', 'ChatService', 'sendOrderShipped')).toContain(
        "this.gateway.server.to(this.rooms.user(userId)).emit('orderShipped', event);",
      );
      expect(classMembers(tree, '/src/chat/chat.gateway.ts', 'ChatGateway')).not.toContain('orderShipped');
    });

    it("adds a unit test on the runtime's FakeNamespace and an e2e test through the service", () => {
      const unit = tree.readContent('/src/chat/chat.gateway.spec.ts');
      expect(testTitles(tree, '/src/chat/chat.gateway.spec.ts')).toContain(
        'sends orderShipped to every socket of the user',
      );
      expect(unit).toContain("moduleRef.get(ChatService).sendOrderShipped('alice', { value: 'hello' });");
      expect(namedImports(tree, '/src/chat/chat.gateway.spec.ts')).toMatchObject({
        FakeNamespace: ['nest-realtime/testing'],
        ChatService: [`./chat.service${ext}`],
      });
      expect(testTitles(tree, '/test/chat.e2e-spec.ts')).toEqual(
        expect.arrayContaining([
          'orderShipped',
          'reaches every socket of the user through ChatService.sendOrderShipped',
        ]),
      );
      expect(tree.readContent('/test/chat.e2e-spec.ts')).toContain(
        "testing.app.get(ChatService).sendOrderShipped('alice', { value: 'hello' });",
      );
      expect(namedImports(tree, '/test/chat.e2e-spec.ts')).toMatchObject({
        nextEvent: ['nest-realtime/testing'],
        ChatService: [`../src/chat/chat.service${ext}`],
      });
    });

    it('changes nothing when run again', async () => {
      const once = snapshot(tree);

      tree = await addEvent(tree, { name: 'chat/orderShipped', type: 'emit' });

      expect(snapshot(tree)).toEqual(once);
    });
  });

  it("adds the first server event to a blank gateway: serverEvents created, the empty map's lint directive gone", async () => {
    tree = await runner.runSchematic('realtime-gateway', { name: 'ops', type: 'blank', skipInstall: true }, tree);
    expect(tree.readContent('/src/ops/ops.events.ts')).toContain('no-empty-object-type');
    expect(serverEvents(tree, '/src/ops/ops.gateway.ts')).toBeUndefined();

    tree = await addEvent(tree, { name: 'ops/statusChanged', type: 'emit' });

    const events = tree.readContent('/src/ops/ops.events.ts');
    expect(interfaceMembers(tree, '/src/ops/ops.events.ts', 'ServerToClientEvents')).toEqual(['statusChanged']);
    expect(events).not.toContain('eslint-disable');
    expect(events).toMatch(/\*\/\nexport interface ServerToClientEvents/);
    expect(serverEvents(tree, '/src/ops/ops.gateway.ts')).toEqual(['statusChanged: StatusChangedDto']);
    expect(classMembers(tree, '/src/ops/ops.service.ts', 'OpsService')).toContain('sendStatusChanged');
  });

  describe('refuses, and writes nothing', () => {
    async function expectRefused(options: RealtimeEventOptions, message: RegExp): Promise<void> {
      const before = snapshot(tree);
      await expect(addEvent(tree, options)).rejects.toThrow(message);
      expect(snapshot(tree)).toEqual(before);
    }

    it('a gateway that does not exist, naming the generated ones', async () => {
      await expectRefused(
        { name: 'lobby/typing' },
        /No realtime gateway "lobby" in this project\. Generated gateways: chat\. Generate it first with nest g realtime-gateway lobby/,
      );
    });

    it('a gateway nest-realtime did not generate', async () => {
      tree.create('/src/lobby/lobby.gateway.ts', 'export class LobbyGateway {}\n');

      await expectRefused(
        { name: 'lobby/typing' },
        /\/src\/lobby\/lobby\.gateway\.ts was not generated by nest-realtime/,
      );
    });

    it('an event the gateway has already', async () => {
      await expectRefused(
        { name: 'chat/sendMessage' },
        /already has an event "sendMessage" \(ClientToServerEvents in \/src\/chat\/chat\.events\.ts\)/,
      );
      await expectRefused(
        { name: 'chat/newMessage', type: 'emit' },
        /already has an event "newMessage" \(ServerToClientEvents/,
      );
    });

    it('an event added in the other direction', async () => {
      tree = await addEvent(tree, { name: 'chat/typing' });

      await expectRefused({ name: 'chat/typing', type: 'emit' }, /already has an event "typing"/);
    });

    it("socket.io's and the runtime's own events", async () => {
      await expectRefused(
        { name: 'chat/disconnect' },
        /"disconnect" is an event socket\.io or the nest-realtime runtime already uses/,
      );
      await expectRefused({ name: 'chat/refresh-token' }, /"refreshToken" is an event/);
    });

    it('a name without a gateway, or not an identifier', async () => {
      await expectRefused({ name: 'typing' }, /names no gateway: use <gateway>\/<event>/);
      await expectRefused({ name: 'chat/1typing' }, /"1typing" must start with a letter/);
    });

    it.each([
      [
        "the copied kit's typed contract (realtimeEvents, @WebSocketGateway)",
        (gateway: string) =>
          gateway.replace(/realtimeContract</g, 'realtimeEvents<').replace(/@RealtimeGateway\(/g, '@WebSocketGateway('),
      ],
      [
        'an earlier release, before the typed contract',
        () => readFileSync(join(__dirname, '../fixtures/earlier-release/chat.gateway.ts.txt'), 'utf-8'),
      ],
    ])('a gateway generated before the runtime: %s', async (_shape, earlierGateway) => {
      const path = '/src/chat/chat.gateway.ts';
      tree.overwrite(path, earlierGateway(tree.readContent(path)));

      await expectRefused(
        { name: 'chat/typing' },
        /\/src\/chat\/chat\.gateway\.ts predates the nest-realtime runtime.*Run nest g realtime-upgrade/,
      );
    });
  });

  describe('a spec it cannot add the test to', () => {
    beforeEach(() => {
      const path = '/src/chat/chat.gateway.spec.ts';
      tree.overwrite(path, tree.readContent(path).replace(/\bmoduleRef\b/g, 'testingModule'));
    });

    it('is refused, naming what the test needs and that --no-spec leaves the tests out', async () => {
      await expect(addEvent(tree, { name: 'chat/orderShipped', type: 'emit' })).rejects.toThrow(
        /chat\.gateway\.spec\.ts has no moduleRef, which the generated test uses\. Pass --no-spec/,
      );
    });

    it('gets the event without tests with --no-spec', async () => {
      const spec = tree.readContent('/src/chat/chat.gateway.spec.ts');
      const e2e = tree.readContent('/test/chat.e2e-spec.ts');

      tree = await addEvent(tree, { name: 'chat/orderShipped', type: 'emit', spec: false });

      expect(serverEvents(tree, '/src/chat/chat.gateway.ts')).toContain('orderShipped: OrderShippedDto');
      expect(tree.readContent('/src/chat/chat.gateway.spec.ts')).toBe(spec);
      expect(tree.readContent('/test/chat.e2e-spec.ts')).toBe(e2e);
    });
  });
});

/** The statements directly in a spec's `describe('<title>', () => { ... })`. */
function describeStatements(tree: UnitTestTree, path: string, title: string): string[] {
  let found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      node.expression.getText() === 'describe' &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      node.arguments[0].text === title
    ) {
      const callback = node.arguments[1];
      if (callback && ts.isArrowFunction(callback) && ts.isBlock(callback.body)) {
        found = callback.body.statements.map((statement) => statement.getText());
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(readSourceFile(tree, path));
  return found;
}

describe('realtime-event on a gateway whose e2e spec starts the app per describe (push)', () => {
  it('starts it in each describe it adds', async () => {
    const base = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(12));
    let tree = await runner.runSchematic('realtime-gateway', { name: 'alerts', type: 'push', skipInstall: true }, base);
    tree = await addEvent(tree, { name: 'alerts/orderShipped', type: 'emit' });
    tree = await addEvent(tree, { name: 'alerts/ping', type: 'handle' });

    for (const title of ['orderShipped', 'ping']) {
      expect({ title, first: describeStatements(tree, '/test/alerts.e2e-spec.ts', title)[0] }).toEqual({
        title,
        first: 'beforeEach(() => start());',
      });
    }
  });

  it('adds no beforeEach where the spec starts the app for every test (chat)', async () => {
    let tree = await appWithChat(12);
    tree = await addEvent(tree, { name: 'chat/orderShipped', type: 'emit' });

    expect(describeStatements(tree, '/test/chat.e2e-spec.ts', 'orderShipped')[0]).toMatch(/^it\(/);
  });
});
