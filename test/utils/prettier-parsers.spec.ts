import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { FASTER_PARSER, formatWithPrettier, Prettier } from '../../src/utils/prettier-format';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { runner } from '../support/schematics';

/** Every TypeScript file of an app after nest add, each gateway type (one with a long name) and two events. */
async function generatedApp(major: FixtureMajor): Promise<UnitTestTree> {
  let tree = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
  tree = await runner.runSchematic('realtime-gateway', { name: 'chat' }, tree);
  tree = await runner.runSchematic('realtime-gateway', { name: 'order-notifications', type: 'push' }, tree);
  tree = await runner.runSchematic('realtime-gateway', { name: 'status', type: 'blank' }, tree);
  tree = await runner.runSchematic('realtime-event', { name: 'chat/typing' }, tree);
  return runner.runSchematic('realtime-event', { name: 'chat/order-shipped', type: 'emit' }, tree);
}

/** The runtime's sources: what realtime-eject copies into an app and formats. */
function runtimeSources(dir = join(__dirname, '../../runtime')): Array<[string, string]> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Array<[string, string]> => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return runtimeSources(path);
    }
    return entry.name.endsWith('.ts') ? [[path, readFileSync(path, 'utf-8')]] : [];
  });
}

// Nest's own (`nest new`), a wide one without semicolons, and Prettier's defaults.
const HOUSE_STYLES: Array<Record<string, unknown>> = [
  { singleQuote: true, trailingComma: 'all' },
  { printWidth: 120, semi: false, arrowParens: 'avoid' },
  {},
];

/**
 * The schematics format TypeScript with Prettier's babel-ts parser (see prettier-format.ts), while a host's
 * `prettier --check` and ESLint's prettier rule use the typescript parser: both must print every file we
 * generate or edit exactly alike, or a generated file would fail the host's lint.
 */
describe(`Prettier's ${FASTER_PARSER} and typescript parsers`, () => {
  it.each([11, 12] as FixtureMajor[])(
    'print every TypeScript file of a generated Nest %i app alike, in each house style',
    async (major) => {
      const tree = await generatedApp(major);
      const files = tree.files.filter((path) => path.endsWith('.ts')).map((path) => [path, tree.readContent(path)]);
      expect(files.length).toBeGreaterThan(30);
      for (const style of HOUSE_STYLES) {
        for (const [path, source] of files) {
          const expected = await format(source, { ...style, parser: 'typescript', filepath: path });
          expect({
            path,
            formatted: await format(source, { ...style, parser: FASTER_PARSER, filepath: path }),
          }).toEqual({
            path,
            formatted: expected,
          });
        }
      }
    },
  );

  it("print the runtime's sources alike, which realtime-eject copies into an app", async () => {
    const files = runtimeSources();
    expect(files.length).toBeGreaterThan(50);
    for (const style of HOUSE_STYLES) {
      for (const [path, source] of files) {
        const expected = await format(source, { ...style, parser: 'typescript', filepath: path });
        expect({ path, formatted: await format(source, { ...style, parser: FASTER_PARSER, filepath: path }) }).toEqual({
          path,
          formatted: expected,
        });
      }
    }
  });

  describe('chosen by formatWithPrettier', () => {
    /** A Prettier that records the parser of each call, refusing those in `refused`. */
    function recordingPrettier(config: Record<string, unknown>, refused: Array<string | undefined> = []) {
      const parsers: Array<string | undefined> = [];
      const prettier: Prettier = {
        version: '3.0.0',
        resolveConfig: async () => config,
        format: async (_source, options) => {
          const parser = options.parser as string | undefined;
          parsers.push(parser);
          if (refused.includes(parser)) {
            throw new SyntaxError(`${parser} cannot parse it`);
          }
          return 'formatted';
        },
      };
      return { prettier, parsers };
    }
    const request = (treePath: string) => ({ workspaceRoot: '/nowhere', treePath, content: 'x', cache: false });

    it('for TypeScript files, and only those', async () => {
      const { prettier, parsers } = recordingPrettier({});
      await formatWithPrettier(prettier, request('/src/a.ts'));
      await formatWithPrettier(prettier, request('/k8s/app.yaml'));
      expect(parsers).toEqual([FASTER_PARSER, undefined]);
    });

    it('gives way to the inferred parser for a file it cannot parse', async () => {
      const { prettier, parsers } = recordingPrettier({}, [FASTER_PARSER]);
      await expect(formatWithPrettier(prettier, request('/src/a.ts'))).resolves.toBe('formatted');
      expect(parsers).toEqual([FASTER_PARSER, undefined]);
    });

    it("rejects with the inferred parser's error when neither can parse it", async () => {
      const { prettier } = recordingPrettier({}, [FASTER_PARSER, undefined]);
      await expect(formatWithPrettier(prettier, request('/src/a.ts'))).rejects.toThrow('undefined cannot parse it');
    });

    it('not when the config names a parser or brings plugins', async () => {
      const named = recordingPrettier({ parser: 'typescript' });
      await formatWithPrettier(named.prettier, request('/src/a.ts'));
      const withPlugins = recordingPrettier({ plugins: ['prettier-plugin-organize-imports'] });
      await formatWithPrettier(withPlugins.prettier, request('/src/a.ts'));
      expect([...named.parsers, ...withPlugins.parsers]).toEqual(['typescript', undefined]);
    });
  });
});
