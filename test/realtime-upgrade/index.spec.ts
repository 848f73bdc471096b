import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordGeneratedFiles } from '../../src/utils/generated-files';
import { createNestAppTree } from '../fixtures/nest-app';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

function snapshot(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.map((path) => [path, tree.readContent(path)]));
}

async function upgrade(tree: UnitTestTree): Promise<{ info: string[]; warnings: string[] }> {
  const info: string[] = [];
  const warnings: string[] = [];
  const subscription = runner.logger.subscribe((entry) =>
    (entry.level === 'warn' ? warnings : entry.level === 'info' ? info : []).push(entry.message),
  );
  await runner.runSchematic('realtime-upgrade', { skipInstall: true }, tree);
  subscription.unsubscribe();
  return { info, warnings };
}

/** A Nest 12 app after `nest add` and `realtime-gateway <name>`. */
async function appWithGateway(name: string): Promise<UnitTestTree> {
  const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(12));
  return runner.runSchematic('realtime-gateway', { name, skipInstall: true }, tree);
}

/** Makes a file look as an earlier release generated it: other content, recorded as generated. */
function asEarlierRelease(tree: UnitTestTree, path: string): void {
  const earlier = `${tree.readContent(path)}\n// as an earlier release wrote it\n`;
  tree.overwrite(path, earlier);
  recordGeneratedFiles(tree, new Map([[path, earlier]]));
}

describe('realtime-upgrade', () => {
  let tree: UnitTestTree;
  let current: Record<string, string>;

  beforeEach(async () => {
    tree = await appWithGateway('admin/chat');
    current = snapshot(tree);
  });

  it('updates the kit and feature files nobody edited, keeps and reports the edited ones', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.auth.ts');
    asEarlierRelease(tree, '/src/admin/chat/chat.gateway.ts');
    tree.overwrite('/src/realtime/redis.config.ts', '// tuned by the team\n');

    const { info, warnings } = await upgrade(tree);

    expect(tree.readContent('/src/realtime/realtime.auth.ts')).toBe(current['/src/realtime/realtime.auth.ts']);
    expect(tree.readContent('/src/admin/chat/chat.gateway.ts')).toBe(current['/src/admin/chat/chat.gateway.ts']);
    expect(tree.readContent('/src/realtime/redis.config.ts')).toBe('// tuned by the team\n');
    expect(info).toEqual(
      expect.arrayContaining([
        'Updated /src/realtime/realtime.auth.ts: nobody had edited it since it was generated.',
        'Updated /src/admin/chat/chat.gateway.ts: nobody had edited it since it was generated.',
      ]),
    );
    expect(warnings).toEqual([
      "Kept /src/realtime/redis.config.ts: it was edited since it was generated. This release's version is beside " +
        'it in /src/realtime/redis.config.ts.new: merge what you need, then delete that file (or use --force to ' +
        'take it whole).',
    ]);
    expect(tree.readContent('/src/realtime/redis.config.ts.new')).toBe(current['/src/realtime/redis.config.ts']);
  });

  it('records the hash of every file it updated, kit files included', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.auth.ts');
    asEarlierRelease(tree, '/src/admin/chat/chat.gateway.ts');

    await upgrade(tree);

    const { generated } = JSON.parse(tree.readContent('/nest-realtime.json')) as {
      generated: Record<string, { sha256: string }>;
    };
    for (const path of ['src/realtime/realtime.auth.ts', 'src/admin/chat/chat.gateway.ts']) {
      const sha256 = createHash('sha256')
        .update(tree.readContent(`/${path}`))
        .digest('hex');
      expect({ path, sha256: generated[path].sha256 }).toEqual({ path, sha256 });
    }
  });

  it('changes nothing when run again', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.auth.ts');
    tree.overwrite('/src/admin/chat/chat.service.ts', '// rewritten by the team\n');
    await upgrade(tree);
    const once = snapshot(tree);

    const { info } = await upgrade(tree);

    expect(snapshot(tree)).toEqual(once);
    expect(info.filter((line) => line.startsWith('Updated'))).toEqual([]);
  });

  it('records the options each feature was generated with', async () => {
    expect(JSON.parse(tree.readContent('/nest-realtime.json')).features).toEqual({
      'src/admin/chat': {
        name: 'admin/chat',
        type: 'chat',
        namespace: '/chat',
        flat: false,
        spec: true,
        skipImport: false,
      },
    });
  });
});

describe('realtime-upgrade in an app without recorded features', () => {
  it('upgrades the kit and says how to bring features up to date', async () => {
    const tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(11));
    const info: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'info' && info.push(entry.message));
    await runner.runSchematic('realtime-upgrade', { skipInstall: true }, tree);
    subscription.unsubscribe();
    expect(info.join('\n')).toMatch(/Found no realtime-gateway features.*nest g realtime-gateway <name>/s);
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
    const {
      generated: _generated,
      features: _features,
      ...settings
    } = JSON.parse(tree.readContent('/nest-realtime.json')) as Record<string, unknown>;
    tree.overwrite('/nest-realtime.json', JSON.stringify(settings, null, 2));
    tree.overwrite('/src/realtime/realtime.config.ts', earlierReleaseFile('realtime.config.ts'));
    tree.overwrite('/src/chat/chat.gateway.ts', earlierReleaseFile('chat.gateway.ts'));
  });

  it('updates what that release generated, found by its output, and keeps what the team edited', async () => {
    tree.overwrite('/src/realtime/redis.config.ts', '// tuned by the team\n');
    // Reformatted by the team's own formatter: still as generated.
    tree.overwrite('/src/chat/chat.gateway.ts', earlierReleaseFile('chat.gateway.ts').replace(/\n\n/g, '\n'));

    const { info, warnings } = await upgrade(tree);

    expect(tree.readContent('/src/realtime/realtime.config.ts')).toBe(current['/src/realtime/realtime.config.ts']);
    expect(tree.readContent('/src/chat/chat.gateway.ts')).toBe(current['/src/chat/chat.gateway.ts']);
    expect(info).toEqual(
      expect.arrayContaining([
        'Upgrading features generated before nest-realtime.json recorded them: chat (/chat).',
        'Updated /src/realtime/realtime.config.ts: nobody had edited it since it was generated.',
        'Updated /src/chat/chat.gateway.ts: nobody had edited it since it was generated.',
      ]),
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Kept \/src\/realtime\/redis\.config\.ts: it differs from this release's version, and it is neither recorded/,
      ),
    ]);
    expect(tree.readContent('/src/realtime/redis.config.ts.new')).toBe(current['/src/realtime/redis.config.ts']);
    // Recorded now, so the next release upgrades it by its hash.
    expect(JSON.parse(tree.readContent('/nest-realtime.json')).features).toEqual({
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
