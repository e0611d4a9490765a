/** test/conformance/corpus.ts: one environment variable, a default beside the repository, a loud error when missing. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { conformanceDir, CONFORMANCE_DIR_ENV } from './corpus';

describe('conformanceDir', () => {
  it('defaults to ../shared/conformance beside the repository', () => {
    const expected = resolve(__dirname, '../../../shared/conformance');
    try {
      expect(conformanceDir({})).toBe(expected);
    } catch (e) {
      // without the corpus the default still is the path it names
      expect((e as Error).message).toContain(expected);
    }
  });

  it(`uses ${CONFORMANCE_DIR_ENV} when set`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwright-corpus-'));
    expect(conformanceDir({ [CONFORMANCE_DIR_ENV]: dir })).toBe(dir);
  });

  it('throws, naming the path it looked for, when the folder is missing', () => {
    const missing = join(tmpdir(), 'stepwright-no-such-corpus');
    expect(() => conformanceDir({ [CONFORMANCE_DIR_ENV]: missing })).toThrow(`conformance corpus not found at ${missing}`);
  });
});
