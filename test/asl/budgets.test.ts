/**
 * Budgets of evaluation and data (lambda/engine/limits.ts, lambda/asl/jsonata.ts, intrinsics): a
 * hostile expression or input fails with a named error whose cause names the limit, never a hang,
 * a RangeError or an exhausted heap.
 */
import { evaluateJsonataExpression, JSONATA_LIMITS } from '../../lambda/asl/jsonata';
import { evaluateIntrinsic } from '../../lambda/asl/intrinsics';
import { StatesError } from '../../lambda/asl/errors';
import { exceedsBytes, exceedsDepth, measureJson, MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES } from '../../lambda/engine/limits';
import type { PathScope } from '../../lambda/asl/scope';

const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };

function bindings(input: unknown = {}) {
  return { states: { input }, variables: {}, random, nowMillis: 0 };
}

async function failure(expr: string, input: unknown = {}): Promise<StatesError> {
  try {
    await evaluateJsonataExpression(`{% ${expr} %}`, bindings(input), 'Output');
  } catch (e) {
    if (e instanceof StatesError) return e;
    throw e;
  }
  throw new Error(`'${expr}' did not fail`);
}

/** `[[[...]]]`: `depth` levels of arrays around a 0. */
function nested(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const scope = (input: unknown): PathScope => ({ input, context: {} }) as PathScope;

describe('JSONata evaluation budgets', () => {
  it('an endless tail recursion fails with States.QueryEvaluationError naming the step budget', async () => {
    // A smaller budget than the default keeps this quick on a loaded machine; test/local/hostile.test.ts runs the default one.
    const saved = JSONATA_LIMITS.maxSteps;
    JSONATA_LIMITS.maxSteps = 100_000;
    try {
      const e = await failure('($f := function($n){ $f($n+1) }; $f(0))');
      expect(e.error).toBe('States.QueryEvaluationError');
      expect(e.cause).toContain('evaluation budget of 100000 steps');
      expect(e.cause).toContain("specified for the field 'Output'");
    } finally {
      JSONATA_LIMITS.maxSteps = saved;
    }
  });

  it('an endless non-tail recursion fails naming the stack depth limit', async () => {
    const e = await failure('($f := function($n){ 1 + $f($n+1) }; $f(0))');
    expect(e.error).toBe('States.QueryEvaluationError');
    expect(e.cause).toContain(`stack depth limit of ${JSONATA_LIMITS.maxStackDepth}`);
  });

  it('$count([1..10000000].[1..100]) fails with States.DataLimitExceeded naming the sequence limit', async () => {
    const e = await failure('$count([1..10000000].[1..100])');
    expect(e.error).toBe('States.DataLimitExceeded');
    expect(e.cause).toContain(`more than ${JSONATA_LIMITS.maxSequence} items`);
  });

  it('a blow-up of small ranges fails on the memory budget before it materialises', async () => {
    const e = await failure('$count([1..100000].[1..100])');
    expect(e.error).toBe('States.DataLimitExceeded');
    expect(e.cause).toContain(`${JSONATA_LIMITS.maxMaterialisedItems} items in all`);
    const nestedRanges = await failure('[1..100000].[[1..100000]]');
    expect(nestedRanges.error).toBe('States.DataLimitExceeded');
  });

  it('arrays stop at the payload limit: 131,072 items pass, 131,073 fail', async () => {
    await expect(evaluateJsonataExpression(`{% $count([1..${MAX_PAYLOAD_BYTES / 2}]) %}`, bindings(), 'Output')).resolves.toBe(MAX_PAYLOAD_BYTES / 2);
    const e = await failure(`[1..${MAX_PAYLOAD_BYTES / 2 + 1}]`);
    expect(e.error).toBe('States.DataLimitExceeded');
    expect(e.cause).toContain(`${MAX_PAYLOAD_BYTES} bytes`);
  });

  it('strings longer than the payload limit fail, one or many', async () => {
    const one = await failure('$pad("", 100000000)');
    expect(one.error).toBe('States.DataLimitExceeded');
    expect(one.cause).toContain('produced a string of 100000000 characters');
    const many = await failure('[1..100000].($pad("", 200000))');
    expect(many.error).toBe('States.DataLimitExceeded');
    expect(many.cause).toContain(`${JSONATA_LIMITS.maxBuiltCharacters} characters in all`);
  });

  it('a value built deeper than the data depth limit fails; at the limit it is returned', async () => {
    const atLimit = await evaluateJsonataExpression(`{% $reduce([1..${MAX_DATA_DEPTH - 1}], function($a, $v){ {"a": $a} }, {}) %}`, bindings(), 'Output');
    expect(measureJson(atLimit).depth).toBe(MAX_DATA_DEPTH);
    const e = await failure(`$reduce([1..${MAX_DATA_DEPTH}], function($a, $v){ {"a": $a} }, {})`);
    expect(e.error).toBe('States.DataLimitExceeded');
    expect(e.cause).toContain(`more than ${MAX_DATA_DEPTH} levels deep`);
    const parsed = await failure(`$parse($join([1..${MAX_DATA_DEPTH + 1}].("["), "") & $join([1..${MAX_DATA_DEPTH + 1}].("]"), ""))`);
    expect(parsed.error).toBe('States.DataLimitExceeded');
    expect(parsed.cause).toContain(`${MAX_DATA_DEPTH} levels`);
  });

  it('input at the depth limit goes through the recursive JSONata walkers ($string, **, transform)', async () => {
    const deep = nested(MAX_DATA_DEPTH);
    const text = await evaluateJsonataExpression('{% $string($states.input) %}', bindings(deep), 'Output');
    expect(text).toBe(JSON.stringify(deep));
    await expect(evaluateJsonataExpression('{% $count($states.input.**) > 0 %}', bindings({ a: nested(MAX_DATA_DEPTH - 1) }), 'Output')).resolves.toBe(true);
  });

  it('a long evaluation yields to the event loop: timers fire while it runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // 20,000 items mapped: tens of thousands of steps, so several yields
      await evaluateJsonataExpression('{% $count($map([1..20000], function($v){ $v * 2 })) %}', bindings(), 'Output');
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('normal expressions are unaffected', async () => {
    await expect(evaluateJsonataExpression('{% $sum($states.input.xs) %}', bindings({ xs: [1, 2, 3] }), 'Output')).resolves.toBe(6);
    await expect(evaluateJsonataExpression('{% $states.input.xs ~> $map(function($v){ {"v": $v} }) %}', bindings({ xs: [1, 2] }), 'Output')).resolves.toEqual([{ v: 1 }, { v: 2 }]);
  });
});

describe('intrinsic budgets', () => {
  it('States.ArrayRange keeps AWS cap of 1000 items', () => {
    expect((evaluateIntrinsic('States.ArrayRange(1, 1000, 1)', scope({}), random) as number[]).length).toBe(1000);
    expect(() => evaluateIntrinsic('States.ArrayRange(1, 1001, 1)', scope({}), random)).toThrow(/States.IntrinsicFailure.*at most 1000/);
  });

  it('States.Format and States.JsonToString refuse results past the payload limit', () => {
    const input = { s: 'x'.repeat(100_000) };
    const many = `States.Format('${'{}'.repeat(3)}', $.s, $.s, $.s)`;
    expect(() => evaluateIntrinsic(many, scope(input), random)).toThrow(/States.DataLimitExceeded.*States.Format.*262144 bytes/);
    expect(() => evaluateIntrinsic('States.JsonToString(States.Array($, $, $))', scope(input), random)).toThrow(/States.DataLimitExceeded.*States.JsonToString/);
    expect(evaluateIntrinsic("States.Format('{}{}', $.s, $.s)", scope(input), random)).toHaveLength(200_000);
  });

  it('States.StringToJson refuses a value nested deeper than the depth limit', () => {
    const text = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
    expect(measureJson(evaluateIntrinsic('States.StringToJson($.t)', scope({ t: text(MAX_DATA_DEPTH) }), random)).depth).toBe(MAX_DATA_DEPTH);
    expect(() => evaluateIntrinsic('States.StringToJson($.t)', scope({ t: text(MAX_DATA_DEPTH + 1) }), random)).toThrow(/States.DataLimitExceeded.*1000 levels/);
    expect(() => evaluateIntrinsic('States.StringToJson($.t)', scope({ t: text(100_000) }), random)).toThrow(/States.DataLimitExceeded/);
  });

  it('States.ArrayUnique of 100,000 items keeps the first of each value (one pass)', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ k: i % 3, o: { b: 1, a: 2 } }));
    items.push({ o: { a: 2, b: 1 }, k: 0 }); // equal to the first, keys in another order
    expect(evaluateIntrinsic('States.ArrayUnique($)', scope(items), random)).toEqual([items[0], items[1], items[2]]);
  });

  it('States.Base64Encode and States.Hash keep the 10,000-character cap', () => {
    expect(() => evaluateIntrinsic('States.Base64Encode($.s)', scope({ s: 'x'.repeat(10_001) }), random)).toThrow(/States.IntrinsicFailure.*at most 10000/);
    expect(() => evaluateIntrinsic("States.Hash($.s, 'SHA-256')", scope({ s: 'x'.repeat(10_001) }), random)).toThrow(/States.IntrinsicFailure.*at most 10000/);
  });
});

describe('payload measure', () => {
  it('is exact for JSON.stringify in UTF-8, including escapes, surrogates and dropped members', () => {
    const values: unknown[] = [
      [[0], [0], []],
      { a: undefined, b: [undefined, () => 1], c: 'é€😀', d: '\n\u0001"\\', e: '\ud800x', f: NaN, g: -0, h: 1e21, i: true, j: null },
      '',
      [],
      {},
      Array.from({ length: 3000 }, (_, i) => ({ i, s: 'x'.repeat(i % 7) })),
    ];
    for (const v of values) expect(measureJson(v).bytes).toBe(Buffer.byteLength(JSON.stringify(v)));
  });

  it('240,001 bytes of [[0],[0],...] are within the limit (counted one byte per array too many before)', () => {
    const v = Array.from({ length: 60_000 }, () => [0]);
    expect(Buffer.byteLength(JSON.stringify(v))).toBe(240_001);
    expect(exceedsBytes(v)).toBe(false);
  });

  it('the limit is exact: 262,144 bytes pass, 262,145 fail', () => {
    expect(exceedsBytes('x'.repeat(MAX_PAYLOAD_BYTES - 2))).toBe(false);
    expect(exceedsBytes('x'.repeat(MAX_PAYLOAD_BYTES - 1))).toBe(true);
  });

  it('measures depth without recursion, at any depth', () => {
    expect(exceedsDepth(nested(MAX_DATA_DEPTH))).toBe(false);
    expect(exceedsDepth(nested(MAX_DATA_DEPTH + 1))).toBe(true);
    expect(exceedsDepth(nested(1_000_000))).toBe(true);
    expect(measureJson(nested(100_000)).bytes).toBe(200_001);
  });
});
