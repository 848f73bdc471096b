import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INGRESS_SET_KINDS, validateManifests } from '../support/kubernetes';
import { addNestRealtime, freshApp, nest, snapshotSources } from './support/apps';
import { freePort, startApp } from './support/contract';
import { checkChatWithHostToolchain } from './support/host-toolchain';
import { HOST_MAJORS, HostMajor } from './support/hosts';
import { checkRunsUnder, installNode, NodeMajor, NodeRuntime } from './support/node-runtimes';

/**
 * The Node each host runs this scenario under, besides the harness's own Node 20, on which
 * generated-app-nest11/12.e2e.ts run both hosts: Nest 12 on Node 22 here and on Node 24 in node-hosts.e2e.ts,
 * Nest 11 on Node 24.
 */
const NEST_ADD_NODE: Record<HostMajor, NodeMajor> = { 11: 24, 12: 22 };

/**
 * The `nest add` path: our tarball installed as a user's registry install would be, `nest add nest-realtime`
 * through the real Nest CLI, then `nest g realtime-gateway` without `-c` (nest-cli.json names our
 * collection), a stock `nest g service` that must still work through our collection's "extends", and
 * `nest g realtime-k8s` for the deploy manifests.
 */
describe.each(HOST_MAJORS)('nest add nest-realtime in a fresh Nest %i app', (major: HostMajor) => {
  let app: string;
  let node: NodeRuntime;

  beforeAll(() => {
    node = installNode(NEST_ADD_NODE[major]);
    app = freshApp(major, 'nest-add', node);
    // --auth jwks: the generated tests must pass as generated in either auth mode.
    addNestRealtime(app, ['--auth', 'jwks'], node);
    nest(app, ['g', 'realtime-gateway', 'chat'], node);
    nest(app, ['g', 'service', 'orders'], node);
    nest(app, ['g', 'realtime-k8s'], node);
  });

  it('runs node, npm and the Nest CLI under the Node it is meant to', () => {
    checkRunsUnder(app, node, `Nest ${major} nest-add on Node ${node.version}`);
  });

  it('sets up nest-cli.json, main.ts and the defaults, and the stock schematics still work', () => {
    expect(JSON.parse(readFileSync(join(app, 'nest-cli.json'), 'utf-8'))).toMatchObject({
      collection: 'nest-realtime',
    });
    expect(readFileSync(join(app, 'src/main.ts'), 'utf-8')).toMatch(/await useRealtimeAdapter\(app\);/);
    expect(JSON.parse(readFileSync(join(app, 'nest-realtime.json'), 'utf-8'))).toMatchObject({
      adapter: 'pubsub',
      auth: 'jwks',
    });
    expect(readFileSync(join(app, 'src/orders/orders.service.ts'), 'utf-8')).toMatch(/export class OrdersService/);
  });

  it('builds, lints cleanly and passes every generated test, scale-out with a real redis-server included', () => {
    checkChatWithHostToolchain(app, major, `Nest ${major} nest-add on Node ${node.version}`, node);
  });

  it('writes deploy manifests that validate against the Kubernetes schema', () => {
    const files = Object.fromEntries(
      readdirSync(join(app, 'deploy')).map((file) => [file, readFileSync(join(app, 'deploy', file), 'utf-8')]),
    );
    const reports = validateManifests(files);
    expect(reports.map(({ kind }) => kind).sort()).toEqual(INGRESS_SET_KINDS);
    expect(reports.flatMap(({ file, errors }) => errors.map((error) => `${file}: ${error}`))).toEqual([]);
    const annotations = parse(files['ingress.yaml']).metadata.annotations as Record<string, string>;
    // The generated gateway's heartbeat: pingInterval 25 s + pingTimeout 20 s.
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(45);
  });

  it('serves the paths the probes call, and the metrics the pod annotations announce, on the management port', async () => {
    const pod = parse(readFileSync(join(app, 'deploy/deployment.yaml'), 'utf-8')).spec.template;
    const container = pod.spec.containers[0];
    const managementPort = (container.ports as Array<{ name: string; containerPort: number }>).find(
      ({ name }) => name === 'management',
    )?.containerPort;
    expect(container.env).toContainEqual({ name: 'REALTIME_MANAGEMENT_PORT', value: String(managementPort) });
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(String(managementPort));
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map(
      (probe) => container[probe].httpGet as { path: string; port: string },
    );
    expect(new Set(probes.map(({ port }) => port))).toEqual(new Set(['management']));
    // The pod's port is fixed; here the app gets a free one through the same variable.
    const port = await freePort();
    // jwks mode, as generated: the key set is fetched on the first token, so none needs to be served here.
    const running = await startApp(app, [], 'dist/main.js', {
      JWKS_URI: 'https://idp.example.test/realms/app/protocol/openid-connect/certs',
      JWT_ISSUER: 'https://idp.example.test/realms/app',
      JWT_AUDIENCE: 'chat-api',
      REALTIME_MANAGEMENT_PORT: String(port),
    });
    try {
      const paths = [...new Set(probes.map(({ path }) => path)), pod.metadata.annotations['prometheus.io/path']];
      for (const path of paths as string[]) {
        const status = (await fetch(`http://127.0.0.1:${port}${path}`)).status;
        expect({ path, status }).toEqual({ path, status: 200 });
      }
    } finally {
      running.process.kill('SIGTERM');
    }
  });

  it('changes nothing on disk when nest add and realtime-k8s run again', () => {
    const before = snapshotSources(app);
    nest(app, ['add', 'nest-realtime', '--skip-install'], node);
    nest(app, ['g', 'realtime-k8s'], node);
    expect(snapshotSources(app)).toEqual(before);
  });
});
