/**
 * Compares an actual JSON value with a recorded expected one, as the corpus README asks: JSON values
 * not text, key order ignored, 1.0 == 1, and placeholder tokens in expected strings match any text.
 * The one JSON comparison of the project: the conformance runner, the corpus tests (test/asl) and the
 * benchmarks' output checks (bench/harness.ts) all use it.
 */

export interface Difference {
  path: string;
  expected: unknown;
  actual: unknown;
}

function placeholderPattern(expected: string, tokens: string[]): RegExp | undefined {
  // longest first: where one token starts another ("<uuid:1>", "<uuid:10>"), the longer one is the token
  const present = tokens.filter((t) => expected.includes(t)).sort((a, b) => b.length - a.length);
  if (present.length === 0) return undefined;
  const escaped = present.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const splitter = new RegExp(`(${escaped.join('|')})`);
  const parts = expected.split(splitter).map((part) => (present.includes(part) ? '[\\s\\S]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`);
}

export function stringMatches(expected: string, actual: unknown, tokens: string[]): boolean {
  if (typeof actual !== 'string') {
    // A whole-value token ("date", "<uuid:1>") may stand for a value that is not a string.
    return tokens.includes(expected) && actual !== undefined;
  }
  if (expected === actual) return true;
  const re = placeholderPattern(expected, tokens);
  return re ? re.test(actual) : false;
}

export function diffJson(expected: unknown, actual: unknown, tokens: string[] = [], path = ''): Difference[] {
  if (typeof expected === 'string') return stringMatches(expected, actual, tokens) ? [] : [{ path: path || '/', expected, actual }];
  if (typeof expected === 'number' && typeof actual === 'number') return expected === actual ? [] : [{ path: path || '/', expected, actual }];
  if (expected === null || typeof expected !== 'object') return expected === actual ? [] : [{ path: path || '/', expected, actual }];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [{ path: path || '/', expected, actual }];
    if (expected.length !== actual.length) return [{ path: `${path}/length`, expected: expected.length, actual: actual.length }];
    return expected.flatMap((e, i) => diffJson(e, actual[i], tokens, `${path}/${i}`));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [{ path: path || '/', expected, actual }];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: Difference[] = [];
  for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
    const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!(k in a)) out.push({ path: p, expected: e[k], actual: undefined });
    else if (!(k in e)) out.push({ path: p, expected: undefined, actual: a[k] });
    else out.push(...diffJson(e[k], a[k], tokens, p));
  }
  return out;
}

/** True when `actual` matches `expected` (placeholder tokens in expected strings stand for any text). */
export function jsonMatches(expected: unknown, actual: unknown, tokens: string[] = []): boolean {
  return diffJson(expected, actual, tokens).length === 0;
}
