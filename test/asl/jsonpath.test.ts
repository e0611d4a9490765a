import {
  queryPath,
  isReferencePath,
  isDefinitePath,
  selectInputOrOutputPath,
  applyResultPath,
  jsonEquals,
  javaToString,
  javaNumberToString,
} from '../../lambda/asl/jsonpath';
import type { PathScope } from '../../lambda/asl/scope';
import { statesErrorOf } from './helpers';

function scope(input: unknown, variables: Record<string, unknown> = {}, context: unknown = {}): PathScope {
  return {
    input,
    context,
    variable: (name) => (Object.prototype.hasOwnProperty.call(variables, name) ? { found: true, value: variables[name] } : { found: false }),
  };
}

function value(path: string, s: PathScope): unknown {
  const r = queryPath(path, s);
  if (!r.found) throw new Error(`not found: ${r.reason}`);
  return r.value;
}

function reason(path: string, s: PathScope): string | undefined {
  const r = queryPath(path, s);
  if (r.found) throw new Error(`unexpectedly found ${JSON.stringify(r.value)}`);
  return r.reason;
}

const thrown = statesErrorOf;

const store = {
  store: {
    book: [
      { category: 'reference', author: 'Nigel Rees', title: 'Sayings', price: 8.95 },
      { category: 'fiction', author: 'Evelyn Waugh', title: 'Sword', price: 12.99, isbn: '0-553' },
      { category: 'fiction', author: 'Herman Melville', title: 'Moby Dick', isbn: '0-553-21311-3', price: 8.99 },
      { category: 'fiction', author: 'J. R. R. Tolkien', title: 'LOTR', isbn: '0-395', price: 22.99, tags: ['a', 'b'] },
    ],
    bicycle: { color: 'red', price: 19.95 },
  },
  limit: 10,
  'key with space': 1,
  'a.b': 2,
  nul: null,
  zero: 0,
  str: 'text',
};
const s = scope(store);

describe('queryPath: roots', () => {
  test('$ is the whole input', () => expect(value('$', s)).toBe(store));
  test('$$ is the context object', () => {
    const ctx = { Execution: { Name: 'exec', Input: { a: 1 } } };
    expect(value('$$', scope({}, {}, ctx))).toBe(ctx);
    expect(value('$$.Execution.Name', scope({}, {}, ctx))).toBe('exec');
    expect(value('$$.Execution.Input.a', scope({}, {}, ctx))).toBe(1);
  });
  test('$name is a variable, with a path after it', () => {
    const v = scope({}, { x: 42, obj: { list: [1, { deep: 'yes' }] }, _under: 1, café: 'unicode' });
    expect(value('$x', v)).toBe(42);
    expect(value('$obj.list[1].deep', v)).toBe('yes');
    expect(value("$obj['list'][0]", v)).toBe(1);
    expect(value('$_under', v)).toBe(1);
    expect(value('$café', v)).toBe('unicode');
  });
  test('an undefined variable is not found', () => {
    expect(reason('$nope', scope({}))).toBe("Variable '$nope' is not defined");
    expect(reason('$nope.a', scope({}))).toBe("Variable '$nope' is not defined");
  });
});

describe('queryPath: definite paths', () => {
  test('dot notation', () => {
    expect(value('$.store.bicycle.color', s)).toBe('red');
    expect(value('$.limit', s)).toBe(10);
  });
  test('names with any character but . and [ work in dot notation (Jayway)', () => {
    const v = scope({ 'input-value': 1, 'a:b': 2, 'ünï': 3 });
    expect(value('$.input-value', v)).toBe(1);
    expect(value('$.a:b', v)).toBe(2);
    expect(value('$.ünï', v)).toBe(3);
  });
  test('bracket notation with single and double quotes', () => {
    expect(value("$['store']['bicycle']['color']", s)).toBe('red');
    expect(value('$["store"]["bicycle"]', s)).toEqual({ color: 'red', price: 19.95 });
    expect(value("$['key with space']", s)).toBe(1);
    expect(value("$['a.b']", s)).toBe(2);
    expect(value("$.store.['bicycle'].color", s)).toBe('red'); // AWS documents `$.abc.['def ghi']`
  });
  test('quoted keys are taken verbatim: a backslash only protects the quote (AWS corpus)', () => {
    const key = 'Test\\""Name"';
    expect(value(`$['Test\\""Name"']`, scope({ [key]: 'v' }))).toBe('v');
    expect(value("$['it\\'s']", scope({ "it\\'s": 'v' }))).toBe('v');
  });
  test('array indexes, including negative ones', () => {
    expect(value('$.store.book[0].author', s)).toBe('Nigel Rees');
    expect(value('$.store.book[3].tags[1]', s)).toBe('b');
    expect(value('$.store.book[-1].title', s)).toBe('LOTR');
    expect(value('$[1]', scope(['a', 'b']))).toBe('b');
    expect(value('$[ 1 ]', scope(['a', 'b']))).toBe('b');
  });
  test('null and falsy values are found', () => {
    expect(queryPath('$.nul', s)).toEqual({ found: true, value: null });
    expect(queryPath('$.zero', s)).toEqual({ found: true, value: 0 });
  });
  test('inherited JS properties are not JSON properties', () => {
    expect(queryPath('$.constructor', scope({})).found).toBe(false);
    expect(queryPath('$.__proto__', scope({})).found).toBe(false);
    expect(queryPath('$.length', scope(['a'])).found).toBe(false);
    expect(queryPath('$.str.length', s).found).toBe(false);
  });
  test('a trailing property union is definite and merges into one object (Jayway)', () => {
    expect(value("$.store.bicycle['color','price','nope']", s)).toEqual({ color: 'red', price: 19.95 });
  });
});

describe('queryPath: definite paths that find nothing (Jayway texts)', () => {
  test('missing last property', () => {
    expect(reason('$.NoSuchInputPath', scope({ 'int-literal': 0 }))).toBe("No results for path: $['NoSuchInputPath']");
    expect(reason('$.store.nope', s)).toBe("No results for path: $['store']['nope']");
  });
  test('missing intermediate property', () => {
    expect(reason('$.no.such.result.path', scope({}))).toBe("Missing property in path $['no']");
    expect(reason('$.store.nope.x[0]', s)).toBe("Missing property in path $['store']['nope']");
  });
  test('index out of range names the whole path', () => {
    expect(reason('$.store.book[4]', s)).toBe("No results for path: $['store']['book'][4]");
    expect(reason('$.store.book[9].title', s)).toBe("No results for path: $['store']['book'][9]['title']");
    expect(reason('$.store.book[-5]', s)).toBe("No results for path: $['store']['book'][-5]");
  });
  test('property of a non-object', () => {
    expect(reason('$.str.x', s)).toBe(
      "Expected to find an object with property ['x'] in path $['str'] but found 'java.lang.String'. " +
        "This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.",
    );
    expect(reason('$.nul.x', s)).toContain("in path $['nul'] but found 'null'");
    expect(reason('$.store.book.x', s)).toContain("found 'java.util.ArrayList'");
    expect(reason('$.x', scope(1.5))).toContain("in path $ but found 'java.lang.Double'");
  });
  test('index into a non-array', () => {
    expect(reason('$.store.bicycle[0]', s)).toBe('Filter: [0] can only be applied to arrays. Current context is: {color=red, price=19.95}');
    expect(reason('$.nul[0]', s)).toBe("The path $['nul'] is null");
  });
});

describe('queryPath: indefinite paths return every match', () => {
  test('wildcards on arrays and objects', () => {
    expect(value('$.store.book[*].author', s)).toEqual(['Nigel Rees', 'Evelyn Waugh', 'Herman Melville', 'J. R. R. Tolkien']);
    expect(value('$.store.bicycle.*', s)).toEqual(['red', 19.95]);
    expect(value('$.store.bicycle[*]', s)).toEqual(['red', 19.95]);
  });
  test('slices', () => {
    const arr = scope({ a: [0, 1, 2, 3, 4] });
    expect(value('$.a[1:3]', arr)).toEqual([1, 2]);
    expect(value('$.a[:2]', arr)).toEqual([0, 1]);
    expect(value('$.a[3:]', arr)).toEqual([3, 4]);
    expect(value('$.a[-2:]', arr)).toEqual([3, 4]);
    expect(value('$.a[:-3]', arr)).toEqual([0, 1]);
    expect(value('$.a[2:99]', arr)).toEqual([2, 3, 4]);
    expect(value('$.a[4:1]', arr)).toEqual([]);
  });
  test('index and property unions', () => {
    expect(value('$.store.book[0,2].title', s)).toEqual(['Sayings', 'Moby Dick']);
    expect(value('$.store.book[0,9,-1].title', s)).toEqual(['Sayings', 'LOTR']);
    expect(value("$['store']['bicycle','nope'].color", scope({ store: { bicycle: { color: 'red' } } }))).toEqual(['red']);
  });
  test('deep scan', () => {
    expect(value('$..author', s)).toEqual(['Nigel Rees', 'Evelyn Waugh', 'Herman Melville', 'J. R. R. Tolkien']);
    expect(value('$.store..price', s)).toEqual([8.95, 12.99, 8.99, 22.99, 19.95]);
    expect(value('$..book[2].title', s)).toEqual(['Moby Dick']);
    expect(value('$..tags[*]', s)).toEqual(['a', 'b']);
    expect(value('$..nothing', s)).toEqual([]);
    expect(value('$..*', scope({ a: { b: 1 } }))).toEqual([{ b: 1 }, 1]);
  });
  test('no match is an empty array, never an error (AWS corpus)', () => {
    for (const p of ['$[*]', '$.items[*]', '$.items[1:]', '$.item.items[1:5].itemValue', '$.items[*].itemValue', '$.x[?(@.a)]']) {
      expect(queryPath(p, scope({}))).toEqual({ found: true, value: [] });
    }
  });
  test('isDefinitePath tells the two kinds apart', () => {
    expect(isDefinitePath('$.a.b[0]')).toBe(true);
    expect(isDefinitePath("$['a','b']")).toBe(true);
    for (const p of ['$.a[*]', '$.a[0:1]', '$..a', '$.a[?(@.x)]', '$.a[0,1]', "$['a','b'].c"]) expect(isDefinitePath(p)).toBe(false);
  });
});

describe('queryPath: filters', () => {
  test('comparisons on numbers and strings', () => {
    expect(value('$.store.book[?(@.price < 10)].title', s)).toEqual(['Sayings', 'Moby Dick']);
    expect(value('$.store.book[?(@.price >= 12.99)].title', s)).toEqual(['Sword', 'LOTR']);
    expect(value("$.store.book[?(@.category == 'reference')].title", s)).toEqual(['Sayings']);
    expect(value('$.store.book[?(@.category != "fiction")].title', s)).toEqual(['Sayings']);
    expect(value("$.store.book[?(@.author > 'I')].title", s)).toEqual(['Sayings', 'LOTR']);
  });
  test('equality is typed: the string "0" is not the number 0 (Jayway, unlike JavaScript)', () => {
    const users = scope({ users: [{ status: 0 }, { status: '0' }, { status: 1 }] });
    expect(value('$.users[?(@.status == 0)]', users)).toEqual([{ status: 0 }]);
    expect(value("$.users[?(@.status == '0')]", users)).toEqual([{ status: '0' }]);
  });
  test('AWS corpus filter', () => {
    const input = { users: [{ year: 1997, status: 0 }, { year: 1998, status: 1 }] };
    expect(value('$.users[?(@.status == 0)]', scope(input))).toEqual([{ year: 1997, status: 0 }]);
  });
  test('existence, negation, && and || and parentheses', () => {
    expect(value('$.store.book[?(@.isbn)].title', s)).toEqual(['Sword', 'Moby Dick', 'LOTR']);
    expect(value('$.store.book[?(!@.isbn)].title', s)).toEqual(['Sayings']);
    expect(value("$.store.book[?(@.isbn && @.price < 20)].title", s)).toEqual(['Sword', 'Moby Dick']);
    expect(value("$.store.book[?(@.price > 20 || @.category == 'reference')].title", s)).toEqual(['Sayings', 'LOTR']);
    expect(value("$.store.book[?((@.price > 20 || @.price < 9) && @.isbn)].title", s)).toEqual(['Moby Dick', 'LOTR']);
  });
  test('comparison with the root document', () => {
    expect(value('$.store.book[?(@.price < $.limit)].title', s)).toEqual(['Sayings', 'Moby Dick']);
  });
  test('regex (whole-string match, flags), in, nin, size, empty, subsetof, anyof, noneof, contains', () => {
    expect(value('$.store.book[?(@.author =~ /.*REES/i)].title', s)).toEqual(['Sayings']);
    expect(value('$.store.book[?(@.author =~ /Nigel/)].title', s)).toEqual([]);
    expect(value("$.store.book[?(@.title in ['LOTR', 'Sword'])].price", s)).toEqual([12.99, 22.99]);
    expect(value("$.store.book[?(@.category nin ['fiction'])].title", s)).toEqual(['Sayings']);
    expect(value('$.store.book[?(@.title size 4)].title', s)).toEqual(['LOTR']);
    expect(value('$.store.book[?(@.tags empty false)].title', s)).toEqual(['LOTR']);
    expect(value("$.store.book[?(@.tags subsetof ['a','b','c'])].title", s)).toEqual(['LOTR']);
    expect(value("$.store.book[?(@.tags anyof ['b'])].title", s)).toEqual(['LOTR']);
    expect(value("$.store.book[?(@.tags noneof ['z'])].title", s)).toEqual(['Sayings', 'Sword', 'Moby Dick', 'LOTR']);
    expect(value("$.store.book[?(@.tags && @.tags noneof ['b'])].title", s)).toEqual([]);
    // a missing left-hand path satisfies only the negative operators (!=, nin, noneof)
    expect(value("$.store.book[?(@.tags != ['a','b'])].title", s)).toEqual(['Sayings', 'Sword', 'Moby Dick']);
    expect(value("$.store.book[?(@.tags contains 'a')].title", s)).toEqual(['LOTR']);
  });
  test('a filter on an object tests the object itself', () => {
    expect(value('$.store.bicycle[?(@.color)]', s)).toEqual([{ color: 'red', price: 19.95 }]);
    expect(value("$.store.bicycle[?(@.color == 'blue')]", s)).toEqual([]);
  });
  test('@ alone is the current element', () => {
    expect(value('$.a[?(@ > 1)]', scope({ a: [1, 2, 3] }))).toEqual([2, 3]);
  });
});

describe('queryPath: syntax errors throw States.Runtime', () => {
  test.each([
    ['a.b', "Path must start with '$'"],
    ['$.', "Path must not end with a '.' or '..'"],
    ['$..', "Path must not end with a '.' or '..'"],
    ['$.a[', "Expected ']'"],
    ["$['a", 'Property has not been closed'],
    ['$.a[x]', "Could not parse array index 'x'"],
    ['$.a[1:2:3]', 'Array slice steps are not supported'],
    ['$.a b', 'Use bracket notion'],
    ['$.a.length()', 'Path functions are not supported'],
    ['$.a[?(@.x ==)]', 'in filter'],
    ['$.a[?@.x]', "Filter must start with '[?('"],
    ['$x y', "Unexpected character ' '"],
  ])('%s', (path, message) => {
    const e = thrown(() => queryPath(path, s));
    expect(e.error).toBe('States.Runtime');
    expect(e.cause.startsWith(`Invalid path '${path}' : `)).toBe(true);
    expect(e.cause).toContain(message);
  });
});

describe('isReferencePath', () => {
  test.each(['$', '$$', '$.a', '$.a.b[0]', "$['a b'][-1].c", '$[0]', '$var', '$var.x[2]', '$$.Execution.Input'])('%s is a reference path', (p) =>
    expect(isReferencePath(p)).toBe(true),
  );
  test.each(['$.a[*]', '$.a[1:2]', '$..a', '$.a[?(@.b)]', '$.a[0,1]', "$['a','b']", '$.*', 'a', '$.', ''])('%s is not', (p) =>
    expect(isReferencePath(p)).toBe(false),
  );
});

describe('selectInputOrOutputPath', () => {
  const input = { 'int-literal': 0, a: { b: [1, 2] } };
  test('undefined keeps the input, null gives {}', () => {
    expect(selectInputOrOutputPath(undefined, scope(input), 'InputPath')).toBe(input);
    expect(selectInputOrOutputPath(null, scope(input), 'InputPath')).toEqual({});
    expect(selectInputOrOutputPath(null, scope(input), 'OutputPath')).toEqual({});
  });
  test('selects definite and indefinite paths, variables and the context', () => {
    expect(selectInputOrOutputPath('$.a.b[1]', scope(input), 'InputPath')).toBe(2);
    expect(selectInputOrOutputPath('$.a.b[*]', scope(input), 'ItemsPath')).toEqual([1, 2]);
    expect(selectInputOrOutputPath('$theAnswer', scope(input, { theAnswer: 42 }), 'InputPath')).toBe(42);
    expect(selectInputOrOutputPath('$$.Execution.Input', scope(input, {}, { Execution: { Input: { x: 1 } } }), 'OutputPath')).toEqual({ x: 1 });
  });
  test('AWS texts for paths that match nothing', () => {
    const e = thrown(() => selectInputOrOutputPath('$.NoSuchInputPath', scope(input), 'InputPath'));
    expect(e.error).toBe('States.Runtime');
    expect(e.cause).toBe("Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']");
    expect(thrown(() => selectInputOrOutputPath('$.NoSuchOutputPath', scope(input), 'OutputPath')).cause).toBe(
      "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
    );
    expect(thrown(() => selectInputOrOutputPath('$.no.such.result.path', scope({}), 'OutputPath')).cause).toBe(
      "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
    );
    expect(thrown(() => selectInputOrOutputPath('$.items', scope({}), 'ItemsPath')).cause).toBe(
      "Invalid path '$.items' : No results for path: $['items']",
    );
  });
});

describe('applyResultPath', () => {
  const input = { a: 1, nested: { x: 1 }, list: [{ v: 1 }, { v: 2 }] };
  test('undefined and "$" replace the input with the result; null keeps the input', () => {
    expect(applyResultPath(input, undefined, 'r')).toBe('r');
    expect(applyResultPath(input, '$', 'r')).toBe('r');
    expect(applyResultPath(input, null, 'r')).toBe(input);
  });
  test('sets a new or existing field, keeping key order, without mutating the input', () => {
    const frozen = JSON.parse(JSON.stringify(input));
    expect(applyResultPath(input, '$.b', 2)).toEqual({ ...input, b: 2 });
    expect(Object.keys(applyResultPath(input, '$.a', 9) as object)).toEqual(['a', 'nested', 'list']);
    expect(applyResultPath(input, '$.nested.y', 2)).toEqual({ ...input, nested: { x: 1, y: 2 } });
    expect(applyResultPath(input, '$.list[1].v', 9)).toEqual({ ...input, list: [{ v: 1 }, { v: 9 }] });
    expect(applyResultPath(input, '$.list[-1]', 'last')).toEqual({ ...input, list: [{ v: 1 }, 'last'] });
    expect(applyResultPath(input, "$['new key']", true)).toEqual({ ...input, 'new key': true });
    expect(input).toEqual(frozen);
  });
  test('shares untouched branches (copy on write)', () => {
    const out = applyResultPath(input, '$.nested.y', 2) as typeof input;
    expect(out.list).toBe(input.list);
    expect(out.nested).not.toBe(input.nested);
  });
  test('creates missing intermediate objects', () => {
    expect(applyResultPath({}, '$.a.b.c', 1)).toEqual({ a: { b: { c: 1 } } });
    expect(applyResultPath({ a: 1 }, '$.x.y', 5)).toEqual({ a: 1, x: { y: 5 } });
  });
  test('a key named __proto__ is an ordinary key', () => {
    const out = applyResultPath({}, "$['__proto__'].x", 1) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  test('States.ResultPathMatchFailure when the path cannot be applied', () => {
    const cases: Array<[unknown, string, string]> = [
      ['str', '$.x', 'Unable to apply ReferencePath $.x to input "str"'],
      [{ a: 5 }, '$.a.b', 'Unable to apply ReferencePath $.a.b to input {"a":5}'],
      [{ a: null }, '$.a.b', 'Unable to apply ReferencePath $.a.b to input {"a":null}'],
      [{ a: [1] }, '$.a[3]', 'Unable to apply ReferencePath $.a[3] to input {"a":[1]}'],
      [{ a: {} }, '$.a[0]', 'Unable to apply ReferencePath $.a[0] to input {"a":{}}'],
      [{}, '$.a[0]', 'Unable to apply ReferencePath $.a[0] to input {}'],
      [[1, 2], '$.x', 'Unable to apply ReferencePath $.x to input [1,2]'],
    ];
    for (const [inp, p, cause] of cases) {
      const e = thrown(() => applyResultPath(inp, p, 1));
      expect(e.error).toBe('States.ResultPathMatchFailure');
      expect(e.cause).toBe(cause);
    }
  });
  test('only reference paths into the input are allowed', () => {
    for (const p of ['$.a[*]', '$..a', '$$.Execution', '$var.x', '$.a[0:1]']) {
      expect(thrown(() => applyResultPath({}, p, 1)).error).toBe('States.Runtime');
    }
  });
});

describe('JSON helpers', () => {
  test('jsonEquals ignores key order and compares deeply', () => {
    expect(jsonEquals({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1.0 })).toBe(true);
    expect(jsonEquals({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals('1', 1)).toBe(false);
    expect(jsonEquals(null, {})).toBe(false);
  });
  test('javaToString renders like Java maps and lists', () => {
    expect(javaToString({ Arg1: 1, Arg2: [] })).toBe('{Arg1=1, Arg2=[]}');
    expect(javaToString(['a', null, true, 1.5, { x: 'y' }])).toBe('[a, null, true, 1.5, {x=y}]');
    expect(javaToString(null)).toBe('null');
  });
  test('javaNumberToString follows Long and Double.toString', () => {
    expect(javaNumberToString(1)).toBe('1');
    expect(javaNumberToString(-0)).toBe('0');
    expect(javaNumberToString(1.1)).toBe('1.1');
    expect(javaNumberToString(12345678.9)).toBe('1.23456789E7');
    expect(javaNumberToString(0.0001)).toBe('1.0E-4');
    expect(javaNumberToString(1.5e-7)).toBe('1.5E-7');
    expect(javaNumberToString(10000000000)).toBe('10000000000');
  });
});
