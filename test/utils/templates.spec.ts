import { callRule, SchematicContext } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { HostTree } from '@angular-devkit/schematics';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { renderTemplates, RenderTemplatesOptions, withSpecFileSuffix } from '../../src/utils/templates';
import { runner } from '../support/schematics';

const templateDir = join(__dirname, '../fixtures/templates/sample');
const data = { fileName: 'live-score', propertyName: 'liveScore', importExtension: '.js' };

/** The rendered files, without the record nest-realtime.json keeps of them. */
function renderedFiles(tree: UnitTestTree): string[] {
  return tree.files.filter((path) => path !== '/nest-realtime.json').sort();
}

/** What nest-realtime.json records of the files we generated. */
function records(tree: UnitTestTree): Record<string, { sha256: string; version: string }> {
  return (JSON.parse(tree.readContent('/nest-realtime.json')) as { generated: Record<string, never> }).generated;
}

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
    expect(renderedFiles(tree)).toEqual(['/src/x/live-score.greeting.ts', '/src/x/nested/live-score.spec.ts']);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toBe(
      "// live-score header\n\nexport const liveScore = 'hello';\n",
    );
    expect(tree.readContent('/src/x/nested/live-score.spec.ts')).toContain("from '../live-score.greeting.js'");
  });

  it('ends spec files in the host’s suffix', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree, { specFileSuffix: 'test' });
    expect(renderedFiles(tree)).toEqual(['/src/x/live-score.greeting.ts', '/src/x/nested/live-score.test.ts']);
    expect(withSpecFileSuffix('chat.e2e-spec.ts', 'test')).toBe('chat.e2e-test.ts');
    expect(withSpecFileSuffix('chat.gateway.ts', 'test')).toBe('chat.gateway.ts');
  });

  it('skips files the include filter rejects', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree, { include: (path) => !path.endsWith('.spec.ts') });
    expect(renderedFiles(tree)).toEqual(['/src/x/live-score.greeting.ts']);
  });

  it('keeps a file the user changed and says so', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    tree.overwrite('/src/x/live-score.greeting.ts', 'edited by the user\n');
    const warnings = await render(tree);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toBe('edited by the user\n');
    expect(warnings).toEqual([
      "Kept /src/x/live-score.greeting.ts: it was edited since it was generated. Use --force to overwrite it with this release's version.",
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

  it('records each file it wrote: path, SHA-256 of the content, our version', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    const content = tree.readContent('/src/x/live-score.greeting.ts');
    expect(records(tree)['src/x/live-score.greeting.ts']).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      version: (require('../../package.json') as { version: string }).version,
    });
    expect(Object.keys(records(tree))).toEqual(['src/x/live-score.greeting.ts', 'src/x/nested/live-score.spec.ts']);
  });

  it('updates a file nobody edited since it was recorded, when a newer release renders it differently', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    // As a newer release would render it: no previous values known, only the record.
    expect(await render(tree, { data: { ...data, propertyName: 'score' } })).toEqual([]);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toContain("export const score = 'hello';");
    expect(await render(tree, { data: { ...data, propertyName: 'score' } })).toEqual([]);
  });

  it('keeps an edited file, and its record, so a later release still sees the edit', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    const recorded = records(tree)['src/x/live-score.greeting.ts'];
    tree.overwrite('/src/x/live-score.greeting.ts', 'edited\n');
    expect(await render(tree, { data: { ...data, propertyName: 'score' } })).toHaveLength(1);
    expect(await render(tree, { data: { ...data, propertyName: 'other' } })).toHaveLength(1);
    expect(tree.readContent('/src/x/live-score.greeting.ts')).toBe('edited\n');
    expect(records(tree)['src/x/live-score.greeting.ts']).toEqual(recorded);
  });

  it('is silent when the file is already as generated', async () => {
    const tree = new UnitTestTree(new HostTree());
    await render(tree);
    expect(await render(tree)).toEqual([]);
  });
});
