import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FORMAT_CACHE_MAX_ENTRIES, FORMAT_CACHE_VARIABLE, loadHostFormatter } from '../../src/utils/formatting';

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

    it('answers a copy of the app from the entries it copied (keyed by the workspace-relative path)', async () => {
      expect(await loadHostFormatter(root)!('/src/a.ts', source)).toBe("export const a = { b: 'c' };\n");
      const [entry] = readdirSync(cacheDir);
      writeFileSync(join(cacheDir, entry), 'from the cache');
      const copy = mkdtempSync(join(tmpdir(), 'format-cache-copy-'));
      try {
        cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
        expect(await loadHostFormatter(copy)!('/src/a.ts', source)).toBe('from the cache');
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });

    it('hands a prefetched file to the next call for the same file and content, once', async () => {
      const format = loadHostFormatter(root)!;
      format.prefetch!('/src/a.ts', source);
      // The prefetch alone formats the file, and caches it.
      const cached = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => !name.endsWith('.tmp')) : []);
      while (cached().length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const [entry] = cached();
      writeFileSync(join(cacheDir, entry), 'from the cache');
      // The early answer, not a new one (which the planted entry would give) ...
      expect(await format('/src/a.ts', source)).toBe("export const a = { b: 'c' };\n");
      // ... taken once: asked again, the file goes to Prettier and its cache as any file does.
      expect(await format('/src/a.ts', source)).toBe('from the cache');
    });

    it('keeps the most recently used entries, up to its bound', async () => {
      const format = loadHostFormatter(root)!;
      await format('/src/a.ts', source);
      const [used] = readdirSync(cacheDir);
      // Older than every planted entry, until a hit marks it used.
      utimesSync(join(cacheDir, used), new Date(1_000), new Date(1_000));
      const planted = Array.from({ length: FORMAT_CACHE_MAX_ENTRIES + 4 }, (_, index) => `planted-${index}`);
      for (const [index, name] of planted.entries()) {
        writeFileSync(join(cacheDir, name), 'x');
        const at = new Date(1_000_000 + index * 1_000);
        utimesSync(join(cacheDir, name), at, at);
      }
      expect(await format('/src/a.ts', source)).toBe("export const a = { b: 'c' };\n");

      loadHostFormatter(root);

      const kept = readdirSync(cacheDir);
      expect(kept).toHaveLength(FORMAT_CACHE_MAX_ENTRIES);
      expect(kept).toContain(used);
      expect(kept.filter((name) => planted.slice(0, 5).includes(name))).toEqual([]);
    });

    it(`is not used with ${FORMAT_CACHE_VARIABLE}=off`, async () => {
      process.env[FORMAT_CACHE_VARIABLE] = 'off';
      expect(await loadHostFormatter(root)!('/src/a.ts', source)).toBe("export const a = { b: 'c' };\n");
      expect(() => readdirSync(cacheDir)).toThrow();
    });
  });
});

describe('loadHostFormatter as the built schematics run it: Prettier in a worker thread', () => {
  const DIST = join(__dirname, '../../dist/utils/formatting.js');
  const host = join(__dirname, '../fixtures/prettier-host');

  /** Runs `script` in a fresh Node with `format` bound to the built loader's formatter of the fixture host. */
  function node(script: string): string {
    return execFileSync(
      process.execPath,
      ['-e', `const format = require(${JSON.stringify(DIST)}).loadHostFormatter(${JSON.stringify(host)});\n${script}`],
      { encoding: 'utf-8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
  }

  it('formats as Prettier in process does', async () => {
    const source = "export const greeting = { text: 'hello', to: 'a long list of people' };\n";
    const inProcess = await loadHostFormatter(host)!('/src/x.ts', source);

    const output = node(`format('/src/x.ts', ${JSON.stringify(source)}).then((text) => process.stdout.write(text));`);

    expect(output).toBe(inProcess);
  });

  it("rejects with Prettier's message for a file it cannot parse", () => {
    const output = node(
      "format('/src/x.ts', 'export const = ;\\n').then(() => console.log('formatted'), (error) => console.log('rejected: ' + error.message));",
    );

    expect(output).toMatch(/^rejected: .*(Expression|Variable declaration) expected/);
  });

  it('lets the process exit once nothing is pending, and when it never formats', () => {
    // execFileSync would time out, and throw, were the worker to hold the process open.
    expect(node("format('/src/a.ts', 'export {}\\n').then(() => console.log('done'));")).toBe('done\n');
    expect(node("console.log('idle');")).toBe('idle\n');
  });
});
