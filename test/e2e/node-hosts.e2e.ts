import { addNestRealtime, freshApp, nest } from './support/apps';
import { checkChatWithHostToolchain } from './support/host-toolchain';
import { HostMajor } from './support/hosts';
import { installNode, NodeMajor, NodeRuntime } from './support/node-runtimes';
import { recordNote } from './support/report';
import { run } from './support/shell';

/**
 * The main path on the Node LTS lines teams run, besides the harness's own Node: a fresh app scaffolded
 * under that Node, `nest add`, `realtime-gateway chat`, then the host's build, lint, unit and e2e tests with
 * a real redis-server, every command with that Node first on PATH. One combined scenario per host keeps CI
 * lean; the other files cover the details on the harness's Node.
 */
const NODE_HOSTS: Array<[HostMajor, NodeMajor]> = [
  [12, 22],
  [12, 24],
  [11, 24],
];

describe.each(NODE_HOSTS)('a fresh Nest %i app on Node %i', (major: HostMajor, nodeMajor: NodeMajor) => {
  let node: NodeRuntime;
  let label: string;
  let app: string;

  beforeAll(() => {
    node = installNode(nodeMajor);
    label = `Nest ${major} on Node ${node.version}`;
    app = freshApp(major, 'node-host', node);
  });

  it('runs node, npm and the Nest CLI under that Node', () => {
    const nodeVersion = run('node', ['--version'], app, node.env).trim();
    // npm and the Nest CLI each report the Node they run under.
    const npmNode = (JSON.parse(run('npm', ['version', '--json'], app, node.env)) as { node: string }).node;
    const nestNode = /NodeJS Version\s*:\s*(\S+)/.exec(nest(app, ['info'], node))?.[1];
    expect({ nodeVersion, npmNode, nestNode }).toEqual({
      nodeVersion: `v${node.version}`,
      npmNode: node.version,
      nestNode: `v${node.version}`,
    });
    recordNote(label, `node --version ${nodeVersion}; npm and the Nest CLI run under Node ${npmNode}`);
  });

  it('takes nest add and realtime-gateway chat, then builds, lints and passes every generated test', () => {
    addNestRealtime(app, [], node);
    nest(app, ['g', 'realtime-gateway', 'chat'], node);
    checkChatWithHostToolchain(app, major, label, node);
  });
});
