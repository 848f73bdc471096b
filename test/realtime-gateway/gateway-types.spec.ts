import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { Schema as RealtimeGatewayOptions } from '../../src/realtime-gateway/schema';
import { recordGeneratedFiles } from '../../src/utils/generated-files';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { createNestAppTree, FixtureMajor, useFastify } from '../fixtures/nest-app';
import { namedImports } from '../support/generated-source';
import { runner, snapshot } from '../support/schematics';

function generate(tree: UnitTestTree, options: RealtimeGatewayOptions): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-gateway', { skipInstall: true, ...options }, tree);
}

/** The events a gateway handles: the first argument of each method's `@SubscribeMessage(...)`. */
function handledEvents(tree: UnitTestTree, path: string): string[] {
  const events: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isDecorator(node) &&
      ts.isCallExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'SubscribeMessage'
    ) {
      const [event] = node.expression.arguments;
      events.push(event && ts.isStringLiteral(event) ? event.text : '?');
    }
    ts.forEachChild(node, visit);
  };
  visit(readSourceFile(tree, path));
  return events.sort();
}

function recordedFeatures(tree: UnitTestTree): Record<string, { name: string; type?: string }> {
  return (JSON.parse(tree.readContent('/nest-realtime.json')) as { features: Record<string, { name: string }> })
    .features;
}

function dependencies(tree: UnitTestTree): Record<string, string> {
  return (JSON.parse(tree.readContent('/package.json')) as { dependencies: Record<string, string> }).dependencies;
}

const PUSH_FILES = [
  'alerts.client.ts',
  'alerts.emitter.ts',
  'alerts.events.ts',
  'alerts.gateway.spec.ts',
  'alerts.gateway.ts',
  'alerts.module.ts',
  'alerts.service.ts',
  'alerts.topic-policy.ts',
  'dto/order-status-changed.dto.ts',
  'dto/topic.dto.ts',
];

const BLANK_FILES = [
  'dto/ping.dto.ts',
  'ops.client.ts',
  'ops.events.ts',
  'ops.gateway.spec.ts',
  'ops.gateway.ts',
  'ops.module.ts',
  'ops.service.ts',
];

/** What the root module imports once the setup ran: the runtime, with the app's own options. */
const REALTIME_MODULE = 'RealtimeModule.forRoot(realtimeOptions)';

function featureFiles(tree: UnitTestTree, dir: string): string[] {
  return tree.files
    .filter((path) => path.startsWith(`${dir}/`))
    .map((path) => path.slice(dir.length + 1))
    .sort();
}

describe.each([11, 12] as FixtureMajor[])('realtime-gateway --type in a Nest %i app', (major) => {
  describe('push', () => {
    let tree: UnitTestTree;

    beforeEach(async () => {
      tree = await generate(createNestAppTree(major), { name: 'alerts', type: 'push' });
    });

    it('writes the push feature and its unit, e2e and scale-out specs', () => {
      expect(featureFiles(tree, '/src/alerts')).toEqual(PUSH_FILES);
      expect(tree.exists('/test/alerts.e2e-spec.ts')).toBe(true);
      expect(tree.exists('/test/alerts.scale-out.e2e-spec.ts')).toBe(true);
      // The e2e specs' helpers come from nest-realtime/testing.
      expect(tree.exists('/test/realtime-testing.ts')).toBe(false);
    });

    it('handles subscribe and unsubscribe, leaves refreshToken to the runtime, and has nothing of chat', () => {
      expect(handledEvents(tree, '/src/alerts/alerts.gateway.ts')).toEqual(['subscribe', 'unsubscribe']);
    });

    it('registers the module, which provides the topic policy and exports the service', () => {
      expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE, 'AlertsModule']);
      expect(moduleMetadataEntries(tree, '/src/alerts/alerts.module.ts', 'imports')).toEqual([]);
      expect(moduleMetadataEntries(tree, '/src/alerts/alerts.module.ts', 'providers')).toEqual([
        'AlertsGateway',
        'AlertsService',
        'AlertsTopicPolicy',
      ]);
      expect(moduleMetadataEntries(tree, '/src/alerts/alerts.module.ts', 'exports')).toEqual(['AlertsService']);
    });

    it("connects its emitter through the runtime's RealtimeEmitter, and adds the package it needs", () => {
      const emitter = tree.readContent('/src/alerts/alerts.emitter.ts');
      expect(namedImports(tree, '/src/alerts/alerts.emitter.ts')).toMatchObject({
        RealtimeEmitter: ['nest-realtime/redis'],
      });
      expect(emitter).toContain('export function connectAlertsEmitter(): Promise<AlertsEmitter>');
      expect(emitter).toContain('export type AlertsEmitter = RealtimeEmitter<ServerToClientEvents>;');
      expect(dependencies(tree)['@socket.io/redis-emitter']).toBe('^5.1.0');
    });

    it('tests the emitter across instances in its own scale-out spec', () => {
      expect(namedImports(tree, '/test/alerts.scale-out.e2e-spec.ts')).toMatchObject({
        connectAlertsEmitter: [`../src/alerts/alerts.emitter${major === 12 ? '.js' : ''}`],
      });
    });

    it('records the type, so realtime-upgrade renders the feature as push again', () => {
      expect(recordedFeatures(tree)['src/alerts']).toMatchObject({ name: 'alerts', type: 'push' });
    });

    it('is idempotent: a second run changes nothing', async () => {
      const before = snapshot(tree);
      const again = await generate(tree, { name: 'alerts', type: 'push' });
      expect(snapshot(again)).toEqual(before);
    });
  });

  describe('blank', () => {
    let tree: UnitTestTree;

    beforeEach(async () => {
      tree = await generate(createNestAppTree(major), { name: 'ops', type: 'blank' });
    });

    it('writes the blank feature and its specs, without rooms or a scale-out spec', () => {
      expect(featureFiles(tree, '/src/ops')).toEqual(BLANK_FILES);
      expect(tree.exists('/test/ops.e2e-spec.ts')).toBe(true);
      expect(tree.exists('/test/ops.scale-out.e2e-spec.ts')).toBe(false);
    });

    it('handles one example event, leaving refreshToken to the runtime', () => {
      expect(handledEvents(tree, '/src/ops/ops.gateway.ts')).toEqual(['ping']);
    });

    it('registers the module and adds no dependency beyond the setup', () => {
      expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE, 'OpsModule']);
      expect(dependencies(tree)['@socket.io/redis-emitter']).toBeUndefined();
      expect(recordedFeatures(tree)['src/ops']).toMatchObject({ name: 'ops', type: 'blank' });
    });

    it('is idempotent: a second run changes nothing', async () => {
      const before = snapshot(tree);
      const again = await generate(tree, { name: 'ops', type: 'blank' });
      expect(snapshot(again)).toEqual(before);
    });
  });
});

describe.each([11, 12] as FixtureMajor[])('realtime-gateway in a Nest %i app on Fastify', (major) => {
  it.each([
    ['chat', ['/test/chat.e2e-spec.ts']],
    ['push', ['/test/chat.e2e-spec.ts', '/test/chat.scale-out.e2e-spec.ts']],
    ['blank', ['/test/chat.e2e-spec.ts']],
  ])('writes %s e2e specs that start the app on Fastify', async (type, specs) => {
    const tree = await runner.runSchematic(
      'realtime-gateway',
      { name: 'chat', type, skipInstall: true },
      useFastify(createNestAppTree(major), major),
    );
    for (const spec of specs) {
      const source = tree.readContent(spec);
      expect({ spec, from: namedImports(tree, spec).FastifyAdapter }).toEqual({
        spec,
        from: ['@nestjs/platform-fastify'],
      });
      expect({ spec, adapters: source.match(/httpAdapter: new FastifyAdapter\(\)/g)?.length }).toEqual({
        spec,
        adapters: 1,
      });
    }
  });

  it("leaves an Express app on Nest's default", async () => {
    const tree = await runner.runSchematic(
      'realtime-gateway',
      { name: 'chat', skipInstall: true },
      createNestAppTree(major),
    );
    expect(tree.readContent('/test/chat.e2e-spec.ts')).not.toContain('Fastify');
  });
});

describe('realtime-gateway --type defaults', () => {
  it('is chat without a project default, and recorded as such', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'chat' });
    expect(handledEvents(tree, '/src/chat/chat.gateway.ts')).toEqual(['joinRoom', 'leaveRoom', 'sendMessage']);
    expect(recordedFeatures(tree)['src/chat']).toMatchObject({ type: 'chat' });
  });

  it('follows the gatewayType nest-add recorded, unless --type is given', async () => {
    const base = await runner.runSchematic(
      'nest-add',
      { skipInstall: true, gatewayType: 'push' },
      createNestAppTree(11),
    );
    expect(JSON.parse(base.readContent('/nest-realtime.json'))).toMatchObject({ gatewayType: 'push' });

    const tree = await generate(base, { name: 'alerts' });
    await generate(tree, { name: 'ops', type: 'blank' });

    expect(tree.exists('/src/alerts/alerts.topic-policy.ts')).toBe(true);
    expect(handledEvents(tree, '/src/ops/ops.gateway.ts')).toEqual(['ping']);
  });
});

describe('realtime-gateway run again on a feature', () => {
  it('keeps the type it was generated with when --type is not given', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'alerts', type: 'push' });
    const before = snapshot(tree);

    await generate(tree, { name: 'alerts' });

    expect(snapshot(tree)).toEqual(before);
  });

  it('refuses another --type, and writes nothing', async () => {
    const tree = await generate(createNestAppTree(11), { name: 'alerts', type: 'push' });
    const before = snapshot(tree);

    await expect(generate(tree, { name: 'alerts', type: 'chat' })).rejects.toThrow(
      '/src/alerts holds a push feature (nest-realtime.json "features"), so --type chat would overwrite it.',
    );
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('realtime-gateway refuses a type it does not know and writes nothing', () => {
  it('given as --type', async () => {
    const tree = createNestAppTree(11);
    const before = snapshot(tree);
    await expect(
      generate(tree, { name: 'alerts', type: 'pager' } as unknown as RealtimeGatewayOptions),
    ).rejects.toThrow(/"chat", "push", "blank"/);
    expect(snapshot(tree)).toEqual(before);
  });

  it('given as the project default', async () => {
    const tree = createNestAppTree(12);
    tree.create('/nest-realtime.json', JSON.stringify({ gatewayType: 'pager' }));
    const before = snapshot(tree);
    await expect(generate(tree, { name: 'alerts' })).rejects.toThrow(
      'nest-realtime.json: "gatewayType" must be one of chat, push, blank.',
    );
    expect(snapshot(tree)).toEqual(before);
  });

  it('recorded for a feature realtime-upgrade would render', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'alerts', type: 'push' });
    const settings = JSON.parse(tree.readContent('/nest-realtime.json')) as {
      features: Record<string, { type: string }>;
    };
    settings.features['src/alerts'].type = 'pager';
    tree.overwrite('/nest-realtime.json', JSON.stringify(settings));
    const before = snapshot(tree);

    await expect(runner.runSchematic('realtime-upgrade', { skipInstall: true }, tree)).rejects.toThrow(
      'nest-realtime.json: the feature in src/alerts has "type": "pager", which is not one of chat, push, blank.',
    );
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('realtime-upgrade and gateway types', () => {
  /** Makes a file look as an earlier release generated it: other content, recorded as generated. */
  function asEarlierRelease(tree: UnitTestTree, path: string): void {
    const earlier = `${tree.readContent(path)}\n// as an earlier release wrote it\n`;
    tree.overwrite(path, earlier);
    recordGeneratedFiles(tree, new Map([[path, earlier]]));
  }

  it('renders a push feature as push again, whatever the project default', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'alerts', type: 'push' });
    const current = tree.readContent('/src/alerts/alerts.gateway.ts');
    asEarlierRelease(tree, '/src/alerts/alerts.gateway.ts');

    await runner.runSchematic('realtime-upgrade', { skipInstall: true }, tree);

    expect(tree.readContent('/src/alerts/alerts.gateway.ts')).toBe(current);
    expect(tree.exists('/src/alerts/dto/room.dto.ts')).toBe(false);
  });

  it('renders a feature recorded before gateway types as chat, even with another project default', async () => {
    const tree = await generate(createNestAppTree(12), { name: 'chat' });
    const current = snapshot(tree);
    const settings = JSON.parse(tree.readContent('/nest-realtime.json')) as {
      features: Record<string, { type?: string }>;
    };
    delete settings.features['src/chat'].type;
    tree.overwrite('/nest-realtime.json', JSON.stringify({ ...settings, gatewayType: 'blank' }));
    asEarlierRelease(tree, '/src/chat/chat.gateway.ts');

    await runner.runSchematic('realtime-upgrade', { skipInstall: true }, tree);

    expect(tree.readContent('/src/chat/chat.gateway.ts')).toBe(current['/src/chat/chat.gateway.ts']);
    expect(handledEvents(tree, '/src/chat/chat.gateway.ts')).toContain('joinRoom');
    expect(featureFiles(tree, '/src/chat')).not.toContain('dto/ping.dto.ts');
    expect(recordedFeatures(tree)['src/chat']).toMatchObject({ type: 'chat' });
  });
});
