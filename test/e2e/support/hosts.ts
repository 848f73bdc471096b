import { nestCliVersion } from '../../../scripts/lib/tooling.cjs';

export type HostMajor = 11 | 12;

/** The Nest CLI versions whose freshly scaffolded apps the harness and `npm run demo` generate into. */
export const NEST_CLI_VERSIONS: Record<HostMajor, string> = { 11: nestCliVersion(11), 12: nestCliVersion(12) };
export const HOST_MAJORS: HostMajor[] = [11, 12];

/** How a host of each major checks code beyond its own `npm run lint`, which fixes and tolerates warnings. */
export const STRICT_LINT: Record<HostMajor, (paths: string[]) => [string, string[]]> = {
  // ESLint with typescript-eslint's type-checked rules and prettier, without --fix: warnings count.
  11: (paths) => ['npx', ['eslint', '--max-warnings', '0', ...paths]],
  // oxlint with type-aware rules, warnings turned into failures.
  12: (paths) => ['npx', ['oxlint', '--type-aware', '--deny-warnings', ...paths]],
};
