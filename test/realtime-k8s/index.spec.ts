import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { parse } from 'yaml';
// The runtime as an app loads it (CommonJS build, with Nest's decorator metadata): what the probes call.
import { HealthController } from '../../dist/runtime/cjs/health.controller';
import { RealtimeModule } from '../../dist/runtime/cjs/realtime.module';
import {
  APP_CLOSE_BUDGET_SECONDS,
  DEFAULT_MANAGEMENT_PORT,
  LIVENESS_PATH,
  PRE_STOP_SECONDS,
  proxyTimeoutSeconds,
  READINESS_PATH,
  terminationGracePeriodSeconds,
} from '../../src/realtime-k8s/manifests';
import { Schema as RealtimeK8sOptions } from '../../src/realtime-k8s/schema';
import { moduleMetadataEntries } from '../../src/utils/module-metadata';
import { RUNTIME_SERVER_SETTINGS } from '../../src/utils/realtime-settings';
import { addMonorepoApp, createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { INGRESS_SET_KINDS, validateManifests } from '../support/kubernetes';
import { runner, snapshot } from '../support/schematics';

function k8s(tree: UnitTestTree, options: RealtimeK8sOptions = {}): Promise<UnitTestTree> {
  return runner.runSchematic('realtime-k8s', { skipInstall: true, ...options }, tree);
}

function deployFiles(tree: UnitTestTree, dir = '/deploy'): Record<string, string> {
  return Object.fromEntries(
    tree.files
      .filter((path) => path.startsWith(`${dir}/`))
      .map((path) => [path.slice(dir.length + 1), tree.readContent(path)]),
  );
}

// Loose on purpose: the tests read the fields they check, and the schema validation covers the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

function manifest(tree: UnitTestTree, file: string): Manifest {
  return parse(tree.readContent(`/deploy/${file}`));
}

function container(tree: UnitTestTree): Manifest {
  return manifest(tree, 'deployment.yaml').spec.template.spec.containers[0];
}

/** GET routes of a controller, read from Nest's own route metadata: what the probes may call. */
function getRoutes(controller: Type): string[] {
  const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string;
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .map((name) => prototype[name])
    .filter(
      (handler): handler is object =>
        typeof handler === 'function' && Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.GET,
    )
    .map((handler) => `/${prefix}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`);
}

/** What the root module imports once the setup ran: the runtime, with the app's own options. */
const REALTIME_MODULE = 'RealtimeModule.forRoot(realtimeOptions)';

function env(tree: UnitTestTree): Record<string, Manifest> {
  return Object.fromEntries(container(tree).env.map((entry: Manifest) => [entry.name, entry]));
}

describe.each([11, 12] as FixtureMajor[])('realtime-k8s in a Nest %i app', (major) => {
  let tree: UnitTestTree;

  // Read-only checks share one run; the last test re-runs the schematic, which must change nothing.
  beforeAll(async () => {
    const prepared = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major));
    tree = await k8s(prepared);
  });

  it('writes the Deployment, Service, Ingress, PodDisruptionBudget and HorizontalPodAutoscaler', () => {
    expect(Object.keys(deployFiles(tree)).sort()).toEqual([
      'deployment.yaml',
      'hpa.yaml',
      'ingress.yaml',
      'pdb.yaml',
      'service.yaml',
    ]);
  });

  it('writes manifests that validate against the Kubernetes schema', () => {
    const reports = validateManifests(deployFiles(tree));
    expect(reports.map(({ kind }) => kind).sort()).toEqual(INGRESS_SET_KINDS);
    expect(reports.filter((report) => report.errors.length > 0)).toEqual([]);
  });

  it("probes the paths the runtime's HealthController serves, through RealtimeModule in AppModule", () => {
    expect(getRoutes(HealthController)).toEqual(expect.arrayContaining([LIVENESS_PATH, READINESS_PATH]));
    expect(RealtimeModule.forRoot({}).controllers).toContain(HealthController);
    expect(container(tree).readinessProbe.httpGet.path).toBe(READINESS_PATH);
    expect(container(tree).livenessProbe.httpGet.path).toBe(LIVENESS_PATH);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toContain(REALTIME_MODULE);
  });

  it("sends probes and the scrape to the runtime's management port, which the Service does not expose", () => {
    const ports = Object.fromEntries(
      container(tree).ports.map((port: Manifest) => [port.name, port.containerPort as number]),
    );
    const pod = manifest(tree, 'deployment.yaml').spec.template;

    expect(ports).toEqual({ http: 3000, management: DEFAULT_MANAGEMENT_PORT });
    expect(env(tree).REALTIME_MANAGEMENT_PORT.value).toBe(String(DEFAULT_MANAGEMENT_PORT));
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container(tree)[probe].httpGet.port).toBe('management');
    }
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(String(DEFAULT_MANAGEMENT_PORT));
    expect(manifest(tree, 'service.yaml').spec.ports).toEqual([
      expect.objectContaining({ name: 'http', targetPort: 'http' }),
    ]);
  });

  it('keeps ingress timeouts above the heartbeat and the grace period above the drain', () => {
    const annotations = manifest(tree, 'ingress.yaml').metadata.annotations;
    // The runtime's heartbeat (RUNTIME_SERVER_SETTINGS): pingInterval 25 s + pingTimeout 20 s.
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(45);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThan(45);
    const pod = manifest(tree, 'deployment.yaml').spec.template.spec;
    expect(pod.containers[0].lifecycle.preStop.sleep.seconds).toBe(PRE_STOP_SECONDS);
    // preStop pause + the runtime's shutdown notice (300 ms) + the app's close budget.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(PRE_STOP_SECONDS + 0.3 + APP_CLOSE_BUDGET_SECONDS);
  });

  it('uses no snippet annotations and no cookie affinity for a websocket-only app', () => {
    const keys = Object.keys(manifest(tree, 'ingress.yaml').metadata.annotations);
    expect(keys.filter((key) => key.includes('snippet'))).toEqual([]);
    expect(keys.filter((key) => key.includes('affinity'))).toEqual([]);
    expect(manifest(tree, 'ingress.yaml').spec.tls).toEqual([{ hosts: ['svc.example.com'], secretName: 'svc-tls' }]);
  });

  it('reads secrets by reference and keeps secret values out of the YAML', () => {
    const vars = env(tree);
    for (const name of ['JWT_SECRET', 'REDIS_URL']) {
      expect(vars[name]).toEqual({ name, valueFrom: { secretKeyRef: { name: 'svc-secrets', key: name } } });
    }
    expect(vars.CORS_ORIGINS.value).toBe('https://svc.example.com');
    expect(vars.REDIS_ADAPTER.value).toBe('pubsub');
  });

  it('trusts the one proxy in front of the pods for client addresses', () => {
    expect(env(tree).REALTIME_TRUSTED_PROXY_HOPS).toEqual({ name: 'REALTIME_TRUSTED_PROXY_HOPS', value: '1' });
  });

  it('runs as non-root on a read-only root filesystem', () => {
    const pod = manifest(tree, 'deployment.yaml').spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('lets the autoscaler own the replicas and keeps one disruption at a time', () => {
    expect(manifest(tree, 'deployment.yaml').spec.replicas).toBeUndefined();
    expect(manifest(tree, 'hpa.yaml').spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(manifest(tree, 'pdb.yaml').spec.maxUnavailable).toBe(1);
  });

  it('changes nothing when it runs again', async () => {
    const before = snapshot(tree);
    await k8s(tree);
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('realtime-k8s options and re-runs', () => {
  let nestAdded: UnitTestTree;

  beforeAll(async () => {
    nestAdded = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(12));
  });

  /** A copy of an app nest add prepared, for a test to change. */
  function prepared(): UnitTestTree {
    return new UnitTestTree(nestAdded.branch());
  }

  it('writes a Gateway API HTTPRoute instead of the Ingress, and removes the unedited Ingress', async () => {
    const tree = await k8s(await k8s(prepared()), { route: 'httproute', gateway: 'infra/public' });
    expect(tree.exists('/deploy/ingress.yaml')).toBe(false);
    const route = manifest(tree, 'httproute.yaml');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'infra' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'svc', port: 80 }]);
    expect(validateManifests(deployFiles(tree)).flatMap((report) => report.errors)).toEqual([]);
  });

  it("derives timeouts, affinity and the grace period from the runtime's settings, not a kit-era config", async () => {
    const tree = prepared();
    // What an app made by an earlier release may still hold: the runtime no longer reads it.
    tree.create(
      '/src/realtime/realtime.config.ts',
      `export const SHUTDOWN_NOTICE_MS = 9_000;\n` +
        `export const REALTIME_SERVER_OPTIONS = { transports: ['polling', 'websocket'], pingInterval: 60_000 };\n`,
    );
    await k8s(tree);
    const annotations = manifest(tree, 'ingress.yaml').metadata.annotations;
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBe(
      proxyTimeoutSeconds(RUNTIME_SERVER_SETTINGS),
    );
    expect(annotations['nginx.ingress.kubernetes.io/affinity']).toBeUndefined();
    expect(manifest(tree, 'deployment.yaml').spec.template.spec.terminationGracePeriodSeconds).toBe(
      terminationGracePeriodSeconds(RUNTIME_SERVER_SETTINGS),
    );
  });

  it("references the identity provider's settings instead of JWT_SECRET in jwks mode", async () => {
    const jwksApp = await runner.runSchematic('nest-add', { skipInstall: true, auth: 'jwks' }, createNestAppTree(12));
    const tree = await k8s(jwksApp);
    const vars = env(tree);
    expect(vars.JWT_SECRET).toBeUndefined();
    for (const name of ['JWKS_URI', 'JWT_ISSUER', 'JWT_AUDIENCE']) {
      expect(vars[name]).toEqual({ name, valueFrom: { secretKeyRef: { name: 'svc-secrets', key: name } } });
    }
    expect(validateManifests(deployFiles(tree)).flatMap((report) => report.errors)).toEqual([]);
  });

  it('remembers the choices in nest-realtime.json for runs without options', async () => {
    const tree = await k8s(prepared(), { name: 'chat', host: 'chat.acme.io', image: 'ghcr.io/acme/chat:1.2.0' });
    await k8s(tree);
    expect(container(tree).image).toBe('ghcr.io/acme/chat:1.2.0');
    expect(manifest(tree, 'ingress.yaml').spec.rules[0].host).toBe('chat.acme.io');
    expect(JSON.parse(tree.readContent('/nest-realtime.json')).k8s['.']).toMatchObject({
      name: 'chat',
      host: 'chat.acme.io',
    });
  });

  it('keeps an edited manifest unless --force', async () => {
    const tree = await k8s(prepared());
    const edited = tree.readContent('/deploy/hpa.yaml').replace('maxReplicas: 10', 'maxReplicas: 40');
    tree.overwrite('/deploy/hpa.yaml', edited);
    const warnings: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
    await k8s(tree, { minReplicas: 3 });
    subscription.unsubscribe();
    expect(tree.readContent('/deploy/hpa.yaml')).toBe(edited);
    expect(warnings.join('\n')).toContain('Kept /deploy/hpa.yaml');

    await k8s(tree, { minReplicas: 3, force: true });
    expect(manifest(tree, 'hpa.yaml').spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
  });

  it('leaves the metrics scrape annotations out when the app has no /metrics', async () => {
    const base = await runner.runSchematic('nest-add', { skipInstall: true, metrics: false }, createNestAppTree(11));
    const tree = await k8s(base);
    expect(manifest(tree, 'deployment.yaml').spec.template.metadata.annotations).toBeUndefined();
  });

  it("follows the app's own realtime.options.ts where the team changed it, and nest-realtime.json where it computes a value", async () => {
    const base = await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(12));
    base.overwrite(
      '/src/realtime/realtime.options.ts',
      base
        .readContent('/src/realtime/realtime.options.ts')
        .replace("corsOriginsVariable: 'CORS_ORIGINS'", "corsOriginsVariable: 'ALLOWED_ORIGINS'")
        .replace('metrics: true', 'metrics: false')
        .replace("auth: 'hs256'", "auth: process.env.AUTH_MODE === 'jwks' ? 'jwks' : 'hs256'"),
    );

    const tree = await k8s(base);

    const vars = env(tree);
    expect(vars.ALLOWED_ORIGINS.value).toBe('https://svc.example.com');
    expect(vars.CORS_ORIGINS).toBeUndefined();
    expect(vars.JWT_SECRET).toBeDefined();
    expect(manifest(tree, 'deployment.yaml').spec.template.metadata.annotations).toBeUndefined();
  });

  it('prepares an app nest add never ran on: the runtime and its peers, the options, the root module', async () => {
    const tree = await k8s(createNestAppTree(11));
    const manifestJson = JSON.parse(tree.readContent('/package.json'));
    expect(Object.keys(manifestJson.dependencies)).toEqual(
      expect.arrayContaining(['nest-realtime', '@nestjs/terminus']),
    );
    expect(tree.exists('/src/realtime/realtime.options.ts')).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([REALTIME_MODULE]);
  });

  it('writes the manifests where it cannot register RealtimeModule, and prints the lines to add', async () => {
    const base = createNestAppTree(12);
    const custom = `import { createApp } from './factory.js';\n\nawait createApp().then((app) => app.listen(3000));\n`;
    base.overwrite('/src/main.ts', custom);
    const warnings: string[] = [];
    const subscription = runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
    const tree = await k8s(base);
    subscription.unsubscribe();
    expect(tree.exists('/deploy/deployment.yaml')).toBe(true);
    expect(moduleMetadataEntries(tree, '/src/app.module.ts', 'imports')).toEqual([]);
    expect(warnings.join('\n')).toContain('RealtimeModule was not registered');
    expect(warnings.join('\n')).toContain(`imports: [${REALTIME_MODULE}, ...]`);
  });

  it('deploys a monorepo project from its own folder', async () => {
    const base = createNestAppTree(11);
    addMonorepoApp(base, 'admin');
    const tree = await k8s(base, { project: 'admin' });
    expect(tree.exists('/apps/admin/deploy/deployment.yaml')).toBe(true);
    expect(parse(tree.readContent('/apps/admin/deploy/deployment.yaml')).metadata.name).toBe('admin');
  });

  it.each([
    [{ host: 'Not A Host' }, /--host "Not A Host" is not a DNS host name/],
    [{ name: 'Chat_Service' }, /--name "Chat_Service" is not a valid Kubernetes name/],
    [{ minReplicas: 5, maxReplicas: 2 }, /--min-replicas \(5\) must not exceed --max-replicas \(2\)/],
    [{ path: '../outside' }, /--path "..\/outside" must be a folder inside the project/],
    [{ gateway: 'a/b/c' }, /--gateway "a\/b\/c" must be <name> or <namespace>\/<name>/],
    [{ port: 8081 }, /--management-port must differ from --port \(both 8081\)/],
  ] as [RealtimeK8sOptions, RegExp][])('refuses %o with a clear error and writes nothing', async (options, message) => {
    const tree = prepared();
    const before = snapshot(tree);
    await expect(k8s(tree, options)).rejects.toThrow(message);
    expect(snapshot(tree)).toEqual(before);
  });
});
