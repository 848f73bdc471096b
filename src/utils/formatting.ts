import { join } from 'node:path';

/** Formats one generated file; resolves to the content unchanged when it cannot. */
export type SourceFormatter = (treePath: string, content: string) => Promise<string>;

interface Prettier {
  format(source: string, options: Record<string, unknown>): Promise<string>;
  resolveConfig(filePath: string): Promise<Record<string, unknown> | null>;
}

/**
 * The host app's own Prettier, with the host's own config, when the app has Prettier installed (fresh Nest
 * 11 and 12 apps do). Templates are written in Prettier's default style for a short name like `chat`; a
 * longer name or another house style would otherwise leave lines the host's formatter rewrites.
 * Undefined when the host has no Prettier: the templates' own formatting is used as it is.
 *
 * @example
 * const format = loadHostFormatter(process.cwd());
 * await format?.('/src/chat/chat.gateway.ts', content);
 */
export function loadHostFormatter(workspaceRoot: string): SourceFormatter | undefined {
  let prettier: Prettier;
  try {
    prettier = require(require.resolve('prettier', { paths: [workspaceRoot] })) as Prettier;
  } catch {
    return undefined;
  }
  return async (treePath, content) => {
    const filepath = join(workspaceRoot, treePath);
    const config = (await prettier.resolveConfig(filepath)) ?? {};
    return prettier.format(content, { ...config, filepath });
  };
}
