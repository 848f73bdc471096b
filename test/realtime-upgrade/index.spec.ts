import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
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
    tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(12));
    tree = await runner.runSchematic('realtime-gateway', { name: 'admin/chat', skipInstall: true }, tree);
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
    expect(warnings).toEqual([expect.stringMatching(/^Kept \/src\/realtime\/redis\.config\.ts: it differs/)]);
  });

  it('changes nothing when run again', async () => {
    asEarlierRelease(tree, '/src/realtime/realtime.auth.ts');
    await upgrade(tree);
    const once = snapshot(tree);

    const { info } = await upgrade(tree);

    expect(snapshot(tree)).toEqual(once);
    expect(info.filter((line) => line.startsWith('Updated'))).toEqual([]);
  });

  it('records the options each feature was generated with', async () => {
    expect(JSON.parse(tree.readContent('/nest-realtime.json')).features).toEqual({
      'src/admin/chat': { name: 'admin/chat', namespace: '/chat', flat: false, spec: true, skipImport: false },
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
    expect(info.join('\n')).toMatch(/records no realtime-gateway features.*nest g realtime-gateway <name>/s);
  });
});
