import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  contentHash,
  hasGeneratedRecord,
  NEST_REALTIME_VERSION,
  recordGeneratedFiles,
} from '../../src/utils/generated-files';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { runner, snapshot } from '../support/schematics';

interface Logged {
  info: string[];
  warnings: string[];
}

async function runLogged(name: string, options: object, tree: UnitTestTree): Promise<Logged> {
  const logged: Logged = { info: [], warnings: [] };
  const subscription = runner.logger.subscribe((entry) =>
    (entry.level === 'warn' ? logged.warnings : entry.level === 'info' ? logged.info : []).push(entry.message),
  );
  try {
    await runner.runSchematic(name, options, tree);
  } finally {
    subscription.unsubscribe();
  }
  return logged;
}

function upgrade(tree: UnitTestTree): Promise<Logged> {
  return runLogged('realtime-upgrade', { skipInstall: true }, tree);
}

/** An app after `nest add` and `realtime-gateway <name>`. */
async function appWithGateway(name: string, major: FixtureMajor = 12): Promise<UnitTestTree> {
  const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
  return runner.runSchematic('realtime-gateway', { name, skipInstall: true }, tree);
}

/** Makes a file look as an earlier release generated it: other content, recorded as generated. */
function asEarlierRelease(tree: UnitTestTree, path: string): void {
  const earlier = `${tree.readContent(path)}\n// as an earlier release wrote it\n`;
  tree.overwrite(path, earlier);
  recordGeneratedFiles(tree, new Map([[path, earlier]]));
}

function settings(tree: UnitTestTree): Record<string, unknown> {
  return JSON.parse(tree.readContent('/nest-realtime.json')) as Record<string, unknown>;
}

function writeSettings(tree: UnitTestTree, value: Record<string, unknown>): void {
  tree.overwrite('/nest-realtime.json', JSON.stringify(value, null, 2));
}

describe('realtime-upgrade', () => {
  let tree: UnitTestTree;
  let current: Record<string, string>;

  beforeEach(async () => {
    tree = await appWithGateway('admin/chat');
    current = snapshot(tree);
  });

  it('updates the owned and feature files nobody edited, keeps and reports the edited ones', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.options.ts');
    asEarlierRelease(tree, '/src/admin/chat/chat.gateway.ts');
    tree.overwrite('/src/realtime/auth.policy.ts', '// tuned by the team\n');

    const { info, warnings } = await upgrade(tree);

    expect(tree.readContent('/src/realtime/realtime.options.ts')).toBe(current['/src/realtime/realtime.options.ts']);
    expect(tree.readContent('/src/admin/chat/chat.gateway.ts')).toBe(current['/src/admin/chat/chat.gateway.ts']);
    expect(tree.readContent('/src/realtime/auth.policy.ts')).toBe('// tuned by the team\n');
    expect(info).toEqual(
      expect.arrayContaining([
        'Updated /src/realtime/realtime.options.ts: nobody had edited it since it was generated.',
        'Updated /src/admin/chat/chat.gateway.ts: nobody had edited it since it was generated.',
      ]),
    );
    expect(warnings).toEqual([
      "Kept /src/realtime/auth.policy.ts: it was edited since it was generated. This release's version is beside " +
        'it in /src/realtime/auth.policy.ts.new: merge what you need, then delete that file (or use --force to ' +
        'take it whole).',
    ]);
    expect(tree.readContent('/src/realtime/auth.policy.ts.new')).toBe(current['/src/realtime/auth.policy.ts']);
  });

  it('records the hash of every file it updated', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.options.ts');
    asEarlierRelease(tree, '/src/admin/chat/chat.gateway.ts');

    await upgrade(tree);

    const { generated } = settings(tree) as { generated: Record<string, { sha256: string }> };
    for (const path of ['src/realtime/realtime.options.ts', 'src/admin/chat/chat.gateway.ts']) {
      expect({ path, sha256: generated[path].sha256 }).toEqual({
        path,
        sha256: contentHash(tree.readContent(`/${path}`)),
      });
    }
  });

  it('changes nothing when run again', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.options.ts');
    tree.overwrite('/src/admin/chat/chat.service.ts', '// rewritten by the team\n');
    await upgrade(tree);
    const once = snapshot(tree);

    const { info } = await upgrade(tree);

    expect(snapshot(tree)).toEqual(once);
    expect(info.filter((line) => line.startsWith('Updated'))).toEqual([]);
  });

  it('takes the edits of realtime-event for its own: nothing reported as edited, no .new file', async () => {
    await runner.runSchematic('realtime-event', { name: 'admin/chat/typing', type: 'handle' }, tree);
    await runner.runSchematic('realtime-event', { name: 'admin/chat/orderShipped', type: 'emit' }, tree);
    const afterEvents = snapshot(tree);

    const { info, warnings } = await upgrade(tree);

    expect(warnings).toEqual([]);
    expect(info.filter((line) => line.startsWith('Updated'))).toEqual([]);
    expect(tree.files.filter((path) => path.endsWith('.new'))).toEqual([]);
    expect(snapshot(tree)).toEqual(afterEvents);
  });

  it('records the options each feature was generated with, and the release that set the app up', () => {
    expect(settings(tree).features).toEqual({
      'src/admin/chat': {
        name: 'admin/chat',
        type: 'chat',
        namespace: '/chat',
        flat: false,
        spec: true,
        skipImport: false,
      },
    });
    expect(settings(tree).version).toBe(NEST_REALTIME_VERSION);
  });
});

describe('realtime-upgrade in an app without recorded features', () => {
  it('upgrades the setup and says how to bring features up to date', async () => {
    const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(11));
    const { info } = await upgrade(tree);
    expect(info.join('\n')).toMatch(/Found no realtime-gateway features.*nest g realtime-gateway <name>/s);
  });
});

/** A file of the copied kit as 0.1 wrote it; the content only matters for the record. */
function kitFile(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/**
 * Turns a fresh app of this release into one as 0.1 left it: no recorded version, and a copied kit in
 * src/realtime/ (recorded as generated, as 0.1 recorded it) that team code imports.
 */
function withCopiedKit(tree: UnitTestTree, ext: string): void {
  const { version: _version, ...rest } = settings(tree);
  writeSettings(tree, rest);
  const kit = new Map<string, string>([
    [
      '/src/realtime/realtime.module.ts',
      kitFile(["import { Module } from '@nestjs/common';", '', '@Module({})', 'export class RealtimeModule {}']),
    ],
    ['/src/realtime/realtime.errors.ts', kitFile(["export enum RealtimeErrorCode { Unauthorized = 'UNAUTHORIZED' }"])],
    ['/src/realtime/ws-auth.guard.ts', kitFile(['export class WsAuthGuard {}'])],
    ['/src/realtime/realtime.types.ts', kitFile(['export interface ClientLimits { maxPayloadBytes: number }'])],
    ['/src/realtime/realtime.rooms.ts', kitFile(['export const internalRoomPrefix = "room:";'])],
    [
      '/src/realtime/realtime.limits.ts',
      kitFile([
        `import type { ClientLimits } from './realtime.types${ext}';`,
        '',
        'export const LIMITS: ClientLimits = { maxPayloadBytes: 16384 };',
      ]),
    ],
    ['/test/realtime-testing.ts', kitFile(['export const KIT_TESTING = true;'])],
  ]);
  kit.forEach((content, path) => tree.create(path, content));
  recordGeneratedFiles(tree, kit);
  // The team raised a limit in the kit: edited since it was generated.
  tree.overwrite(
    '/src/realtime/realtime.limits.ts',
    tree.readContent('/src/realtime/realtime.limits.ts').replace('16384', '65536'),
  );
  tree.create(
    '/src/orders/orders.service.ts',
    kitFile([
      `import { RealtimeErrorCode } from '../realtime/realtime.errors${ext}';`,
      `import { WsAuthGuard } from '../realtime/ws-auth.guard${ext}';`,
      '',
      'export const ORDERS = [RealtimeErrorCode.Unauthorized, WsAuthGuard];',
    ]),
  );
  tree.create(
    '/src/orders/orders.rooms.ts',
    kitFile([
      `import { internalRoomPrefix } from '../realtime/realtime.rooms${ext}';`,
      '',
      'export const ROOM = internalRoomPrefix;',
    ]),
  );
}

describe.each([
  [11, ''],
  [12, '.js'],
] as Array<[FixtureMajor, string]>)('migration 0.2.0 in a Nest %i app with a copied kit', (major, ext) => {
  let tree: UnitTestTree;

  beforeEach(async () => {
    tree = await appWithGateway('chat', major);
    withCopiedKit(tree, ext);
  });

  it('removes the kit files nobody edited with their records, and rewrites their importers to the runtime', async () => {
    const { info } = await upgrade(tree);

    for (const path of [
      '/src/realtime/realtime.module.ts',
      '/src/realtime/realtime.errors.ts',
      '/src/realtime/ws-auth.guard.ts',
      '/test/realtime-testing.ts',
    ]) {
      expect({ path, exists: tree.exists(path), recorded: hasGeneratedRecord(tree, path) }).toEqual({
        path,
        exists: false,
        recorded: false,
      });
    }
    // Two imports of the kit land on one entry: one declaration.
    expect(tree.readContent('/src/orders/orders.service.ts')).toBe(
      kitFile([
        "import { RealtimeErrorCode, WsAuthGuard } from 'nest-realtime';",
        '',
        'export const ORDERS = [RealtimeErrorCode.Unauthorized, WsAuthGuard];',
      ]),
    );
    expect(info).toEqual(
      expect.arrayContaining([
        'Migration 0.2.0: the copied src/realtime/ kit onto the nest-realtime runtime package.',
        'Rewrote the imports of /src/orders/orders.service.ts from the copied kit to nest-realtime.',
        'Removed 4 files of the copied kit nobody had edited (from /src/realtime and /test): the runtime in ' +
          'nest-realtime replaces them.',
      ]),
    );
  });

  it('keeps an edited kit file with what replaces it, the kit files it imports, and those imported by names the runtime lacks', async () => {
    const { warnings } = await upgrade(tree);

    expect(tree.readContent('/src/realtime/realtime.limits.ts')).toContain('65536');
    expect(tree.exists('/src/realtime/realtime.types.ts')).toBe(true);
    expect(tree.exists('/src/realtime/realtime.rooms.ts')).toBe(true);
    expect(tree.readContent('/src/orders/orders.rooms.ts')).toContain(`'../realtime/realtime.rooms${ext}'`);
    expect(warnings).toEqual([
      'Kept /src/realtime/realtime.limits.ts: it was edited since it was generated. Now client limits are ' +
        "RealtimeModule's `limits` option in src/realtime/realtime.options.ts (each REALTIME_* variable still " +
        'overrides its limit); move your change there, then delete it.',
      'Kept /src/realtime/realtime.rooms.ts: /src/orders/orders.rooms.ts imports internalRoomPrefix from it, which ' +
        'nest-realtime does not export under those names; change that import to what the runtime provides ' +
        '(README, "Upgrading from a copied kit"), then delete this file.',
      'Kept /src/realtime/realtime.types.ts: the kept /src/realtime/realtime.limits.ts imports it.',
    ]);
  });

  it('records this release, so the migration runs once; a second run changes nothing', async () => {
    await upgrade(tree);
    expect(settings(tree).version).toBe(NEST_REALTIME_VERSION);
    const once = snapshot(tree);

    const { info, warnings } = await upgrade(tree);

    expect(snapshot(tree)).toEqual(once);
    expect(info.some((line) => line.startsWith('Migration'))).toBe(false);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['realtime-gateway', { name: 'alerts', skipInstall: true }],
    ['realtime-event', { name: 'chat/typing', type: 'handle' }],
    ['realtime-k8s', {}],
    ['realtime-eject', { skipInstall: true }],
  ])('%s refuses until the upgrade ran, writing nothing', async (schematic, options) => {
    const before = snapshot(tree);

    await expect(runner.runSchematic(schematic, options, tree)).rejects.toThrow(
      /set up by nest-realtime 0\.1\.0.*moves the copied src\/realtime\/ kit.*Run `nest g realtime-upgrade` first/s,
    );
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('migrations in an app already on the runtime', () => {
  it('runs none when the app has no copied kit, and records this release', async () => {
    const tree = await appWithGateway('chat');
    const { version: _version, ...rest } = settings(tree);
    writeSettings(tree, rest);

    const { info } = await upgrade(tree);

    expect(info.some((line) => line.startsWith('Migration'))).toBe(false);
    expect(settings(tree).version).toBe(NEST_REALTIME_VERSION);
  });
});

const EARLIER_RELEASE_FIXTURES = join(__dirname, '../fixtures/earlier-release');

/** What the release before records (e55e5d5) generated there, for a Nest 12 app with a `chat` gateway. */
function earlierReleaseFile(name: string): string {
  return readFileSync(join(EARLIER_RELEASE_FIXTURES, `${name}.txt`), 'utf-8');
}

describe('realtime-upgrade in an app generated before files were recorded', () => {
  let tree: UnitTestTree;
  let current: Record<string, string>;

  beforeEach(async () => {
    tree = await appWithGateway('chat');
    current = snapshot(tree);
    const { generated: _generated, features: _features, version: _version, ...rest } = settings(tree);
    writeSettings(tree, rest);
    tree.create('/src/realtime/realtime.config.ts', earlierReleaseFile('realtime.config.ts'));
    tree.overwrite('/src/chat/chat.gateway.ts', earlierReleaseFile('chat.gateway.ts'));
    // A kit file the team rewrote: unrecorded, and unlike anything a release wrote.
    tree.create('/src/realtime/realtime.module.ts', '// assembled by the team\n');
  });

  it('finds that release output by its content: updates the feature, removes the kit, keeps what the team edited', async () => {
    // Reformatted by the team's own formatter: still as generated.
    tree.overwrite('/src/chat/chat.gateway.ts', earlierReleaseFile('chat.gateway.ts').replace(/\n\n/g, '\n'));

    const { info, warnings } = await upgrade(tree);

    expect(tree.readContent('/src/chat/chat.gateway.ts')).toBe(current['/src/chat/chat.gateway.ts']);
    expect(tree.exists('/src/realtime/realtime.config.ts')).toBe(false);
    expect(tree.readContent('/src/realtime/realtime.module.ts')).toBe('// assembled by the team\n');
    expect(info).toEqual(
      expect.arrayContaining([
        'Upgrading features generated before nest-realtime.json recorded them: chat (/chat).',
        'Updated /src/chat/chat.gateway.ts: nobody had edited it since it was generated.',
      ]),
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Kept \/src\/realtime\/realtime\.module\.ts: it was edited since it was generated\. Now nest-realtime provides it/,
      ),
    ]);
    // Recorded now, so the next release upgrades it by its hash.
    expect(settings(tree).features).toEqual({
      'src/chat': { name: 'chat', type: 'chat', namespace: '/chat', spec: true, skipImport: true },
    });
  });

  it('keeps a file of that release that was edited', async () => {
    const edited = earlierReleaseFile('chat.gateway.ts').replace("'/chat'", "'/support'");
    tree.overwrite('/src/chat/chat.gateway.ts', edited);

    const { warnings } = await upgrade(tree);

    expect(tree.readContent('/src/chat/chat.gateway.ts')).toBe(edited);
    expect(warnings.join('\n')).toContain('Kept /src/chat/chat.gateway.ts');
  });
});
