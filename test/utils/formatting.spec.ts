import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FORMAT_CACHE_VARIABLE, loadHostFormatter } from '../../src/utils/formatting';

describe('loadHostFormatter', () => {
  it("formats with the host's Prettier and the host's config", async () => {
    const format = loadHostFormatter(join(__dirname, '../fixtures/prettier-host'));
    expect(format).toBeDefined();
    const formatted = await format!(
      '/src/x.ts',
      "export const greeting = { text: 'hello', to: 'a long list of people' };\n",
    );
    expect(formatted).toBe(
      ['export const greeting = {', '  text: "hello",', '  to: "a long list of people",', '}', ''].join('\n'),
    );
  });

  it('is undefined when the host has no Prettier', () => {
    const bare = mkdtempSync(join(tmpdir(), 'no-prettier-'));
    try {
      expect(loadHostFormatter(bare)).toBeUndefined();
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  describe('its cache in node_modules/.cache/nest-realtime', () => {
    const source = 'export const a = {b: "c"}\n';
    let root: string;
    let cacheDir: string;

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'format-cache-'));
      mkdirSync(join(root, 'node_modules'));
      symlinkSync(dirname(require.resolve('prettier/package.json')), join(root, 'node_modules', 'prettier'), 'dir');
      writeFileSync(join(root, '.prettierrc'), '{ "singleQuote": true }\n');
      cacheDir = join(root, 'node_modules', '.cache', 'nest-realtime', 'prettier');
    });

    afterEach(() => {
      delete process.env[FORMAT_CACHE_VARIABLE];
      rmSync(root, { recursive: true, force: true });
    });

    it('keeps what Prettier made of a source, and answers the same source, path and config from it', async () => {
      expect(await loadHostFormatter(root)!('/src/a.ts', source)).toBe("export const a = { b: 'c' };\n");
      const [entry, ...others] = readdirSync(cacheDir);
      expect(others).toEqual([]);
      // Planted, so that only a read of the cache can return it.
      writeFileSync(join(cacheDir, entry), 'from the cache');
      expect(await loadHostFormatter(root)!('/src/a.ts', source)).toBe('from the cache');
      expect(await loadHostFormatter(root)!('/src/b.ts', source)).toBe("export const a = { b: 'c' };\n");
      expect(await loadHostFormatter(root)!('/src/a.ts', `${source}\n`)).toBe("export const a = { b: 'c' };\n");
    });

    it(`is not used with ${FORMAT_CACHE_VARIABLE}=off`, async () => {
      process.env[FORMAT_CACHE_VARIABLE] = 'off';
      expect(await loadHostFormatter(root)!('/src/a.ts', source)).toBe("export const a = { b: 'c' };\n");
      expect(() => readdirSync(cacheDir)).toThrow();
    });
  });
});
