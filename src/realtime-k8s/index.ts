import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { generatedYaml, removeGeneratedYaml, writeGeneratedYaml } from '../utils/generated-yaml';
import { loadHostFormatter } from '../utils/formatting';
import { detectHostProject, HostProject, readJsonFile } from '../utils/host-project';
import {
  PROJECT_DEFAULTS_PATH,
  ProjectDefaults,
  readProjectDefaults,
  updateProjectSettings,
} from '../utils/project-defaults';
import { assertNoPendingMigrations } from '../realtime-upgrade/migrations';
import { readOwnedSettings } from '../utils/realtime-config';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { RUNTIME_SERVER_SETTINGS } from '../utils/realtime-settings';
import { buildManifests, DEFAULT_MANAGEMENT_PORT, DeploymentPlan, MANIFEST_FILES } from './manifests';
import { Schema as RealtimeK8sOptions } from './schema';

const GENERATOR = 'nest g realtime-k8s';

/** The choices a later run reuses when no option is given, kept per project in nest-realtime.json "k8s". */
type StoredK8sChoices = Partial<
  Omit<RealtimeK8sOptions, 'project' | 'sourceRoot' | 'specFileSuffix' | 'force' | 'skipInstall'>
>;

/** nest-realtime.json "k8s" key of a standard app; monorepo projects use their name. */
const STANDARD_APP_KEY = '.';

/**
 * `nest g realtime-k8s`: Kubernetes manifests for the app in `deploy/` (Deployment, Service, Ingress for
 * ingress-nginx or a Gateway API HTTPRoute, PodDisruptionBudget, HorizontalPodAutoscaler), with timeouts and
 * the grace period derived from the runtime's socket.io settings. Makes sure the app serves the probes'
 * /health endpoints (RealtimeModule in the root module, as every schematic's setup does). Edited manifests
 * are kept.
 */
export function realtimeK8s(options: RealtimeK8sOptions): Rule {
  return (tree: Tree) => {
    const host = detectHostProject(tree, options);
    assertNoPendingMigrations(tree, host);
    const defaults = readProjectDefaults(tree);
    const choices = resolveChoices(tree, host, options);
    const deployDir = posix.join(host.projectRoot, choices.path);
    return chain([
      ensureRealtimeSetup({
        host,
        defaults,
        skipInstall: options.skipInstall,
        format: loadHostFormatter(process.cwd()),
      }),
      // After the setup: the app's own realtime.options.ts says what the deployment must provide.
      (next: Tree) => {
        const settings = { ...defaults, ...readOwnedSettings(next, host) };
        return chain([
          writeManifests(settings, choices, deployDir, options.force ?? false),
          (last: Tree) => storeChoices(last, host, choices),
          (_last: Tree, context: SchematicContext) => printNextSteps(context, choices, settings.auth, deployDir),
        ]);
      },
    ]);
  };
}

type Choices = Required<StoredK8sChoices>;

function resolveChoices(tree: Tree, host: HostProject, options: RealtimeK8sOptions): Choices {
  const stored = readStoredChoices(tree)[storeKey(host)] ?? {};
  // Prompts answered with nothing give '', which means "the default" as much as an absent flag does.
  const pick = <K extends keyof StoredK8sChoices>(key: K): StoredK8sChoices[K] => {
    const given = options[key];
    return given === undefined || given === '' ? stored[key] : given;
  };
  const name = pick('name') ?? defaultName(tree, host);
  assertDnsLabel(name, 'name', 'e.g. chat or chat-api');
  const choices: Choices = {
    name,
    path: pick('path') ?? 'deploy',
    image: pick('image') ?? `${name}:${packageVersion(tree, host)}`,
    host: pick('host') ?? `${name}.example.com`,
    route: pick('route') ?? 'ingress',
    gateway: pick('gateway') ?? 'gateway',
    ingressClass: pick('ingressClass') ?? 'nginx',
    tlsSecret: pick('tlsSecret') ?? `${name}-tls`,
    secret: pick('secret') ?? `${name}-secrets`,
    minReplicas: pick('minReplicas') ?? 2,
    maxReplicas: pick('maxReplicas') ?? 10,
    port: pick('port') ?? 3000,
    managementPort: pick('managementPort') ?? DEFAULT_MANAGEMENT_PORT,
  };
  validate(choices);
  return choices;
}

function validate(choices: Choices): void {
  if (!/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(choices.host)) {
    throw new SchematicsException(
      `--host "${choices.host}" is not a DNS host name: use lower-case labels joined by dots, e.g. chat.example.com.`,
    );
  }
  if (/\s/.test(choices.image) || choices.image === '') {
    throw new SchematicsException(
      `--image "${choices.image}" is not an image reference, e.g. registry.example.com/chat:1.0.0.`,
    );
  }
  for (const key of ['tlsSecret', 'secret', 'ingressClass'] as const) {
    assertDnsLabel(choices[key], key, 'lower-case letters, digits and "-"');
  }
  for (const part of choices.gateway.split('/')) {
    assertDnsLabel(part, 'gateway', '<name> or <namespace>/<name>');
  }
  if (choices.gateway.split('/').length > 2) {
    throw new SchematicsException(`--gateway "${choices.gateway}" must be <name> or <namespace>/<name>.`);
  }
  if (choices.minReplicas > choices.maxReplicas) {
    throw new SchematicsException(
      `--min-replicas (${choices.minReplicas}) must not exceed --max-replicas (${choices.maxReplicas}).`,
    );
  }
  if (choices.managementPort === choices.port) {
    throw new SchematicsException(
      `--management-port must differ from --port (both ${choices.port}): the probes and metrics get a port of their own.`,
    );
  }
  if (posix.isAbsolute(choices.path) || choices.path.split('/').includes('..')) {
    throw new SchematicsException(
      `--path "${choices.path}" must be a folder inside the project, e.g. deploy or k8s/prod.`,
    );
  }
}

// 50 leaves room for the "-affinity" and "-secrets" names derived from it within Kubernetes' 63.
function assertDnsLabel(value: string, option: string, hint: string): void {
  if (!/^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$/.test(value)) {
    throw new SchematicsException(
      `--${kebab(option)} "${value}" is not a valid Kubernetes name (${hint}; at most 50 characters).`,
    );
  }
}

function kebab(option: string): string {
  return option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function storeKey(host: HostProject): string {
  return host.projectName ?? STANDARD_APP_KEY;
}

function readStoredChoices(tree: Tree): Record<string, StoredK8sChoices> {
  return readJsonFile<{ k8s?: Record<string, StoredK8sChoices> }>(tree, PROJECT_DEFAULTS_PATH)?.k8s ?? {};
}

/** The monorepo project, else the package name without its scope, as a Kubernetes name. */
function defaultName(tree: Tree, host: HostProject): string {
  const raw = host.projectName ?? readPackageJson(tree, host).name ?? 'app';
  const name = raw
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return name === '' ? 'app' : name;
}

function packageVersion(tree: Tree, host: HostProject): string {
  return readPackageJson(tree, host).version ?? 'latest';
}

function readPackageJson(tree: Tree, host: HostProject): { name?: string; version?: string } {
  return (
    readJsonFile<{ name?: string; version?: string }>(tree, posix.join(host.projectRoot, 'package.json')) ??
    readJsonFile<{ name?: string; version?: string }>(tree, '/package.json') ??
    {}
  );
}

function writeManifests(defaults: ProjectDefaults, choices: Choices, deployDir: string, force: boolean): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const [gatewayNamespace, gatewayName] = choices.gateway.includes('/')
      ? choices.gateway.split('/')
      : [undefined, choices.gateway];
    const plan: DeploymentPlan = {
      ...choices,
      gateway: { name: gatewayName, namespace: gatewayNamespace },
      metrics: defaults.metrics,
      corsOriginsEnv: defaults.corsOriginsEnv,
      adapter: defaults.adapter,
      auth: defaults.auth,
      server: RUNTIME_SERVER_SETTINGS,
    };
    const manifests = buildManifests(plan);
    for (const [file, manifest] of manifests) {
      writeGeneratedYaml(tree, context, posix.join(deployDir, file), generatedYaml(manifest, GENERATOR), force);
    }
    // E.g. ingress.yaml after a switch to httproute: `kubectl apply -f deploy/` would still apply it.
    for (const file of MANIFEST_FILES.filter((file) => !manifests.has(file))) {
      removeGeneratedYaml(tree, context, posix.join(deployDir, file), force);
    }
  };
}

function storeChoices(tree: Tree, host: HostProject, choices: Choices): void {
  updateProjectSettings(tree, { k8s: { ...readStoredChoices(tree), [storeKey(host)]: choices } });
}

/** A `--from-literal` example for each variable the auth mode reads from the Secret. */
const AUTH_SECRET_EXAMPLES: Record<ProjectDefaults['auth'], string> = {
  hs256: '--from-literal=JWT_SECRET="$(openssl rand -hex 32)"',
  jwks:
    '--from-literal=JWKS_URI=https://<idp>/.well-known/jwks.json --from-literal=JWT_ISSUER=https://<idp>/ ' +
    '--from-literal=JWT_AUDIENCE=<api-audience>',
};

function printNextSteps(
  context: SchematicContext,
  choices: Choices,
  auth: ProjectDefaults['auth'],
  deployDir: string,
): void {
  const dir = deployDir.replace(/^\//, '');
  context.logger.info(
    [
      `Manifests for ${choices.name} are in ${dir}/. Before applying them:`,
      `  kubectl create secret generic ${choices.secret} \\`,
      `    ${AUTH_SECRET_EXAMPLES[auth]} --from-literal=REDIS_URL=redis://<host>:6379`,
      choices.route === 'ingress'
        ? `  a TLS certificate for ${choices.host} in the Secret ${choices.tlsSecret} (e.g. from cert-manager)`
        : `  a Gateway ${choices.gateway} with a listener for ${choices.host}`,
      `Then: kubectl apply -f ${dir}/`,
    ].join('\n'),
  );
}
