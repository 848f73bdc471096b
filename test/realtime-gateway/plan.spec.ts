import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { featureTemplates, planFeature } from '../../src/realtime-gateway/plan';
import { loadHostFormatter, SourceFormatter } from '../../src/utils/formatting';
import { prefetchFormatting } from '../../src/utils/templates';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { runner } from '../support/schematics';

describe('the realtime-gateway plan, which the collection loads first to prefetch the formatting', () => {
  it('loads no TypeScript compiler, so that the feature is formatted while one loads', () => {
    const plan = join(__dirname, '../../dist/realtime-gateway/plan.js');
    const loaded = JSON.parse(
      execFileSync(
        process.execPath,
        ['-e', `require(${JSON.stringify(plan)}); console.log(JSON.stringify(Object.keys(require.cache)))`],
        { encoding: 'utf-8' },
      ),
    ) as string[];
    expect(loaded).toContain(plan);
    expect(loaded.filter((module) => /typescript|ast-utils/i.test(module))).toEqual([]);
  });

  it.each([11, 12] as FixtureMajor[])(
    'prefetches, in a Nest %i app, each file the feature writes, as it renders it',
    async (major) => {
      const tree = createNestAppTree(major);
      const asked = new Map<string, string>();
      const recording: SourceFormatter = Object.assign(async (_path: string, content: string) => content, {
        prefetch: (path: string, content: string) => void asked.set(path, content),
      });
      for (const templates of featureTemplates({ ...planFeature(tree, { name: 'chat' }), format: recording })) {
        prefetchFormatting(templates);
      }

      const generated = await runner.runSchematic('realtime-gateway', { name: 'chat' }, tree);

      const feature = generated.files.filter((path) => path.startsWith('/src/chat/') || path.startsWith('/test/chat.'));
      expect([...asked.keys()].sort()).toEqual(feature.sort());
      // The schematic formats with the workspace's Prettier: what it wrote is what the prefetch would get.
      const format = loadHostFormatter(process.cwd())!;
      for (const [path, content] of asked) {
        expect(await format(path, content)).toBe(generated.readContent(path));
      }
    },
  );
});
