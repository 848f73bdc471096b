// @ts-check
// Plain-text tables for the bench's report.

/**
 * Rows of text cells as aligned columns: the `leftAligned` ones padded on the right, numbers on the left.
 *
 * @param {string[][]} rows
 * @param {number[]} leftAligned
 */
export function alignColumns(rows, leftAligned) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (/** @type {string[]} */ row) =>
    row
      .map((cell, column) =>
        leftAligned.includes(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('   ')
      .trimEnd();
  return rows.map(line).join('\n');
}
