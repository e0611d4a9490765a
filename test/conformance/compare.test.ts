/** lambda/conformance/compare.ts: JSON comparison with the corpus's placeholder tokens, and the short diff it reports. */
import { diffJson, jsonMatches, stringMatches } from '../../lambda/conformance/compare';

describe('stringMatches', () => {
  it('equal strings match; different ones do not without tokens', () => {
    expect(stringMatches('abc', 'abc', [])).toBe(true);
    expect(stringMatches('abc', 'abd', [])).toBe(false);
    expect(stringMatches('abc', 1, [])).toBe(false);
  });

  it('a token inside an expected string stands for any text, the rest is literal', () => {
    const tokens = ['<ExecArnPart_0idx>', '<region>'];
    expect(stringMatches('arn:aws:states:<region>:1:execution:sm:<ExecArnPart_0idx>', 'arn:aws:states:eu-west-1:1:execution:sm:run-42', tokens)).toBe(true);
    expect(stringMatches('arn:aws:states:<region>:1:execution:sm:<ExecArnPart_0idx>', 'arn:aws:states:eu-west-1:2:execution:sm:run-42', tokens)).toBe(false);
    // regex metacharacters in the literal part are literal
    expect(stringMatches('a.b <region>', 'aXb us-east-1', tokens)).toBe(false);
    expect(stringMatches('a.b <region>', 'a.b us-east-1', tokens)).toBe(true);
  });

  it('a token counts only when the case lists it', () => {
    expect(stringMatches('id <uuid:1>', 'id 1234', [])).toBe(false);
    expect(stringMatches('id <uuid:1>', 'id 1234', ['<uuid:1>'])).toBe(true);
  });

  it('the longer of two overlapping tokens wins ("<uuid:10>" is not "<uuid:1>" + "0>")', () => {
    expect(stringMatches('<uuid:10>', 'abc', ['<uuid:1>', '<uuid:10>'])).toBe(true);
    expect(stringMatches('x<uuid:10>y', 'x-anything-y', ['<uuid:1>', '<uuid:10>'])).toBe(true);
  });

  it('a whole-value token matches a value that is not a string, but not a missing one', () => {
    expect(stringMatches('RandomNumberGenerated', 17, ['RandomNumberGenerated'])).toBe(true);
    expect(stringMatches('RandomNumberGenerated', undefined, ['RandomNumberGenerated'])).toBe(false);
    expect(stringMatches('RandomNumberGenerated', 17, [])).toBe(false);
  });
});

describe('diffJson', () => {
  it('compares JSON values: key order ignored, 1.0 == 1, strings exact', () => {
    expect(diffJson({ a: 1.0, b: [1, 'x'] }, { b: [1, 'x'], a: 1 })).toEqual([]);
    expect(diffJson('{"a":1}', '{"a": 1}')).toEqual([{ path: '/', expected: '{"a":1}', actual: '{"a": 1}' }]);
    expect(diffJson(null, null)).toEqual([]);
    expect(diffJson(null, 0)).toEqual([{ path: '/', expected: null, actual: 0 }]);
  });

  it('reports each difference at its JSON pointer', () => {
    expect(diffJson({ a: { b: 1, c: 2 }, d: [1, 2] }, { a: { b: 1, c: 3 }, d: [1, 5] })).toEqual([
      { path: '/a/c', expected: 2, actual: 3 },
      { path: '/d/1', expected: 2, actual: 5 },
    ]);
  });

  it('a missing key and an extra key are both differences (undefined on the absent side)', () => {
    expect(diffJson({ a: 1 }, { b: 2 })).toEqual([
      { path: '/a', expected: 1, actual: undefined },
      { path: '/b', expected: undefined, actual: 2 },
    ]);
  });

  it('an array of another length is one short difference at /length, not one per element', () => {
    expect(diffJson({ xs: [1, 2, 3] }, { xs: [1, 2] })).toEqual([{ path: '/xs/length', expected: 3, actual: 2 }]);
  });

  it('a type mismatch is one difference holding both whole values', () => {
    expect(diffJson({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: '/a', expected: [1], actual: { 0: 1 } }]);
    expect(diffJson({ a: 1 }, [1])).toEqual([{ path: '/', expected: { a: 1 }, actual: [1] }]);
  });

  it('escapes "~" and "/" in keys as JSON pointers do', () => {
    expect(diffJson({ 'a/b~c': 1 }, { 'a/b~c': 2 })).toEqual([{ path: '/a~1b~0c', expected: 1, actual: 2 }]);
  });

  it('placeholder tokens apply inside nested strings', () => {
    const tokens = ['date', '<uuid:1>'];
    expect(diffJson({ started: 'date', id: 'run-<uuid:1>' }, { started: '2026-01-01T00:00:00Z', id: 'run-abc' }, tokens)).toEqual([]);
    expect(diffJson({ id: 'run-<uuid:1>' }, { id: 'job-abc' }, tokens)).toEqual([{ path: '/id', expected: 'run-<uuid:1>', actual: 'job-abc' }]);
  });

  it('jsonMatches is diffJson with no difference', () => {
    expect(jsonMatches({ a: 'x <region>' }, { a: 'x us-east-1' }, ['<region>'])).toBe(true);
    expect(jsonMatches({ a: 1 }, { a: 2 })).toBe(false);
  });
});
