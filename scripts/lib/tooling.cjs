// @ts-check
// What the repository's tooling repeats: free ports, signed test tokens, and the pinned `nest new`. Shared
// by scripts/, bench/ and the generated-app harness (test/e2e/support); CommonJS, so that the harness's
// ts-jest (CommonJS) can require it and ES modules can import it. Its API and documentation are in
// tooling.d.cts.
const { createHmac } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { join } = require('node:path');

/** @type {import('./tooling.cjs').freePort} */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error(`no TCP port was assigned on ${host}`)),
      );
    });
  });
}

/** @type {import('./tooling.cjs').signJws} */
function signJws(header, claims, sign) {
  const encode = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode(header)}.${encode(claims)}`;
  return `${body}.${header.alg === 'none' ? '' : sign(body).toString('base64url')}`;
}

/** @type {import('./tooling.cjs').signToken} */
function signToken(secret, claims, header = { alg: 'HS256', typ: 'JWT' }) {
  return signJws(header, claims, (body) => createHmac('sha256', secret).update(body).digest());
}

/** @type {import('./tooling.cjs').userClaims} */
function userClaims(sub, lifetimeSeconds = 3600, nowMs = Date.now()) {
  const iat = Math.floor(nowMs / 1000);
  return { sub, iat, exp: iat + lifetimeSeconds };
}

/** @type {import('./tooling.cjs').NEST_CLI_VERSIONS} */
const NEST_CLI_VERSIONS = Object.freeze(
  JSON.parse(readFileSync(join(__dirname, '..', 'nest-cli-versions.json'), 'utf-8')),
);

/** @type {import('./tooling.cjs').nestCliVersion} */
function nestCliVersion(major) {
  const version = NEST_CLI_VERSIONS[String(major)];
  if (version === undefined) {
    throw new Error(
      `Nest ${major} is not supported: the Nest majors are ${Object.keys(NEST_CLI_VERSIONS).join(', ')}.`,
    );
  }
  return version;
}

// The first Nest CLI major that asks whether to set up @nestjs/observe.
const OBSERVE_PROMPT_MAJOR = 12;

/** @type {import('./tooling.cjs').nestNewCommand} */
function nestNewCommand(major, name) {
  const version = nestCliVersion(major);
  const observe = Number(version.split('.')[0]) >= OBSERVE_PROMPT_MAJOR ? ['--no-observe'] : [];
  return {
    command: 'npx',
    args: ['-y', `@nestjs/cli@${version}`, 'new', name, '--package-manager', 'npm', '--skip-git', ...observe],
  };
}

module.exports = { freePort, signJws, signToken, userClaims, NEST_CLI_VERSIONS, nestCliVersion, nestNewCommand };
