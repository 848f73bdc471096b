import { Tree } from '@angular-devkit/schematics';
import { readSourceFile, ts } from './typescript';

/** The app's socket.io heartbeat, transports and shutdown notice, which the deploy manifests must agree with. */
export interface RealtimeServerSettings {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** HTTP long-polling is enabled, so a client's requests must stick to one pod. */
  polling: boolean;
  shutdownNoticeMs: number;
}

/** socket.io's own defaults, and the kit's notice, for what the file does not state as literals. */
const FALLBACK: RealtimeServerSettings = {
  pingIntervalMs: 25_000,
  pingTimeoutMs: 20_000,
  polling: true,
  shutdownNoticeMs: 300,
};

const SERVER_OPTIONS = 'REALTIME_SERVER_OPTIONS';
const SHUTDOWN_NOTICE = 'SHUTDOWN_NOTICE_MS';

export interface ReadSettingsResult {
  settings: RealtimeServerSettings;
  /** What could not be read as a literal and fell back to a default, for a warning. */
  assumed: string[];
}

/**
 * Reads the kit's `realtime.config.ts` (`REALTIME_SERVER_OPTIONS` and `SHUTDOWN_NOTICE_MS`) by AST, so the
 * manifests follow the values the team tuned. A value that is not a literal there falls back to socket.io's
 * default and is reported in `assumed`. A missing `transports` means socket.io's default, which polls.
 */
export function readRealtimeServerSettings(tree: Tree, configPath: string): ReadSettingsResult {
  const source = readSourceFile(tree, configPath);
  const constants = new Map<string, ts.Expression>();
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer) {
          constants.set(declaration.name.text, unwrap(declaration.initializer));
        }
      }
    }
  }
  const assumed: string[] = [];
  const options = constants.get(SERVER_OPTIONS);
  const properties = new Map<string, ts.Expression>();
  if (options && ts.isObjectLiteralExpression(options)) {
    for (const property of options.properties) {
      if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
        properties.set(property.name.text, unwrap(property.initializer));
      }
    }
  } else {
    assumed.push(SERVER_OPTIONS);
  }
  const number = (expression: ts.Expression | undefined, label: string, fallback: number): number => {
    const value = expression && ts.isNumericLiteral(expression) ? Number(expression.text.replace(/_/g, '')) : NaN;
    if (Number.isFinite(value)) {
      return value;
    }
    assumed.push(label);
    return fallback;
  };
  const transports = properties.get('transports');
  let polling = FALLBACK.polling;
  if (transports && ts.isArrayLiteralExpression(transports)) {
    polling = transports.elements.some((element) => ts.isStringLiteral(element) && element.text === 'polling');
  } else if (transports) {
    assumed.push(`${SERVER_OPTIONS}.transports`);
  }
  return {
    settings: {
      pingIntervalMs: number(properties.get('pingInterval'), `${SERVER_OPTIONS}.pingInterval`, FALLBACK.pingIntervalMs),
      pingTimeoutMs: number(properties.get('pingTimeout'), `${SERVER_OPTIONS}.pingTimeout`, FALLBACK.pingTimeoutMs),
      polling,
      shutdownNoticeMs: number(constants.get(SHUTDOWN_NOTICE), SHUTDOWN_NOTICE, FALLBACK.shutdownNoticeMs),
    },
    assumed,
  };
}

/** `x as const`, `x satisfies T`, `(x)` -> x. */
function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isParenthesizedExpression(current)) {
    current = current.expression;
  }
  return current;
}
