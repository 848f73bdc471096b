import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHostFormatter } from '../../src/utils/formatting';

describe('loadHostFormatter', () => {
  it("formats with the host's Prettier and the host's config", async () => {
    const format = loadHostFormatter(join(__dirname, '../fixtures/prettier-host'));
    expect(format).toBeDefined();
    const formatted = await format!(
      '/src/x.ts',
      "export const greeting = { text: 'hello', to: 'a long list of people' };\n",
    );
    expect(formatted).toBe(
      ['export const greeting = {', '  text: "hello",', '  to: "a long list of people",', '}', ''].join('\n'),
    );
  });

  it('is undefined when the host has no Prettier', () => {
    const bare = mkdtempSync(join(tmpdir(), 'no-prettier-'));
    try {
      expect(loadHostFormatter(bare)).toBeUndefined();
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
