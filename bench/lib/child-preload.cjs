// Preloaded (NODE_OPTIONS=--require) into every Node process the bench starts, both servers included, so
// that they are treated alike. Each has an IPC channel to the bench:
// - when the channel closes (the bench is gone, even killed with SIGKILL), the process exits;
// - on a `{ benchCommand: 'heap' }` message it collects garbage (when started with --expose-gc) and
//   answers with its heap figures, so that idle-connection memory is read after a full GC.
// Neither costs a server anything while it is being measured.
const v8 = require('node:v8');

if (process.channel) {
  process.once('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message?.benchCommand !== 'heap') return;
    globalThis.gc?.();
    const { used_heap_size: usedHeapBytes, total_heap_size: totalHeapBytes } = v8.getHeapStatistics();
    const { rss: rssBytes, external: externalBytes } = process.memoryUsage();
    process.send({ benchHeap: { usedHeapBytes, totalHeapBytes, externalBytes, rssBytes } });
  });
}
