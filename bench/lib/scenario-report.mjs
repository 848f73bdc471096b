// @ts-check
// The deployment scenarios' share of latest.json, their table, and what makes them a broken run.
import { isFiniteNumber, ratio } from './stats.mjs';
import { alignColumns } from './table.mjs';

const SYSTEM_NAMES = /** @type {const} */ (['baseline', 'generated']);

/** @typedef {import('./report.mjs').ResultsDocument} ResultsDocument */
/** @typedef {[label: string, baseline: string, generated: string, ratio: number, target: string]} Row */
/** @typedef {(value: number | null | undefined) => string} Format */
/** @typedef {{ baseline: any, generated: any }} BothFigures One scenario's figures of both systems, from latest.json. */

/**
 * latest.json's `reconnectStorm`, `presenceChurn` and `fanOut`: each has `local` (one or two instances on
 * their own) and `redis` (two instances on one redis-server; null without --redis).
 *
 * @param {Record<string, any> | undefined} scenarios
 */
export function scenarioHeadline(scenarios) {
  const pick = (/** @type {string} */ name) => ({
    local: scenarios?.[name]?.local ?? null,
    redis: scenarios?.[name]?.redis ?? null,
  });
  return { reconnectStorm: pick('reconnectStorm'), presenceChurn: pick('presenceChurn'), fanOut: pick('fanOut') };
}

/** @type {Format} */
const count = (value) => (isFiniteNumber(value) ? Math.round(value).toLocaleString('en-US') : '—');
/** @type {(digits: number, unit?: string) => Format} */
const fixed =
  (digits, unit = '') =>
  (value) =>
    isFiniteNumber(value) ? `${value.toFixed(digits)}${unit}` : '—';
/** @type {Format} */
const ms = (value) => (isFiniteNumber(value) ? `${Math.round(value).toLocaleString('en-US')} ms` : '—');

/**
 * Rows of [label, baseline, generated, ratio, target] for one figure picked from both systems.
 *
 * @template T
 * @param {string} label
 * @param {{ baseline: T, generated: T }} figures
 * @param {(figures: T) => number | null | undefined} pick
 * @param {Format} format
 * @param {string} [target]
 * @returns {Row}
 */
function row(label, figures, pick, format, target = '') {
  const [base, generated] = SYSTEM_NAMES.map((name) => pick(figures[name]));
  return [label, format(base), format(generated), ratio(generated, base), target];
}

/**
 * @param {BothFigures | null | undefined} storm
 * @param {string} label
 * @returns {Row[]}
 */
function stormRows(storm, label) {
  if (!storm) return [[`${label}: not run`, '', '', Number.NaN, '']];
  const { clients, movers } = storm.generated;
  return [
    [`${label}: ${count(clients)} clients on two instances, ${count(movers)} fail over`, '', '', Number.NaN, ''],
    row('  99 % back in their rooms, after SIGTERM', storm, (s) => s.p99RejoinedMs, ms),
    row('  all back in their rooms, after SIGTERM', storm, (s) => s.allRejoinedMs, ms),
    row('  reconnects per second, busiest second', storm, (s) => s.peakReconnectsPerSecond, count),
    row('  survivor CPU µs per reconnect', storm, (s) => s.survivorCpuUsPerReconnect, count),
    row('  survivor event-loop delay, max', storm, (s) => s.peakEventLoopDelayMs, ms),
    row('  messages lost between clients that stayed', storm, (s) => s.stayerMessagesLost, count, '0'),
  ];
}

/**
 * @param {BothFigures | null | undefined} churn
 * @param {string} label
 * @returns {Row[]}
 */
function churnRows(churn, label) {
  if (!churn) return [[`${label}: not run`, '', '', Number.NaN, '']];
  const { left, users, expectedPresenceEvents, namespaceWidePresenceEvents } = churn.generated;
  return [
    [`${label}: ${count(left)} of ${count(users)} users leave at once`, '', '', Number.NaN, ''],
    row(
      `  presence events sent (rooms shared: ${count(expectedPresenceEvents)}; namespace-wide: ${count(namespaceWidePresenceEvents)})`,
      churn,
      (c) => c.presenceEvents,
      count,
      `≥ ${count(expectedPresenceEvents)}, ≪ ${count(namespaceWidePresenceEvents)}`,
    ),
    row('  per remaining client', churn, (c) => c.presenceEventsPerRemainingClient, fixed(2)),
    row('  server CPU, leave → quiet', churn, (c) => c.serverCpuMs, ms),
  ];
}

/**
 * @param {Array<BothFigures & { members: number }>} fanOut
 * @param {string} label
 * @returns {Row[]}
 */
function fanOutRows(fanOut, label) {
  return fanOut.flatMap((room) => [
    [`${label}: one room of ${count(room.members)}, one sender`, '', '', Number.NaN, ''],
    row('  deliveries per second, most in a window', room, (r) => r.saturation.maxDeliveredPerSecond, count),
    row(
      `  p99 send → delivery @ ${count(room.baseline.fixed.offeredPerSecond)} msg/s`,
      room,
      (r) => r.fixed.p99DeliveryMs,
      fixed(1, ' ms'),
    ),
  ]);
}

/**
 * The second table printed at the end of a run.
 *
 * @param {ResultsDocument} results
 */
export function renderScenarioTable(results) {
  /** @type {Row[]} */
  const rows = [];
  for (const [variant, suffix] of [
    ['local', ''],
    ['redis', ' (redis)'],
  ]) {
    if (variant === 'redis' && !results.reconnectStorm.redis && !results.presenceChurn.redis) continue;
    rows.push(
      ...stormRows(results.reconnectStorm[variant], `reconnect storm${suffix}`),
      ...churnRows(results.presenceChurn[variant], `presence churn${suffix}`),
      ...fanOutRows(results.fanOut[variant] ?? [], `fan-out${suffix}`),
    );
  }
  const header = ['deployment scenarios', 'baseline', 'generated', 'gen ÷ base', 'target'];
  const cells = rows.map(([label, base, generated, r, target]) => [
    label,
    base,
    generated,
    Number.isFinite(r) ? r.toFixed(2) : '',
    target,
  ]);
  return alignColumns([header, ...cells], [0, 4]);
}

/**
 * Lost messages, clients that never came back, and missing presence make a run broken; timings never do.
 *
 * @param {ResultsDocument} results
 * @param {{ redisRequested: boolean }} options
 */
export function scenarioProblems(results, { redisRequested }) {
  /** @type {string[]} */
  const problems = [];
  const variants = redisRequested ? ['local', 'redis'] : ['local'];
  for (const variant of variants) {
    for (const name of SYSTEM_NAMES) {
      const where = `${name}${variant === 'redis' ? ' with redis' : ''}`;
      const storm = results.reconnectStorm[variant]?.[name];
      if (storm) {
        if (storm.stayerMessagesLost !== 0) {
          problems.push(
            `reconnect storm, ${where}: ${storm.stayerMessagesLost} deliveries to clients that stayed were lost`,
          );
        }
        if (storm.rejoined !== storm.movers) {
          problems.push(
            `reconnect storm, ${where}: ${storm.rejoined} of ${storm.movers} clients came back (${storm.firstRefusal ?? 'no refusal seen'})`,
          );
        }
        if (storm.chat.errors > 0) problems.push(`reconnect storm, ${where}: chat failed: ${storm.chat.firstError}`);
      }
      const churn = results.presenceChurn[variant]?.[name];
      if (churn && churn.presenceEvents < churn.expectedPresenceEvents) {
        problems.push(
          `presence churn, ${where}: ${churn.presenceEvents} of ${churn.expectedPresenceEvents} presence events arrived`,
        );
      }
    }
    for (const [key, label] of [
      ['reconnectStorm', 'reconnect storm'],
      ['presenceChurn', 'presence churn'],
    ]) {
      if (!results[key][variant]) problems.push(`${label}${variant === 'redis' ? ' with redis' : ''} did not complete`);
    }
    if ((results.fanOut[variant] ?? []).length === 0)
      problems.push(`fan-out${variant === 'redis' ? ' with redis' : ''} did not complete`);
  }
  return problems;
}
