import { RealtimeServerSettings } from '../utils/realtime-settings';

/** Everything the manifests are derived from: the schematic's options and the app's own settings. */
export interface DeploymentPlan {
  name: string;
  image: string;
  host: string;
  route: 'ingress' | 'httproute';
  gateway: { name: string; namespace?: string };
  ingressClass: string;
  tlsSecret: string;
  secret: string;
  minReplicas: number;
  maxReplicas: number;
  port: number;
  /** Where the runtime's management server answers the probes and the scrape (REALTIME_MANAGEMENT_PORT). */
  managementPort: number;
  /** The app serves GET /metrics (nest-realtime.json "metrics"). */
  metrics: boolean;
  /** Env var the app reads allowed browser origins from. */
  corsOriginsEnv: string;
  /** REDIS_ADAPTER, the variant the Redis adapter uses. */
  adapter: string;
  /** How the app verifies tokens (nest-realtime.json "auth"), which decides the variables it needs. */
  auth: 'hs256' | 'jwks';
  server: RealtimeServerSettings;
}

/** A Kubernetes object as plain data, ready for YAML. */
export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string };

/**
 * The management server's port unless --management-port says otherwise: Spring Boot's usual one. Probes and
 * scrapes go there, outside the app's global prefix and guards, and the Service never exposes it.
 */
export const DEFAULT_MANAGEMENT_PORT = 8081;

/** Paths of the app's probes, served by the runtime's management server (and its HealthController). */
export const LIVENESS_PATH = '/health/live';
export const READINESS_PATH = '/health/ready';
/** socket.io's default path; the only one the route exposes (health and metrics stay in the cluster). */
export const SOCKET_IO_PATH = '/socket.io';

/** Long enough for the Service's endpoints to drop the pod before it gets SIGTERM. */
export const PRE_STOP_SECONDS = 5;
/** The app's own budget, from SIGTERM to exit, after the clients' notice (closing sockets, Redis, HTTP). */
export const APP_CLOSE_BUDGET_SECONDS = 10;
/** The ingress-nginx or Gateway API proxy in front of the pods: one hop of X-Forwarded-For to trust. */
export const TRUSTED_PROXY_HOPS = 1;
/** Ingress timeouts are at least this, and at least twice a heartbeat round. */
const MIN_PROXY_TIMEOUT_SECONDS = 60;

/** Seconds nginx may wait on an idle upgraded connection: twice socket.io's longest silence. */
export function proxyTimeoutSeconds(server: RealtimeServerSettings): number {
  const heartbeatSeconds = (server.pingIntervalMs + server.pingTimeoutMs) / 1000;
  return Math.max(MIN_PROXY_TIMEOUT_SECONDS, Math.ceil(2 * heartbeatSeconds));
}

/** The preStop pause, the clients' shutdown notice and the app's close budget. */
export function terminationGracePeriodSeconds(server: RealtimeServerSettings): number {
  return PRE_STOP_SECONDS + Math.ceil(server.shutdownNoticeMs / 1000) + APP_CLOSE_BUDGET_SECONDS;
}

/**
 * The manifests of one realtime service, by file name: Deployment, Service, Ingress or HTTPRoute,
 * PodDisruptionBudget and HorizontalPodAutoscaler.
 */
export function buildManifests(plan: DeploymentPlan): Map<string, Manifest> {
  return new Map<string, Manifest>([
    ['deployment.yaml', deployment(plan)],
    ['service.yaml', service(plan)],
    plan.route === 'ingress' ? ['ingress.yaml', ingress(plan)] : ['httproute.yaml', httpRoute(plan)],
    ['pdb.yaml', podDisruptionBudget(plan)],
    ['hpa.yaml', horizontalPodAutoscaler(plan)],
  ]);
}

/** Every file name buildManifests may write, so a switch of route can remove the other one. */
export const MANIFEST_FILES = [
  'deployment.yaml',
  'service.yaml',
  'ingress.yaml',
  'httproute.yaml',
  'pdb.yaml',
  'hpa.yaml',
];

function labels(plan: DeploymentPlan): Record<string, string> {
  return { 'app.kubernetes.io/name': plan.name, 'app.kubernetes.io/component': 'realtime' };
}

function metadata(plan: DeploymentPlan, annotations?: Record<string, string>): Record<string, unknown> {
  return { name: plan.name, labels: labels(plan), ...(annotations && { annotations }) };
}

function secretEnv(plan: DeploymentPlan, name: string): Record<string, unknown> {
  return { name, valueFrom: { secretKeyRef: { name: plan.secret, key: name } } };
}

/** What the app's auth mode reads from the Secret: the signing secret, or the identity provider's settings. */
export const AUTH_SECRET_KEYS: Record<DeploymentPlan['auth'], string[]> = {
  hs256: ['JWT_SECRET'],
  jwks: ['JWKS_URI', 'JWT_ISSUER', 'JWT_AUDIENCE'],
};

function httpProbe(path: string, timing: Record<string, number>): Record<string, unknown> {
  return { httpGet: { path, port: 'management' }, timeoutSeconds: 1, ...timing };
}

function deployment(plan: DeploymentPlan): Manifest {
  const podAnnotations = plan.metrics
    ? {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(plan.managementPort),
        'prometheus.io/path': '/metrics',
      }
    : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(plan),
    spec: {
      // No replicas: the HorizontalPodAutoscaler owns them, and `kubectl apply` would reset its choice.
      selector: { matchLabels: labels(plan) },
      // New pods are ready before old ones drain, so a rollout never lowers capacity.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(plan), ...(podAnnotations && { annotations: podAnnotations }) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGracePeriodSeconds(plan.server),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: labels(plan) },
            },
          ],
          containers: [
            {
              name: 'app',
              image: plan.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [
                { name: 'http', containerPort: plan.port, protocol: 'TCP' },
                { name: 'management', containerPort: plan.managementPort, protocol: 'TCP' },
              ],
              env: [
                { name: 'NODE_ENV', value: 'production' },
                { name: 'PORT', value: String(plan.port) },
                { name: 'REALTIME_MANAGEMENT_PORT', value: String(plan.managementPort) },
                { name: plan.corsOriginsEnv, value: `https://${plan.host}` },
                { name: 'REDIS_ADAPTER', value: plan.adapter },
                // The ingress or gateway proxy appends the peer it saw to X-Forwarded-For: trusting that one
                // hop lets the per-address handshake limit see clients rather than the proxy.
                { name: 'REALTIME_TRUSTED_PROXY_HOPS', value: String(TRUSTED_PROXY_HOPS) },
                ...AUTH_SECRET_KEYS[plan.auth].map((name) => secretEnv(plan, name)),
                secretEnv(plan, 'REDIS_URL'),
              ],
              resources: {
                requests: { cpu: '250m', memory: '256Mi' },
                limits: { memory: '512Mi' },
              },
              startupProbe: httpProbe(LIVENESS_PATH, { periodSeconds: 2, failureThreshold: 30 }),
              readinessProbe: httpProbe(READINESS_PATH, { periodSeconds: 5, failureThreshold: 2 }),
              livenessProbe: httpProbe(LIVENESS_PATH, { periodSeconds: 10, failureThreshold: 3 }),
              // Endpoints drop the pod while it still serves; SIGTERM then starts the app's drain.
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

function service(plan: DeploymentPlan): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(plan),
    spec: {
      type: 'ClusterIP',
      selector: labels(plan),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

function ingress(plan: DeploymentPlan): Manifest {
  const timeout = String(proxyTimeoutSeconds(plan.server));
  const annotations: Record<string, string> = {
    // ingress-nginx forwards WebSocket upgrades by itself; only its 60 s idle timeouts need raising.
    'nginx.ingress.kubernetes.io/proxy-read-timeout': timeout,
    'nginx.ingress.kubernetes.io/proxy-send-timeout': timeout,
    ...(plan.server.polling && {
      // Long-polling requests of one client must reach the pod that holds its session.
      'nginx.ingress.kubernetes.io/affinity': 'cookie',
      'nginx.ingress.kubernetes.io/affinity-mode': 'persistent',
      'nginx.ingress.kubernetes.io/session-cookie-name': `${plan.name}-affinity`,
      'nginx.ingress.kubernetes.io/session-cookie-secure': 'true',
      'nginx.ingress.kubernetes.io/session-cookie-samesite': 'Lax',
    }),
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(plan, annotations),
    spec: {
      ingressClassName: plan.ingressClass,
      tls: [{ hosts: [plan.host], secretName: plan.tlsSecret }],
      rules: [
        {
          host: plan.host,
          http: {
            paths: [
              {
                path: SOCKET_IO_PATH,
                pathType: 'Prefix',
                backend: { service: { name: plan.name, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function httpRoute(plan: DeploymentPlan): Manifest {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: metadata(plan),
    spec: {
      parentRefs: [{ name: plan.gateway.name, ...(plan.gateway.namespace && { namespace: plan.gateway.namespace }) }],
      hostnames: [plan.host],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: SOCKET_IO_PATH } }],
          backendRefs: [{ name: plan.name, port: 80 }],
          ...(plan.server.polling && {
            sessionPersistence: { type: 'Cookie', sessionName: `${plan.name}-affinity` },
          }),
        },
      ],
    },
  };
}

function podDisruptionBudget(plan: DeploymentPlan): Manifest {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(plan),
    spec: {
      // One pod at a time: each eviction makes its clients reconnect to the others.
      maxUnavailable: 1,
      selector: { matchLabels: labels(plan) },
    },
  };
}

function horizontalPodAutoscaler(plan: DeploymentPlan): Manifest {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(plan),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: plan.name },
      minReplicas: plan.minReplicas,
      maxReplicas: plan.maxReplicas,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: {
        // Removing a pod disconnects all its clients at once: scale in slowly.
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
      },
    },
  };
}
