// @ts-check
// Objects of a V8 heap snapshot (.heapsnapshot), counted per kind: `<type> <name>`, e.g. `object Socket`
// or `closure onconnect`, with their summed self size.
import { readFileSync } from 'node:fs';

/**
 * @param {string} path
 * @returns {Map<string, { count: number, bytes: number }>}
 */
export function objectsByKind(path) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, 'utf-8'));
  const fields = snapshot.meta.node_fields;
  const [typeNames] = snapshot.meta.node_types;
  const stride = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  /** @type {Map<string, { count: number, bytes: number }>} */
  const kinds = new Map();
  for (let offset = 0; offset < nodes.length; offset += stride) {
    const key = `${typeNames[nodes[offset + typeAt]]} ${strings[nodes[offset + nameAt]].slice(0, 80)}`;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += nodes[offset + sizeAt];
    kinds.set(key, kind);
  }
  return kinds;
}

/**
 * What `after` holds more than `before`, per connection (or whatever `per` counts), largest first.
 *
 * @example
 * const rows = growthPer(objectsByKind('before.heapsnapshot'), objectsByKind('after.heapsnapshot'), 2000);
 * rows[0]; // { kind: 'object Socket', count: 2, bytes: 412 }
 *
 * @param {Map<string, { count: number, bytes: number }>} before
 * @param {Map<string, { count: number, bytes: number }>} after
 * @param {number} per
 */
export function growthPer(before, after, per) {
  return [...after]
    .map(([kind, { count, bytes }]) => ({
      kind,
      count: (count - (before.get(kind)?.count ?? 0)) / per,
      bytes: (bytes - (before.get(kind)?.bytes ?? 0)) / per,
    }))
    .sort((a, b) => b.bytes - a.bytes);
}
