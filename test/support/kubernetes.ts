import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** One YAML document checked against the Kubernetes schema; no errors means it validates. */
export interface ManifestReport {
  file: string;
  apiVersion?: string;
  kind?: string;
  name?: string;
  errors: string[];
}

/**
 * Validates YAML manifests with kubernetes-models (Kubernetes and Gateway API schemas), in a child Node
 * process because those packages are ES modules only.
 *
 * @example
 * validateManifests({ 'deployment.yaml': yamlText }); // [{ file, kind: 'Deployment', errors: [] }]
 */
export function validateManifests(files: Record<string, string>): ManifestReport[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-manifests.mjs')], {
    input: JSON.stringify(files),
    encoding: 'utf-8',
  });
  if (result.status !== 0) {
    throw new Error(`validate-manifests.mjs failed (${result.status}):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as ManifestReport[];
}

/** The kinds `realtime-k8s` writes with its default Ingress route, sorted. */
export const INGRESS_SET_KINDS = ['Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'Service'];
