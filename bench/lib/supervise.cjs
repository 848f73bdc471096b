// @ts-check
// node supervise.cjs <command> [args…]: runs a server that is not a Node process (redis-server) as this
// process's child, so that what child-preload.cjs does for Node servers covers it too: when this process
// ends for any reason (the bench stopped it, or the bench itself is gone), the server ends with it.
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
const server = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });

server.once('error', (error) => {
  console.error(`cannot start ${command}: ${error.message}`);
  process.exit(1);
});
server.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.once('exit', () => server.kill('SIGKILL'));
for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
  process.once(signal, () => server.kill(signal));
}
