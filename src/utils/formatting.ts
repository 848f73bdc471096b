import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FormatCache } from './format-cache';
import { formatWithPrettier, FormatRequest, loadPrettier, prettierVersion, resolvePrettier } from './prettier-format';

export { FORMAT_CACHE_MAX_ENTRIES, FORMAT_CACHE_VARIABLE } from './format-cache';

/** Formats one generated file; resolves to the content unchanged when it cannot. */
export interface SourceFormatter {
  (treePath: string, content: string): Promise<string>;
  /** Starts formatting the file now, without waiting: the next call for the same file and content gets it. */
  prefetch?: (treePath: string, content: string) => void;
}

/**
 * The host app's own Prettier, with the host's own config, when the app has Prettier installed (fresh Nest
 * 11 and 12 apps do). Templates are written in Prettier's default style for a short name like `chat`; a
 * longer name or another house style would otherwise leave lines the host's formatter rewrites.
 * Undefined when the host has no Prettier: the templates' own formatting is used as it is.
 *
 * Prettier runs in a worker thread, started by the first call (the schematic's entry makes that call before
 * loading the schematic, see collection.ts): loading Prettier and its TypeScript plugin takes about as long
 * as loading the schematic's own modules, and the two then happen side by side. Results are cached (see
 * FormatCache), so a file rendered again as it was formats without Prettier's work. A schematic can also ask
 * early (`prefetch`, see prefetchFormatting) and take the answer when it writes the file.
 *
 * @example
 * const format = loadHostFormatter(process.cwd());
 * await format?.('/src/chat/chat.gateway.ts', content);
 */
export function loadHostFormatter(workspaceRoot: string): SourceFormatter | undefined {
  const prettierEntry = resolvePrettier(workspaceRoot);
  if (prettierEntry === undefined) {
    return undefined;
  }
  const cache = FormatCache.in(workspaceRoot, prettierVersion(prettierEntry), true) !== undefined;
  const format = hostPrettier(prettierEntry);
  const request = (treePath: string, content: string): FormatRequest => ({ workspaceRoot, treePath, content, cache });
  return Object.assign(
    (treePath: string, content: string) =>
      takePrefetched(request(treePath, content)) ?? format(request(treePath, content)),
    {
      prefetch: (treePath: string, content: string) => prefetch(request(treePath, content), format),
    },
  );
}

/** Answers asked for early and not taken yet, by request; the oldest go beyond the bound (a failed run's). */
const prefetched = new Map<string, Promise<string>>();
const PREFETCHED_MAX = 100;

function prefetch(request: FormatRequest, format: (request: FormatRequest) => Promise<string>): void {
  const answer = format(request);
  // Handled when taken; one never taken must not surface as an unhandled rejection.
  answer.catch(() => undefined);
  prefetched.set(JSON.stringify(request), answer);
  if (prefetched.size > PREFETCHED_MAX) {
    prefetched.delete(prefetched.keys().next().value as string);
  }
}

function takePrefetched(request: FormatRequest): Promise<string> | undefined {
  const key = JSON.stringify(request);
  const answer = prefetched.get(key);
  prefetched.delete(key);
  return answer;
}

/** The compiled worker; running from the TypeScript sources (our unit tests), Prettier runs in process. */
const WORKER_SCRIPT = join(__dirname, 'prettier.worker.js');

const prettiers = new Map<string, (request: FormatRequest) => Promise<string>>();

/** One Prettier per entry for the whole process: in a worker thread when it can, in process otherwise. */
function hostPrettier(prettierEntry: string): (request: FormatRequest) => Promise<string> {
  let format = prettiers.get(prettierEntry);
  if (format === undefined) {
    if (existsSync(WORKER_SCRIPT)) {
      const worker = new PrettierWorker(prettierEntry);
      format = (request) => worker.format(request);
    } else {
      const prettier = loadPrettier(prettierEntry);
      format = (request) => formatWithPrettier(prettier, request);
    }
    prettiers.set(prettierEntry, format);
  }
  return format;
}

interface Pending {
  request: FormatRequest;
  resolve: (formatted: string) => void;
  reject: (error: Error) => void;
}

/**
 * Requests to the Prettier of a worker thread, answered in order. The thread holds the process open only
 * while a request is pending. Should it fail, the pending and later requests are formatted in process.
 */
class PrettierWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private inProcess?: (request: FormatRequest) => Promise<string>;

  constructor(private readonly prettierEntry: string) {
    this.worker = new Worker(WORKER_SCRIPT, { workerData: { prettierEntry } });
    this.worker.on('message', ({ id, formatted, error }: { id: number; formatted?: string; error?: string }) => {
      const pending = this.settle(id);
      if (error !== undefined) {
        pending?.reject(new Error(error));
      } else {
        pending?.resolve(formatted ?? pending.request.content);
      }
    });
    this.worker.on('error', () => this.fallBack());
    this.worker.on('exit', () => this.fallBack());
    // After the listeners: adding one refs the thread again.
    this.worker.unref();
  }

  format(request: FormatRequest): Promise<string> {
    if (this.inProcess !== undefined) {
      return this.inProcess(request);
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { request, resolve, reject });
      if (this.pending.size === 1) {
        this.worker.ref();
      }
      this.worker.postMessage({ id, request });
    });
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) {
      this.worker.unref();
    }
    return pending;
  }

  private fallBack(): void {
    if (this.inProcess !== undefined) {
      return;
    }
    const prettier = loadPrettier(this.prettierEntry);
    const inProcess = (request: FormatRequest) => formatWithPrettier(prettier, request);
    this.inProcess = inProcess;
    for (const [id, { request, resolve, reject }] of this.pending) {
      this.settle(id);
      inProcess(request).then(resolve, reject);
    }
  }
}

/**
 * After an edit of an existing file: a file the host's Prettier had formatted stays formatted (a longer
 * `imports` list wraps); one kept in another style is left as the user keeps it.
 *
 * @example
 * const before = read(tree, modulePath);
 * addToModuleMetadata(tree, modulePath, 'imports', 'ChatModule', './chat/chat.module');
 * await keepFormatted(tree, modulePath, before, format);
 */
export async function keepFormatted(
  tree: { read(path: string): Buffer | null; overwrite(path: string, content: string): void },
  path: string,
  before: string,
  format: SourceFormatter | undefined,
): Promise<void> {
  const after = tree.read(path)?.toString('utf-8') ?? '';
  if (format === undefined || after === before || (await format(path, before)) !== before) {
    return;
  }
  const formatted = await format(path, after);
  if (formatted !== after) {
    tree.overwrite(path, formatted);
  }
}
