// Builds the package: schema.json -> schema.d.ts (so option types always come from the schema),
// TypeScript -> CommonJS in dist/, and each schema.json copied beside its compiled factory.
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
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});

for (const dir of schematicDirs) {
  mkdirSync(join(dist, dir), { recursive: true });
  copyFileSync(join(src, dir, 'schema.json'), join(dist, dir, 'schema.json'));
}

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

function propertyType(property) {
  if (property.enum) return property.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(property.type)) return property.type.map((type) => propertyType({ ...property, type })).join(' | ');
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
