/**
 * The interpreter's fast paths give the same answers as the slow ones: the recursive JSON measure
 * agrees with the explicit-stack walk (sizes, depths and where both stop), payload templates worked
 * out once per template object still read each input afresh and fail at each use, and a JSONPath
 * state run synchronously still reaches Retry/Catch and the execution's end as before.
 */
import { measureIteratively, measureJson, MAX_DATA_DEPTH } from '../../lambda/engine/limits';
import { resolvePayloadTemplate } from '../../lambda/asl/payload';
import { runExecution } from '../../lambda/local/runner';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { PathScope } from '../../lambda/asl/scope';

const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };
const scope = (input: unknown): PathScope => ({ input, context: {}, variable: () => ({ found: false }) });

function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

describe('measureJson (recursive) against the explicit-stack walk', () => {
  const big = { list: new Array(300).fill('x'.repeat(40)) }; // cached subtree (over the cache threshold)
  const values: unknown[] = [
    null,
    undefined,
    0,
    -1.5e-7,
    NaN,
    'plain',
    'quote " and \\ and \n and é and 😀 and \ud800',
    'x'.repeat(100),
    [],
    {},
    [undefined, () => 1, Symbol('s'), null],
    { a: undefined, b: () => 1, c: 1, 'ké"y': [1, { d: 'e' }] },
    { toJSON: () => ({ replaced: true }) },
    { when: new Date(0) },
    { big, again: big, inner: [big] },
    nested(50),
    nested(MAX_DATA_DEPTH),
    nested(MAX_DATA_DEPTH + 5),
  ];
  it.each(values.map((v, i) => [i, v]))('value #%i: same bytes and depth, unbounded and bounded', (_, v) => {
    expect(measureJson(v)).toEqual(measureIteratively(v, Infinity, Infinity));
    for (const [bytes, depth] of [
      [Infinity, MAX_DATA_DEPTH],
      [10, Infinity],
      [10, 3],
      [1000, 2],
    ]) {
      expect(measureJson(v, bytes, depth)).toEqual(measureIteratively(v, bytes, depth));
    }
  });

  it('counts the digits of integers as JSON.stringify writes them', () => {
    const numbers = [0, -0, 7, -7, 9, 10, -10, 99, 100, 123456789, -987654321, 1e15, 999_999_999_999_999, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1e21, 1.5, -0.001, 1e-7];
    for (let k = 0; k <= 15; k++) numbers.push(10 ** k, 10 ** k - 1, -(10 ** k));
    for (const n of numbers) expect(measureJson([n]).bytes).toBe(Buffer.byteLength(JSON.stringify([n])));
  });

  it('falls back to the explicit stack for data deeper than recursion may go', () => {
    const deep = nested(20_000);
    expect(measureJson(deep)).toEqual(measureIteratively(deep, Infinity, Infinity));
    expect(measureJson(deep).depth).toBe(20_000);
  });
});

describe('payload templates worked out once per template object', () => {
  it('reads each input afresh with the same template object', () => {
    const template = { 'a.$': '$.x', 'n.$': 'States.MathAdd($.x, 1)', fixed: { deep: [1, 2] } };
    const first = resolvePayloadTemplate(template, scope({ x: 1 }), random, 'Parameters');
    const second = resolvePayloadTemplate(template, scope({ x: 41 }), random, 'Parameters');
    expect(first).toEqual({ a: 1, n: 2, fixed: { deep: [1, 2] } });
    expect(second).toEqual({ a: 41, n: 42, fixed: { deep: [1, 2] } });
    // containers of the template are copied, never shared with a result
    expect((second as { fixed: unknown }).fixed).not.toBe(template.fixed);
  });

  it('fails at every use, in key order, with the same error', () => {
    const template = { 'ok.$': '$.x', 'bad.$': 'States.Nope($.x)', 'missing.$': '$.y' };
    for (let i = 0; i < 2; i++) {
      expect(() => resolvePayloadTemplate(template, scope({ x: 1 }), random, 'Parameters')).toThrow(/unknown function 'States.Nope'/);
    }
    const pathFirst = { 'missing.$': '$.y', 'bad.$': 'States.Nope($.x)' };
    for (let i = 0; i < 2; i++) {
      expect(() => resolvePayloadTemplate(pathFirst, scope({ x: 1 }), random, 'Parameters')).toThrow("The JSONPath '$.y' specified for the field 'missing.$' could not be found");
    }
  });
});

describe('JSONPath states run synchronously', () => {
  it('still go through Catch, Choice and Fail as the asynchronous path did', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Shape',
      States: {
        Shape: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, ResultPath: '$.shaped', Next: 'Pick' },
        Pick: { Type: 'Choice', Choices: [{ Variable: '$.shaped.n', NumericGreaterThan: 1, Next: 'Broken' }], Default: 'Stop' },
        Broken: { Type: 'Parallel', Branches: [{ StartAt: 'No', States: { No: { Type: 'Fail', Error: 'Custom.Broken', Cause: 'on purpose' } } }], Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'Stop' }], End: true },
        Stop: { Type: 'Fail', ErrorPath: '$.err.Error', CausePath: "States.Format('n was {}', $.shaped.n)" },
      },
    };
    const big = await runExecution({ definition, input: { n: 2 }, fastTimers: true, random });
    expect(big.status).toBe('FAILED');
    expect(big.error).toBe('Custom.Broken');
    expect(big.cause).toBe('n was 2');
    expect(big.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'FailStateEntered',
      'ParallelStateFailed',
      'ParallelStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    const small = await runExecution({ definition, input: { n: 1 }, fastTimers: true, random });
    expect(small.status).toBe('FAILED');
    // no $.err on this path: ErrorPath finds nothing, a States.Runtime raised by the Fail state itself
    expect(small.error).toBe('States.Runtime');
    expect(small.cause).toMatch(/^An error occurred while executing the state 'Stop' \(entered at the event id #6\)\. The JSONPath '\$\.err\.Error' specified for the field 'ErrorPath' could not be found/);
  });
});

describe('Map items started synchronously (JSONPath) and through promises (JSONata)', () => {
  const items = Array.from({ length: 45 }, (_, i) => ({ n: i })); // more than one window of 40
  const machine = (language: 'JSONPath' | 'JSONata'): StateMachineDefinition => ({
    QueryLanguage: language,
    StartAt: 'Each',
    States: {
      Each:
        language === 'JSONPath'
          ? { Type: 'Map', ItemsPath: '$.items', ItemSelector: { 'i.$': '$$.Map.Item.Index', 'n.$': '$$.Map.Item.Value.n' }, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true }
          : { Type: 'Map', Items: '{% $states.input.items %}', ItemSelector: { i: '{% $states.context.Map.Item.Index %}', n: '{% $states.context.Map.Item.Value.n %}' }, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
    },
  });

  it('give the same output and the same history', async () => {
    const viaPath = await runExecution({ definition: machine('JSONPath'), input: { items }, fastTimers: true, random });
    const viaJsonata = await runExecution({ definition: machine('JSONata'), input: { items }, fastTimers: true, random });
    expect(viaPath.status).toBe('SUCCEEDED');
    expect(viaPath.output).toEqual(items.map((item, i) => ({ i, n: item.n })));
    expect(viaJsonata.output).toEqual(viaPath.output);
    const shape = (h: typeof viaPath.history) => h.map((e) => `${e.id} ${e.type} ${JSON.stringify((e.mapIterationStartedEventDetails ?? e.mapIterationSucceededEventDetails ?? {}))}`);
    expect(shape(viaJsonata.history)).toEqual(shape(viaPath.history));
    expect(viaPath.history.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(45);
  });
});
