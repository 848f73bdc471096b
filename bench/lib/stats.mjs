// Small statistics helpers shared by the scenarios and the report.

/** The p-th percentile (0–100) of the values, nearest rank; NaN when there are none. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

export function median(values) {
  return percentile(values, 50);
}

/** a ÷ b, or NaN when either is missing or b is zero. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
