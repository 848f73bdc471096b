import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';
import { Schema as RealtimeEventOptions } from '../../src/realtime-event/schema';
import { readRecordedFeatures } from '../../src/utils/generated-files';
import { findDecoratorMetadata } from '../../src/utils/module-metadata';
import { findClass, findInterface, memberNames } from '../../src/utils/source-edits';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

function addEvent(tree: UnitTestTree, options: RealtimeEventOptions): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-event', options, tree);
}

function snapshot(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.map((path) => [path, tree.readContent(path)]));
}

function interfaceMembers(tree: UnitTestTree, path: string, name: string): string[] {
  const declaration = findInterface(readSourceFile(tree, path), name);
  return declaration ? memberNames(declaration) : [];
}

function classMembers(tree: UnitTestTree, path: string, name: string): string[] {
  const declaration = findClass(readSourceFile(tree, path), name);
  return declaration ? memberNames(declaration) : [];
}

/** How often `name` is imported into a file, over all its import declarations. */
function importCount(tree: UnitTestTree, path: string, name: string): number {
  return readSourceFile(tree, path)
    .statements.filter(ts.isImportDeclaration)
    .flatMap((declaration) => {
      const bindings = declaration.importClause?.namedBindings;
      return bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => element.name.text) : [];
    })
    .filter((imported) => imported === name).length;
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
      expect(tree.readContent('/src/chat/chat.gateway.ts')).toContain(
        "@SubscribeMessage('typing', { ack: TypingAckDto })",
      );
      expect(importCount(tree, '/src/chat/chat.gateway.ts', 'TypingDto')).toBe(1);
      expect(
        readSourceFile(tree, '/src/chat/chat.gateway.ts')
          .statements.filter(ts.isImportDeclaration)
          .map((declaration) => (declaration.moduleSpecifier as ts.StringLiteral).text),
      ).toContain(`./dto/typing.dto${ext}`);
    });

    it('adds a unit test and an e2e test', () => {
      expect(tree.readContent('/src/chat/chat.gateway.spec.ts')).toContain("it('acks typing with what it received'");
      const e2e = tree.readContent('/test/chat.e2e-spec.ts');
      expect(e2e).toContain("describe('typing'");
      expect(e2e).toContain('code: RealtimeErrorCode.ValidationFailed');
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

    it('adds the event to ServerToClientEvents and its class to @ServerEvents', () => {
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'ServerToClientEvents')).toContain('orderShipped');
      expect(interfaceMembers(tree, '/src/chat/chat.events.ts', 'OrderShippedEvent')).toEqual(['value']);
      const serverEvents = findDecoratorMetadata(readSourceFile(tree, '/src/chat/chat.gateway.ts'), 'ServerEvents');
      expect(serverEvents?.properties.map((property) => property.name?.getText())).toContain('orderShipped');
      expect(classMembers(tree, '/src/chat/dto/order-shipped.dto.ts', 'OrderShippedDto')).toEqual(['value']);
    });

    it('adds a typed service method instead of a handler', () => {
      expect(classMembers(tree, '/src/chat/chat.service.ts', 'ChatService')).toContain('sendOrderShipped');
      expect(classMembers(tree, '/src/chat/chat.gateway.ts', 'ChatGateway')).not.toContain('orderShipped');
    });

    it('adds a unit test and an e2e test', () => {
      expect(tree.readContent('/src/chat/chat.gateway.spec.ts')).toContain(
        "it('sends orderShipped to every socket of the user'",
      );
      expect(tree.readContent('/test/chat.e2e-spec.ts')).toContain("describe('orderShipped'");
    });

    it('changes nothing when run again', async () => {
      const once = snapshot(tree);

      tree = await addEvent(tree, { name: 'chat/orderShipped', type: 'emit' });

      expect(snapshot(tree)).toEqual(once);
    });
  });

  it("adds the first server event to a blank gateway, without the empty map's lint directive", async () => {
    tree = await runner.runSchematic('realtime-gateway', { name: 'ops', type: 'blank', skipInstall: true }, tree);
    expect(tree.readContent('/src/ops/ops.events.ts')).toContain('no-empty-object-type');

    tree = await addEvent(tree, { name: 'ops/statusChanged', type: 'emit' });

    const events = tree.readContent('/src/ops/ops.events.ts');
    expect(interfaceMembers(tree, '/src/ops/ops.events.ts', 'ServerToClientEvents')).toEqual(['statusChanged']);
    expect(events).not.toContain('eslint-disable');
    expect(events).toMatch(/\*\/\nexport interface ServerToClientEvents/);
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

    it("socket.io's and the kit's own events", async () => {
      await expectRefused(
        { name: 'chat/disconnect' },
        /"disconnect" is an event socket\.io or the realtime kit already uses/,
      );
      await expectRefused({ name: 'chat/refresh-token' }, /"refreshToken" is an event/);
    });

    it('a name without a gateway, or not an identifier', async () => {
      await expectRefused({ name: 'typing' }, /names no gateway: use <gateway>\/<event>/);
      await expectRefused({ name: 'chat/1typing' }, /"1typing" must start with a letter/);
    });

    it('a gateway generated before the typed contract', async () => {
      const path = '/src/chat/chat.gateway.ts';
      tree.overwrite(path, tree.readContent(path).replace(/realtimeEvents</g, 'eventsOf<'));

      await expectRefused({ name: 'chat/typing' }, /predates the typed event contract.*nest g realtime-upgrade/);
    });
  });
});
