// Turns the raw measurements into the headline figures, the printed table and the --check verdict.
import { scenarioHeadline, scenarioProblems } from './scenario-report.mjs';
import { median, ratio } from './stats.mjs';

const SYSTEMS = ['baseline', 'generated'];

/** Each round yields a baseline run and a generated run, measured side by side. */
function rounds(throughputRuns) {
  const bySystem = (name) => throughputRuns.filter((run) => run.system === name);
  const [baseline, generated] = SYSTEMS.map(bySystem);
  return baseline.slice(0, generated.length).map((base, index) => ({ baseline: base, generated: generated[index] }));
}

function medianOf(runs, pick) {
  return median(runs.map(pick).filter(Number.isFinite));
}

const FIGURES = {
  saturationPerSecond: (run) => run.saturated.ackedPerSecond,
  stepUpPeakPerSecond: (run) => run.saturation.maxAckedPerSecond,
  fixedRatePerSecond: (run) => run.fixed.offeredPerSecond,
  serverCpuUsPerMessage: (run) => run.fixed.serverCpuUsPerMessage,
  p50AckMs: (run) => run.fixed.p50AckMs,
  p99AckMs: (run) => run.fixed.p99AckMs,
};

/** Median over rounds of generated ÷ baseline, each ratio taken within one round. */
function medianRatio(pairs, pick) {
  return median(pairs.map(({ baseline, generated }) => ratio(pick(generated), pick(baseline))).filter(Number.isFinite));
}

const finiteOrNull = (value) => (Number.isFinite(value) ? value : null);

/** The results document written to bench/results/latest.json (NaN becomes null). */
export function summarize({ meta, throughputRuns, idle, redis, coldStart, schematic, generator, genToGreen, scenarios, failures }) {
  const pairs = rounds(throughputRuns);
  const medians = Object.fromEntries(
    SYSTEMS.map((name) => {
      const runs = throughputRuns.filter((run) => run.system === name);
      return [name, Object.fromEntries(Object.entries(FIGURES).map(([key, pick]) => [key, medianOf(runs, pick)]))];
    }),
  );
  const headline = {
    throughputRatio: medianRatio(pairs, FIGURES.saturationPerSecond),
    stepUpPeakRatio: medianRatio(pairs, FIGURES.stepUpPeakPerSecond),
    serverCpuPerMessageRatio: medianRatio(pairs, FIGURES.serverCpuUsPerMessage),
    p50AckLatencyRatio: medianRatio(pairs, FIGURES.p50AckMs),
    p99AckLatencyRatio: medianRatio(pairs, FIGURES.p99AckMs),
    kbPerIdleConnection: idle.generated?.kbPerConnection,
    baselineKbPerIdleConnection: idle.baseline?.kbPerConnection,
    idleConnectionRatio: ratio(idle.generated?.kbPerConnection, idle.baseline?.kbPerConnection),
    heapKbPerIdleConnection: idle.generated?.heapKbPerConnection,
    baselineHeapKbPerIdleConnection: idle.baseline?.heapKbPerConnection,
    idleConnections: meta.settings.idle.connections,
    idleConnectionsHeld: idle.generated?.held,
    baselineIdleConnectionsHeld: idle.baseline?.held,
    redisCrossInstanceP99Ms: redis?.p99Ms,
    schematicMedianMs: schematic?.medianMs,
    generatorWallRatio: generator?.ratio,
    generatorWallMs: generator?.generatorWallMs,
    nestGatewayWallMs: generator?.nestGatewayWallMs,
    genToGreenSeconds: genToGreen?.seconds,
    coldStartMedianMs: coldStart.generated?.medianMs,
    baselineColdStartMedianMs: coldStart.baseline?.medianMs,
    ...scenarioHeadline(scenarios),
  };
  const document = {
    ...meta,
    ...headline,
    medians,
    rounds: pairs.length,
    throughputRuns,
    idle,
    redis,
    coldStart,
    schematic,
    generator,
    genToGreen,
    failures,
  };
  return JSON.parse(JSON.stringify(document, (_key, value) => (typeof value === 'number' ? finiteOrNull(value) : value)));
}

const format = {
  count: (value) => (value === null ? '—' : Math.round(value).toLocaleString('en-US')),
  fixed: (digits, unit = '') => (value) => (value === null ? '—' : `${value.toFixed(digits)}${unit}`),
};
const ms = format.fixed(1, ' ms');

/** The table printed at the end of a run. */
export function renderTable(results) {
  const { medians: m, settings } = results;
  const at = `@ ${format.count(m.baseline.fixedRatePerSecond)} msg/s`;
  const rows = [
    ['acked msg/s at saturation', format.count(m.baseline.saturationPerSecond), format.count(m.generated.saturationPerSecond), results.throughputRatio],
    ['  highest acked in the step-up', format.count(m.baseline.stepUpPeakPerSecond), format.count(m.generated.stepUpPeakPerSecond), results.stepUpPeakRatio],
    [`server CPU µs per message ${at}`, format.fixed(1)(m.baseline.serverCpuUsPerMessage), format.fixed(1)(m.generated.serverCpuUsPerMessage), results.serverCpuPerMessageRatio],
    [`p50 ack latency ${at}`, ms(m.baseline.p50AckMs), ms(m.generated.p50AckMs), results.p50AckLatencyRatio],
    [`p99 ack latency ${at}`, ms(m.baseline.p99AckMs), ms(m.generated.p99AckMs), results.p99AckLatencyRatio],
    [`KB RSS per idle connection (K=${settings.idle.connections})`, format.fixed(1)(results.baselineKbPerIdleConnection), format.fixed(1)(results.kbPerIdleConnection), results.idleConnectionRatio],
    ['  of which V8 heap (after full GC)', format.fixed(1)(results.baselineHeapKbPerIdleConnection), format.fixed(1)(results.heapKbPerIdleConnection), ratio(results.heapKbPerIdleConnection, results.baselineHeapKbPerIdleConnection)],
    ['idle connections held', `${results.baselineIdleConnectionsHeld ?? '—'}`, `${results.idleConnectionsHeld ?? '—'}`, null],
    ['cold start, spawn → listening', ms(results.baselineColdStartMedianMs), ms(results.coldStartMedianMs), ratio(results.coldStartMedianMs, results.baselineColdStartMedianMs)],
    [`schematic realtime-gateway chat (median of ${results.schematic?.runs ?? '—'})`, '', ms(results.schematicMedianMs), null],
    [
      `nest g: realtime-gateway ÷ Nest's gateway (median of ${results.generator?.runs ?? '—'}; target ≤ 1.10)`,
      ms(results.nestGatewayWallMs),
      ms(results.generatorWallMs),
      results.generatorWallRatio,
    ],
    [
      'gen-to-green: nest new → generated tests pass (target ≤ 120 s)',
      '',
      results.genToGreen?.notRun ? 'not run (quick)' : format.fixed(1, ' s')(results.genToGreenSeconds),
      null,
    ],
    ['redis cross-instance delivery p99', '', results.redis ? ms(results.redisCrossInstanceP99Ms) : 'not run (--redis)', null],
  ];
  const header = ['', 'baseline', 'generated', 'gen ÷ base'];
  const cells = rows.map(([label, base, generated, r]) => [label, base, generated, Number.isFinite(r) ? r.toFixed(2) : '']);
  const widths = header.map((_, column) => Math.max(...[header, ...cells].map((row) => row[column].length)));
  const line = (row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]))).join('   ');
  return [line(header), ...cells.map(line)].join('\n');
}

const REQUIRED = [
  'throughputRatio',
  'serverCpuPerMessageRatio',
  'p99AckLatencyRatio',
  'kbPerIdleConnection',
  'baselineKbPerIdleConnection',
  'idleConnectionsHeld',
  'schematicMedianMs',
  'generatorWallRatio',
  'coldStartMedianMs',
];

/** What makes this run unusable (never a timing figure); empty when it is sound. */
export function brokenRun(results, { redisRequested }) {
  const problems = [...results.failures];
  for (const field of REQUIRED) {
    if (typeof results[field] !== 'number') problems.push(`${field} is missing or not a number`);
  }
  if (results.settings.genToGreen && typeof results.genToGreenSeconds !== 'number') {
    problems.push('genToGreenSeconds is missing although this mode measures it');
  }
  if (redisRequested && typeof results.redisCrossInstanceP99Ms !== 'number') {
    problems.push('redisCrossInstanceP99Ms is missing although --redis was given');
  }
  if (results.rounds < results.settings.rounds) {
    problems.push(`${results.rounds} of ${results.settings.rounds} throughput rounds completed`);
  }
  for (const run of results.throughputRuns) {
    if (!(run.saturation.maxAckedPerSecond > 0) || !(run.saturated.ackedInWindow > 0) || !(run.fixed.ackedInWindow > 0)) {
      problems.push(`${run.system}: no message was acked in a measuring window`);
    }
  }
  for (const name of SYSTEMS) {
    const idle = results.idle[name];
    if (idle && idle.held !== idle.connections) {
      problems.push(`${name}: held ${idle.held} of ${idle.connections} idle connections (${idle.firstError ?? 'dropped later'})`);
    }
  }
  problems.push(...scenarioProblems(results, { redisRequested }));
  if (results.redis && results.redis.delivered < results.redis.acked) {
    problems.push(`cross-instance: ${results.redis.delivered} of ${results.redis.acked} acked messages were delivered`);
  }
  return problems;
}
