// Self time of a V8 CPU profile (.cpuprofile), summed per function, file or package.

/** Where a profile node's code lives: its npm package, Node's internals, V8 itself, or the app. */
function packageOf({ functionName, url }) {
  if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? match[1] : 'app / bench code';
}

function shortFile(url) {
  const inModules = url.lastIndexOf('node_modules/');
  return inModules >= 0 ? url.slice(inModules + 'node_modules/'.length) : url.replace(/^file:\/\//, '');
}

const KEYS = {
  package: packageOf,
  file: ({ functionName, url }) => (functionName.startsWith('(') ? functionName : shortFile(url) || '(native)'),
  function: ({ functionName, url, lineNumber }) => `${functionName || '(anonymous)'}  ${shortFile(url)}:${lineNumber + 1}`,
};

/**
 * Microseconds of self time per key (`by`: 'function', 'file' or 'package'), idle time left out.
 *
 * @example
 * const { busyMicros, rows } = selfTime(JSON.parse(readFileSync('server.cpuprofile', 'utf-8')), 'package');
 * rows[0]; // ['socket.io', 123456]
 */
export function selfTime(profile, by) {
  const keyOf = KEYS[by];
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  // timeDeltas[i] is the time between sample i - 1 and sample i, attributed to sample i's node.
  profile.samples.forEach((id, index) => {
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === '(idle)') return;
    const key = keyOf(callFrame);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const rows = [...totals].sort((a, b) => b[1] - a[1]);
  return { busyMicros: rows.reduce((sum, [, micros]) => sum + micros, 0), rows };
}
