import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from './apps';

/**
 * The test-count line of a Jest ("Tests:       12 passed, 12 total") or Vitest ("Tests  12 passed (12)")
 * run, recorded in the run folder's summary so the counts of every host can be quoted after a run.
 */
export function recordTestCounts(label: string, output: string): string {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const line = /^\s*Tests:?\s+(.+)$/m.exec(plain)?.[1]?.trim() ?? 'no count found';
  appendFileSync(join(runDir(), 'summary.txt'), `${label}: ${line}\n`);
  return line;
}

export function recordNote(label: string, text: string): void {
  appendFileSync(join(runDir(), 'summary.txt'), `${label}: ${text}\n`);
}
