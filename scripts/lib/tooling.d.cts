// The API of tooling.cjs, for TypeScript importers (the harness, compiled by ts-jest as CommonJS) and for
// the JavaScript of bench/ and scripts/, type-checked through scripts/tsconfig.json. tooling.cjs
// implements each declaration under `@type {import('./tooling.cjs').name}`, so tsc keeps the two in step.

/** A JWT header or claims set. */
export type JwtObject = Record<string, unknown>;

/**
 * A free TCP port on `host` (the loopback interface by default): the port a listener on port 0 was given,
 * closed again before this resolves.
 *
 * @example
 * const port = await freePort();
 * spawn(process.execPath, ['dist/main.js'], { env: { ...process.env, PORT: String(port) } });
 */
export declare function freePort(host?: string): Promise<number>;

/**
 * A compact JWS of `header` and `claims`, whose signature `sign` computes over `header.claims` (base64url
 * of each); an empty signature when `header.alg` is `none`.
 *
 * @example
 * signJws({ alg: 'RS256', kid: 'k1' }, claims, (body) => createSign('RSA-SHA256').update(body).sign(privateKey));
 */
export declare function signJws(header: JwtObject, claims: JwtObject, sign: (body: string) => Buffer): string;

/**
 * An HS256 JWT of `claims`, signed with `secret`, as the generated app verifies with JWT_SECRET. `header`
 * replaces the default `{ alg: 'HS256', typ: 'JWT' }` (e.g. `{ alg: 'none' }`, which a server must refuse).
 *
 * @example
 * io(`${url}/chat`, { auth: { token: signToken(secret, userClaims('alice')) } });
 */
export declare function signToken(secret: string, claims: JwtObject, header?: JwtObject): string;

/**
 * The claims of a token for user `sub`: issued now (`nowMs`, default Date.now()), expiring
 * `lifetimeSeconds` later (default an hour).
 *
 * @example
 * userClaims('alice', 300); // { sub: 'alice', iat: 1767225600, exp: 1767225900 }
 */
export declare function userClaims(
  sub: string,
  lifetimeSeconds?: number,
  nowMs?: number,
): { sub: string; iat: number; exp: number };

/** The pinned Nest CLI version of each Nest major the project supports (scripts/nest-cli-versions.json). */
export declare const NEST_CLI_VERSIONS: Readonly<Record<string, string>>;

/**
 * The pinned Nest CLI version of a Nest major; throws naming the supported majors for any other.
 *
 * @example
 * nestCliVersion(12); // '12.0.8'
 */
export declare function nestCliVersion(major: string | number): string;

/** A command and its arguments, for whichever way of running it the caller has (spawn, execFile, …). */
export interface Command {
  command: string;
  args: string[];
}

/**
 * `nest new <name>` with the pinned CLI of `major`, through npx, non-interactively: npm as the package
 * manager, no git repository, and (Nest 12 on) no @nestjs/observe, which the CLI would otherwise ask about
 * on a terminal. Run it outside this repository (inside it, the Nest CLI would pick up our own
 * @nestjs/schematics) and without a terminal on stdin: the schematics' own prompts ask on one.
 *
 * @example
 * const { command, args } = nestNewCommand(11, 'bench-app');
 * execFileSync(command, args, { cwd: parentDir, stdio: ['ignore', 'pipe', 'pipe'] });
 */
export declare function nestNewCommand(major: string | number, name: string): Command;
