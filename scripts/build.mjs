// @ts-check
// Builds the package: schema.json -> schema.d.ts (so option types always come from the schema), the
// schematics' TypeScript -> CommonJS in dist/ with each schema.json copied beside its compiled factory, and
// the runtime (runtime/) -> an ES module build for Nest 12 apps and a CommonJS one for Nest 11 apps, in
// dist/runtime/esm and dist/runtime/cjs, each with its type declarations.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

const schematicDirs = readdirSync(src, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(src, entry.name, 'schema.json')))
  .map((entry) => entry.name);

for (const dir of schematicDirs) {
  const schema = JSON.parse(readFileSync(join(src, dir, 'schema.json'), 'utf8'));
  writeFileSync(join(src, dir, 'schema.d.ts'), schemaToTypeScript(schema));
}

rmSync(dist, { recursive: true, force: true });
const tsc = (/** @type {string} */ project) =>
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, project)], {
    stdio: 'inherit',
  });
tsc('tsconfig.json');

writePlaygroundAssets();
tsc('runtime/tsconfig.esm.json');
tsc('runtime/tsconfig.cjs.json');
// Each build says which module system its .js and .d.ts files are, whatever the package root says.
writeFileSync(join(dist, 'runtime/esm/package.json'), '{ "type": "module" }\n');
writeFileSync(join(dist, 'runtime/cjs/package.json'), '{ "type": "commonjs" }\n');

for (const dir of schematicDirs) {
  mkdirSync(join(dist, dir), { recursive: true });
  copyFileSync(join(src, dir, 'schema.json'), join(dist, dir, 'schema.json'));
}

/**
 * The playground's page, styles and script are ordinary files (runtime/playground/*.html, .css, .js, linted as
 * such); the runtime serves them from strings, so both builds carry them without reading files at run time.
 */
function writePlaygroundAssets() {
  const dir = join(root, 'runtime/playground');
  const asset = (/** @type {string} */ name) => JSON.stringify(readFileSync(join(dir, name), 'utf8'));
  writeFileSync(
    join(dir, 'assets.ts'),
    [
      '// Generated from playground.html, playground.css and playground.js by scripts/build.mjs. Edit those.',
      `export const PLAYGROUND_HTML = ${asset('playground.html')};`,
      `export const PLAYGROUND_STYLE = ${asset('playground.css')};`,
      `export const PLAYGROUND_SCRIPT = ${asset('playground.js')};`,
      '',
    ].join('\n'),
  );
}

/** @param {{ title?: string, $id?: string, required?: string[], properties?: Record<string, any> }} schema */
function schemaToTypeScript(schema) {
  const required = new Set(schema.required ?? []);
  const lines = [
    `// Generated from schema.json by scripts/build.mjs. Edit schema.json, not this file.`,
    `/** ${schema.title ?? schema.$id} */`,
    `export interface Schema {`,
  ];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.description) lines.push(`  /** ${property.description.replace(/\*\//g, '*\\/')} */`);
    lines.push(`  ${JSON.stringify(name)}${required.has(name) ? '' : '?'}: ${propertyType(property)};`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** @param {any} property @returns {string} */
function propertyType(property) {
  if (property.enum) return property.enum.map((/** @type {unknown} */ value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(property.type)) {
    return property.type.map((/** @type {string} */ type) => propertyType({ ...property, type })).join(' | ');
  }
  switch (property.type) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'integer':
      return 'number';
    case 'array':
      return `${propertyType(property.items ?? {})}[]`;
    default:
      throw new Error(`schema type ${JSON.stringify(property.type)} is not supported by scripts/build.mjs`);
  }
}
