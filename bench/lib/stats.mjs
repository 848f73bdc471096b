// @ts-check
// Small statistics helpers shared by the scenarios and the report.

/**
 * The p-th percentile (0–100) of the values, nearest rank; NaN when there are none.
 *
 * @param {number[]} values
 * @param {number} p
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

/** @param {number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/**
 * Whether `value` is a number other than NaN and ±Infinity.
 *
 * @param {unknown} value
 * @returns {value is number}
 */
export function isFiniteNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * a ÷ b, or NaN when either is missing or b is zero.
 *
 * @param {number | null | undefined} a
 * @param {number | null | undefined} b
 */
export function ratio(a, b) {
  return isFiniteNumber(a) && isFiniteNumber(b) && b !== 0 ? a / b : Number.NaN;
}
