import { callRule, SchematicContext } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { HostTree } from '@angular-devkit/schematics';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { renderTemplates, RenderTemplatesOptions, withSpecFileSuffix } from '../../src/utils/templates';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));
const templateDir = join(__dirname, '../fixtures/templates/sample');
const data = { fileName: 'live-score', propertyName: 'liveScore', importExtension: '.js' };

async function render(tree: UnitTestTree, options: Partial<RenderTemplatesOptions> = {}) {
  const context = runner.engine.createContext(
    runner.engine.createSchematic('realtime-gateway', runner.engine.createCollection('nest-realtime')),
    { logger: runner.logger },
  ) as SchematicContext;
  const warnings: string[] = [];
  const subscription = runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
  await lastValueFrom(callRule(renderTemplates({ templateDir, targetDir: '/src/x', data, ...options }), tree, context));
  subscription.unsubscribe();
  return warnings;
}

describe('renderTemplates', () => {
  it('names files as they become, renders partials and writes no partial', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    expect(tree.files.sort()).toEqual(['/src/x/live-score.greeting.ts', '/src/x/nested/live-score.spec.ts']);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toBe(
      "// live-score header\n\nexport const liveScore = 'hello';\n",
    );
    expect(tree.readContent('/src/x/nested/live-score.spec.ts')).toContain("from '../live-score.greeting.js'");
  });

  it('ends spec files in the host’s suffix', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree, { specFileSuffix: 'test' });
    expect(tree.files.sort()).toEqual(['/src/x/live-score.greeting.ts', '/src/x/nested/live-score.test.ts']);
    expect(withSpecFileSuffix('chat.e2e-spec.ts', 'test')).toBe('chat.e2e-test.ts');
    expect(withSpecFileSuffix('chat.gateway.ts', 'test')).toBe('chat.gateway.ts');
  });

  it('skips files the include filter rejects', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree, { include: (path) => !path.endsWith('.spec.ts') });
    expect(tree.files).toEqual(['/src/x/live-score.greeting.ts']);
  });

  it('keeps a file the user changed and says so', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    tree.overwrite('/src/x/live-score.greeting.ts', 'edited by the user\n');
    const warnings = await render(tree);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toBe('edited by the user\n');
    expect(warnings).toEqual([
      'Kept /src/x/live-score.greeting.ts: it differs from the generated version. Use --force to overwrite it.',
    ]);
  });

  it('overwrites a changed file with force', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    tree.overwrite('/src/x/live-score.greeting.ts', 'edited by the user\n');
    await render(tree, { force: true });
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toContain("export const liveScore = 'hello';");
  });

  it('passes every rendered file through the formatter before comparing and writing', async () => {
    const tree = new UnitTestTree(new HostTree());
    const format = async (path: string, content: string) => `// formatted ${path}\n${content}`;
    await render(tree, { format });
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toMatch(
      /^\/\/ formatted \/src\/x\/live-score.greeting.ts\n/,
    );
    expect(await render(tree, { format })).toEqual([]);
  });

  it('writes the file unformatted, with a warning, when the formatter fails', async () => {
    const tree = new UnitTestTree(new HostTree());
    const warnings = await render(tree, { format: () => Promise.reject(new Error('boom')) });
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toContain("export const liveScore = 'hello';");
    expect(warnings).toContain("Wrote /src/x/live-score.greeting.ts unformatted: the host's formatter failed (boom).");
  });

  it('updates a file that is exactly what the previous values generated', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    const renamed = { ...data, propertyName: 'score' };
    expect(await render(tree, { data: renamed, previousData: data })).toEqual([]);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toContain("export const score = 'hello';");
  });

  it('keeps an edited file even when the values changed', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    tree.overwrite('/src/x/live-score.greeting.ts', 'edited\n');
    const warnings = await render(tree, { data: { ...data, propertyName: 'score' }, previousData: data });
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toBe('edited\n');
    expect(warnings).toHaveLength(1);
  });

  it('is silent when the file is already as generated', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    expect(await render(tree)).toEqual([]);
  });
});
