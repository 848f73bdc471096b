import { addNestRealtime, freshApp, nest } from './support/apps';
import { checkChatWithHostToolchain } from './support/host-toolchain';
import { HostMajor } from './support/hosts';
import { checkRunsUnder, installNode, NodeMajor, NodeRuntime } from './support/node-runtimes';

/**
 * The main path on the Node LTS lines teams run, besides the harness's own Node: a fresh app scaffolded
 * under that Node, `nest add`, `realtime-gateway chat`, then the host's build, lint, unit and e2e tests with
 * a real redis-server, every command with that Node first on PATH. nest-add.e2e.ts runs its scenario with
 * Nest 12 on Node 22 and Nest 11 on Node 24; this adds Nest 12 on Node 24, so each LTS line runs the main
 * path of the host it matters most for.
 */
const NODE_HOSTS: Array<[HostMajor, NodeMajor]> = [[12, 24]];

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
    checkRunsUnder(app, node, label);
  });

  it('takes nest add and realtime-gateway chat, then builds, lints and passes every generated test', () => {
    addNestRealtime(app, [], node);
    nest(app, ['g', 'realtime-gateway', 'chat'], node);
    checkChatWithHostToolchain(app, major, label, node);
  });
});
