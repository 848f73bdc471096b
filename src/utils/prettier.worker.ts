import { parentPort, workerData } from 'node:worker_threads';
import { FASTER_PARSER, formatWithPrettier, FormatRequest, loadPrettier } from './prettier-format';

/**
 * The host's Prettier in a worker thread (see loadHostFormatter): loaded, with its TypeScript plugin, as soon
 * as the thread starts, while the schematic loads its own modules on the main thread.
 */
const prettier = loadPrettier((workerData as { prettierEntry: string }).prettierEntry);
// Prettier loads its core and a language's plugin on first use: this first use is the warm-up.
prettier.format('export {};\n', { parser: FASTER_PARSER }).catch(() => undefined);

parentPort?.on('message', ({ id, request }: { id: number; request: FormatRequest }) => {
  formatWithPrettier(prettier, request).then(
    (formatted) => parentPort?.postMessage({ id, formatted }),
    (error: unknown) => parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
