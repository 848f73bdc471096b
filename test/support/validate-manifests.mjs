// Validates Kubernetes manifests against the Kubernetes (and Gateway API) schemas of kubernetes-models.
// Input on stdin: a JSON object { "<file name>": "<YAML text>" }. Output on stdout: a JSON array with one entry
// per YAML document: { file, apiVersion, kind, name, errors }. An ES module because kubernetes-models is
// published as ES modules only; Jest and the harness call it as a child process (see kubernetes.ts).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const MODEL_PACKAGES = { 'gateway.networking.k8s.io': '@kubernetes-models/gateway-api' };

async function modelFor(apiVersion, kind) {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const root = MODEL_PACKAGES[group] ?? 'kubernetes-models';
  try {
    const models = await import(`${root}/${apiVersion}`);
    return models[kind];
  } catch {
    return undefined;
  }
}

async function validateDocument(file, document) {
  if (document.errors.length > 0) {
    return { file, errors: document.errors.map((error) => `YAML: ${error.message}`) };
  }
  const data = document.toJS();
  const { apiVersion, kind } = data ?? {};
  const report = { file, apiVersion, kind, name: data?.metadata?.name, errors: [] };
  const Model =
    typeof apiVersion === 'string' && typeof kind === 'string' ? await modelFor(apiVersion, kind) : undefined;
  if (!Model) {
    report.errors.push(`No schema for apiVersion ${apiVersion} kind ${kind}`);
    return report;
  }
  try {
    new Model(data).validate();
  } catch (error) {
    const details = error.errors ?? [];
    report.errors.push(
      ...(details.length > 0
        ? details.map((detail) => `${detail.instancePath || '/'} ${detail.message}`)
        : [String(error.message)]),
    );
  }
  return report;
}

const files = JSON.parse(readFileSync(0, 'utf-8'));
const reports = [];
for (const [file, text] of Object.entries(files)) {
  for (const document of parseAllDocuments(text)) {
    reports.push(await validateDocument(file, document));
  }
}
process.stdout.write(JSON.stringify(reports));
