/**
 * The intrinsics' fast paths (lambda/asl/intrinsics.ts compiles each parsed call once; the functions
 * in intrinsic-functions.ts take shortcuts for the common cases) give what the general way gives.
 */
import { createHash } from 'node:crypto';
import { evaluateIntrinsic, intrinsicEvaluator, parseIntrinsic } from '../../lambda/asl/intrinsics';
import { resolvePayloadTemplate } from '../../lambda/asl/payload';
import type { PathScope, RandomSource } from '../../lambda/asl/scope';
import { statesErrorOf } from './helpers';

const random: RandomSource = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };
const scope = (input: unknown): PathScope => ({ input, context: {}, variable: () => ({ found: false }) });
const run = (expr: string, input: unknown = {}): unknown => evaluateIntrinsic(expr, scope(input), random);

describe('a compiled intrinsic call', () => {
  it('is made once per parsed call and reads each evaluation its own input', () => {
    const ast = parseIntrinsic("States.Format('{} has {} items', $.name, States.ArrayLength($.items))");
    expect(intrinsicEvaluator(ast)).toBe(intrinsicEvaluator(ast));
    expect(evaluateIntrinsic(ast, scope({ name: 'a', items: [1] }), random)).toBe('a has 1 items');
    expect(evaluateIntrinsic(ast, scope({ name: 'b', items: [1, 2, 3] }), random)).toBe('b has 3 items');
  });

  it('evaluates its arguments left to right: the first failing one is reported', () => {
    const e = statesErrorOf(() => run("States.Array($.missing, States.StringToJson('not json'))", {}));
    expect(e.error).toBe('States.Runtime');
    expect(e.cause).toContain("The JSONPath '$.missing'");
    const f = statesErrorOf(() => run("States.Array(States.StringToJson('not json'), $.missing)", {}));
    expect(f.error).toBe('States.IntrinsicFailure');
  });

  it('returns a fresh array for every evaluation of States.Array', () => {
    const ast = parseIntrinsic('States.Array($.a, $.b, $.c)');
    const first = evaluateIntrinsic(ast, scope({ a: 1, b: 2, c: 3 }), random);
    const second = evaluateIntrinsic(ast, scope({ a: 4, b: 5, c: 6 }), random);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([4, 5, 6]);
    expect(first).not.toBe(second);
  });

  it('names the template field of a path that finds nothing (payload templates keep the evaluator)', () => {
    const template = { 'n.$': 'States.MathAdd($.x, 1)' };
    expect(resolvePayloadTemplate(template, scope({ x: 1 }), random, 'Parameters')).toEqual({ n: 2 });
    expect(resolvePayloadTemplate(template, scope({ x: 41 }), random, 'Parameters')).toEqual({ n: 42 });
    const e = statesErrorOf(() => resolvePayloadTemplate(template, scope({}), random, 'Parameters'));
    expect(e.cause).toContain("The JSONPath '$.x' specified for the field 'n.$' could not be found");
  });

  it('formats a literal template with escapes the same on every evaluation, and a template read from a path unescaped', () => {
    const expr = "States.Format('\\{{}\\} {}', $.a, $.b)";
    expect(run(expr, { a: 1, b: 'x' })).toBe('{1} x');
    expect(run(expr, { a: 2, b: 'y' })).toBe('{2} y');
    expect(run('States.Format($.t, $.a)', { t: 'a {} b', a: [1, 'z'] })).toBe('a [1, z] b');
    expect(statesErrorOf(() => run("States.Format('{} {}', $.a)", { a: 1 })).cause).toContain("2 placeholder(s) '{}' but 1 value(s)");
  });
});

describe('the functions fast paths', () => {
  it('States.Format writes integers as Java does, within and beyond the safe range', () => {
    expect(run("States.Format('{} {} {} {}', $.a, $.b, $.c, $.d)", { a: 42, b: -7, c: 2 ** 53 + 2, d: 1.5 })).toBe('42 -7 9007199254740994 1.5');
    expect(run("States.Format('{}', $.a)", { a: 1e18 })).toBe('1000000000000000000'); // a long, past 2^53
    expect(run("States.Format('{}', $.a)", { a: 1e20 })).toBe('1.0E20'); // past 2^63: a double
  });

  it.each([
    ['alpha,,beta,', ',', ['alpha', 'beta']],
    [',,,', ',', []],
    ['', ',', []],
    ['a\ud800,b', ',', ['a\ud800', 'b']],
    ['a, b;c', ', ;', ['a', 'b', 'c']],
    ['a😀b😀😀c', '😀', ['a', 'b', 'c']],
  ])('States.StringSplit(%j, %j) is %j', (text, delimiter, tokens) => {
    expect(run('States.StringSplit($.t, $.d)', { t: text, d: delimiter })).toEqual(tokens);
  });

  it('States.StringToJson turns every -0 into 0, and parses texts without a minus as they are', () => {
    const parsed = run('States.StringToJson($.t)', { t: '[-0, -0.0, {"a": -1e-400}, -2]' }) as unknown[];
    expect(parsed).toEqual([0, 0, { a: 0 }, -2]);
    expect(Object.is(parsed[0], 0) && Object.is((parsed[2] as { a: number }).a, 0)).toBe(true);
    expect(run('States.StringToJson($.t)', { t: '{"a":[1,2,{"b":"c"}]}' })).toEqual({ a: [1, 2, { b: 'c' }] });
  });

  it('States.StringToJson still refuses data nested deeper than the limit, at the shortest text that does it', () => {
    const text = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
    expect(() => run('States.StringToJson($.t)', { t: text(1000) })).not.toThrow();
    expect(statesErrorOf(() => run('States.StringToJson($.t)', { t: text(1001) })).error).toBe('States.DataLimitExceeded');
  });

  it.each(['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'])('States.Hash with %s hashes the UTF-8 bytes', (algorithm) => {
    const text = 'héllo 😀 \u0000';
    const node = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[algorithm]!;
    expect(run('States.Hash($.t, $.a)', { t: text, a: algorithm })).toBe(createHash(node).update(Buffer.from(text, 'utf8')).digest('hex'));
  });
});
