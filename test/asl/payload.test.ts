import { resolvePayloadTemplate } from '../../lambda/asl/payload';
import type { PathScope, RandomSource } from '../../lambda/asl/scope';
import { statesErrorOf } from './helpers';

function scope(input: unknown, variables: Record<string, unknown> = {}, context: unknown = {}): PathScope {
  return {
    input,
    context,
    variable: (name) => (Object.prototype.hasOwnProperty.call(variables, name) ? { found: true, value: variables[name] } : { found: false }),
  };
}

const random: RandomSource = { random: () => 0.25, uuid: () => '11111111-2222-4333-8444-555555555555' };

function resolve(template: unknown, s: PathScope, field = 'Parameters'): unknown {
  return resolvePayloadTemplate(template, s, random, field);
}

const failure = statesErrorOf;

describe('resolvePayloadTemplate', () => {
  const input = { flagged: 7, vals: [0, 10, 20, 30, 40, 50], name: 'Arnav', obj: { k: 'v' } };
  const s = scope(input, { greeting: 'hi', list: [1, 2] }, { Execution: { Id: 'arn:exec', Input: input }, Map: { Item: { Value: 'item' } } });

  test('literal values are copied as they are, at any depth', () => {
    const template = {
      Comment: 'Comment text',
      flag: true,
      n: 1.5,
      nothing: null,
      str: '$.not.a.path.without.the.suffix',
      nested: { deep: ['a', { b: 'States.Format(no)' }] },
    };
    expect(resolve(template, s)).toEqual(template);
  });

  test('the states-language spec example: paths and slices', () => {
    const template = { flagged: true, parts: { 'first.$': '$.vals[0]', 'last3.$': '$.vals[3:]' } };
    expect(resolve(template, s)).toEqual({ flagged: true, parts: { first: 0, last3: [30, 40, 50] } });
  });

  test('".$" keys read the input, the context object and variables', () => {
    expect(
      resolve({ 'all.$': '$', 'ctx.$': '$$.Execution.Id', 'item.$': '$$.Map.Item.Value', 'v.$': '$greeting', 'l.$': '$list[1]', 'o.$': '$.obj' }, s),
    ).toEqual({ all: input, ctx: 'arn:exec', item: 'item', v: 'hi', l: 2, o: { k: 'v' } });
  });

  test('".$" keys evaluate intrinsic functions', () => {
    expect(
      resolve(
        {
          'greeting.$': "States.Format('Hello, {}', $.name)",
          'id.$': 'States.UUID()',
          'sum.$': 'States.MathAdd($.flagged, $list[0])',
          nested: [{ 'arr.$': 'States.Array($greeting, $$.Execution.Id)' }],
        },
        s,
      ),
    ).toEqual({ greeting: 'Hello, Arnav', id: '11111111-2222-4333-8444-555555555555', sum: 8, nested: [{ arr: ['hi', 'arn:exec'] }] });
  });

  test('arrays are resolved element by element; non-object templates pass through', () => {
    expect(resolve([{ 'a.$': '$.name' }, 'x', 1, [{ 'b.$': '$.flagged' }]], s)).toEqual([{ a: 'Arnav' }, 'x', 1, [{ b: 7 }]]);
    expect(resolve('plain', s)).toBe('plain');
    expect(resolve(null, s)).toBeNull();
  });

  test('the result never shares containers with the template', () => {
    const template = { a: { b: [1, { c: 2 }] } };
    const out = resolve(template, s) as typeof template;
    expect(out).toEqual(template);
    expect(out.a).not.toBe(template.a);
    expect(out.a.b).not.toBe(template.a.b);
    expect(out.a.b[1]).not.toBe(template.a.b[1]);
  });

  test('a key that is only ".$" is an ordinary key; "__proto__" is an ordinary key', () => {
    expect(resolve({ '.$': 'x' }, s)).toEqual({ '.$': 'x' });
    const out = resolve(JSON.parse('{"__proto__.$": "$.name", "__proto__x": 1}'), s) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(out['__proto__']).toBe('Arnav');
  });

  test('a path that finds nothing: States.Runtime with the AWS text (corpus io-processing)', () => {
    const inp = scope({ 'int-literal': 0 }, {}, { Execution: { Input: { 'int-literal': 0 } } });
    const e1 = failure(() => resolve({ 'value.$': '$.no_such_jsonpath' }, inp));
    expect(e1.error).toBe('States.Runtime');
    expect(e1.cause).toBe(`The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`);
    const e2 = failure(() => resolve({ nested: { 'value.$': '$$.Execution.Input.no_such_jsonpath' } }, inp));
    expect(e2.cause).toBe(
      `The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`,
    );
    expect(failure(() => resolve({ 'v.$': '$undefinedVar' }, inp)).cause).toBe(
      `The JSONPath '$undefinedVar' specified for the field 'v.$' could not be found in the input '{"int-literal":0}'`,
    );
    expect(failure(() => resolve({ 'v.$': '$.a.b' }, scope({ a: 'str' }))).cause).toContain("The JSONPath '$.a.b' specified for the field 'v.$'");
  });

  test('a path inside an intrinsic that finds nothing names the field too', () => {
    const e = failure(() => resolve({ 'msg.$': "States.Format('{}', $.missing)" }, scope({})));
    expect(e.error).toBe('States.Runtime');
    expect(e.cause).toBe("The JSONPath '$.missing' specified for the field 'msg.$' could not be found in the input '{}'");
  });

  test('indefinite paths that match nothing give [] (corpus)', () => {
    expect(resolve({ 'item.$': '$.items[*].itemValue' }, scope({}))).toEqual({ item: [] });
  });

  test('intrinsic failures propagate as States.IntrinsicFailure', () => {
    const e = failure(() => resolve({ 'x.$': 'States.ArrayGetItem($.vals, 99)' }, s));
    expect(e.error).toBe('States.IntrinsicFailure');
    expect(e.cause).toContain('index 99 is out of bounds');
  });

  test('a ".$" value that is neither a path nor an intrinsic is rejected', () => {
    for (const bad of ['no dollar', 42, null, { a: 1 }, 'States.Nope']) {
      const e = failure(() => resolve({ 'x.$': bad }, s, 'ItemSelector'));
      expect(e.error).toBe('States.Runtime');
      expect(e.cause).toBe(
        `The value for the field 'x.$' in 'ItemSelector' must be a valid JSONPath or a valid intrinsic function call, but was ${JSON.stringify(bad)}`,
      );
    }
  });
});
