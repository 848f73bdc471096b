import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Set to `off` to format every file afresh (e.g. to time the formatting itself). */
export const FORMAT_CACHE_VARIABLE = 'NEST_REALTIME_FORMAT_CACHE';

/** Entries the cache keeps: the owned files and a few dozen features' files, a few MB. */
export const FORMAT_CACHE_MAX_ENTRIES = 1_000;

/**
 * Prettier's output per input, in `node_modules/.cache/nest-realtime/prettier/` of the workspace (where
 * Prettier's own `--cache` keeps its cache): the file named by the SHA-256 of Prettier's version, the options
 * resolved for the file (overrides applied), its path in the workspace (which picks the parser) and the source
 * holds what Prettier made of it. Formatting is a function of exactly these, so a hit is what Prettier would
 * return; the path is the workspace-relative one, so a copy of the app finds the entries too. It keeps the
 * FORMAT_CACHE_MAX_ENTRIES most recently used entries. Unreadable or unwritable, it is simply not used.
 */
export class FormatCache {
  private constructor(
    private readonly dir: string,
    private readonly prettierVersion: string,
  ) {}

  /**
   * The cache of a workspace with node_modules and a Prettier that says its version; otherwise none.
   * `trim` drops the least recently used entries beyond the bound: loadHostFormatter asks, a few times per
   * schematic run (a directory listing, unless the bound is passed).
   */
  static in(workspaceRoot: string, prettierVersion: string | undefined, trim = false): FormatCache | undefined {
    const nodeModules = join(workspaceRoot, 'node_modules');
    if (process.env[FORMAT_CACHE_VARIABLE] === 'off' || !prettierVersion || !existsSync(nodeModules)) {
      return undefined;
    }
    const cache = new FormatCache(join(nodeModules, '.cache', 'nest-realtime', 'prettier'), prettierVersion);
    if (trim) {
      cache.trim();
    }
    return cache;
  }

  /** Removes the least recently used entries beyond FORMAT_CACHE_MAX_ENTRIES (a hit marks an entry used). */
  private trim(): void {
    try {
      const entries = readdirSync(this.dir);
      if (entries.length <= FORMAT_CACHE_MAX_ENTRIES) {
        return;
      }
      const byLastUse = entries
        .map((name) => ({ name, used: statSync(join(this.dir, name)).mtimeMs }))
        .sort((a, b) => a.used - b.used);
      for (const { name } of byLastUse.slice(0, entries.length - FORMAT_CACHE_MAX_ENTRIES)) {
        unlinkSync(join(this.dir, name));
      }
    } catch {
      // No cache yet, or another run trimming it at the same time.
    }
  }

  keyOf(treePath: string, config: Record<string, unknown>, source: string): string {
    return createHash('sha256')
      .update(JSON.stringify([this.prettierVersion, treePath, config]))
      .update('\0')
      .update(source)
      .digest('hex');
  }

  read(key: string): string | undefined {
    try {
      const file = join(this.dir, key);
      const formatted = readFileSync(file, 'utf-8');
      this.markUsed(file);
      return formatted;
    } catch {
      return undefined;
    }
  }

  /** A read-only cache still answers; its entries are then trimmed by age alone. */
  private markUsed(file: string): void {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Read-only: nothing to mark.
    }
  }

  /** Written aside and renamed into place, so a concurrent run never reads half an entry. */
  write(key: string, formatted: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const aside = join(this.dir, `${key}.${process.pid}.tmp`);
      writeFileSync(aside, formatted);
      renameSync(aside, join(this.dir, key));
    } catch {
      // A read-only node_modules: formatting still works, only slower next time.
    }
  }
}
