// @ts-check
// Self time of a V8 CPU profile (.cpuprofile), summed per function, file or package.

/** @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame */
/**
 * A V8 CPU profile as the inspector's Profiler.stop gives it (the parts read here).
 *
 * @typedef {{ nodes: Array<{ id: number, callFrame: CallFrame }>, samples: number[], timeDeltas: number[] }} CpuProfile
 */

/**
 * Where a profile node's code lives: its npm package, Node's internals, V8 itself, or the app.
 *
 * @param {CallFrame} callFrame
 */
function packageOf({ functionName, url }) {
  if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? match[1] : 'app / bench code';
}

/** @param {string} url */
function shortFile(url) {
  const inModules = url.lastIndexOf('node_modules/');
  return inModules >= 0 ? url.slice(inModules + 'node_modules/'.length) : url.replace(/^file:\/\//, '');
}

/** @type {Record<string, (callFrame: CallFrame) => string>} */
const KEYS = {
  package: packageOf,
  file: ({ functionName, url }) => (functionName.startsWith('(') ? functionName : shortFile(url) || '(native)'),
  function: ({ functionName, url, lineNumber }) =>
    `${functionName || '(anonymous)'}  ${shortFile(url)}:${lineNumber + 1}`,
};

/**
 * Microseconds of self time per key (`by`: 'function', 'file' or 'package'), idle time left out.
 *
 * @example
 * const { busyMicros, rows } = selfTime(JSON.parse(readFileSync('server.cpuprofile', 'utf-8')), 'package');
 * rows[0]; // ['socket.io', 123456]
 *
 * @param {CpuProfile} profile
 * @param {string} by
 * @returns {{ busyMicros: number, rows: Array<[key: string, micros: number]> }}
 */
export function selfTime(profile, by) {
  const keyOf = KEYS[by];
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  /** @type {Map<string, number>} */
  const totals = new Map();
  // timeDeltas[i] is the time between sample i - 1 and sample i, attributed to sample i's node.
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    if (node === undefined) return;
    const { callFrame } = node;
    if (callFrame.functionName === '(idle)') return;
    const key = keyOf(callFrame);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const rows = [...totals].sort((a, b) => b[1] - a[1]);
  return { busyMicros: rows.reduce((sum, [, micros]) => sum + micros, 0), rows };
}
