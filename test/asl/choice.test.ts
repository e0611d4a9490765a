import { StatesError } from '../../lambda/asl/errors';
import {
  CHOICE_OPERATORS,
  choiceRuleOperator,
  evaluateChoiceRule,
  matchesWildcardPattern,
} from '../../lambda/asl/choice';
import type { PathScope } from '../../lambda/asl/scope';
import {
  compareTimestamps,
  isTimestamp,
  parseTimestamp,
  parseTimestampNanos,
} from '../../lambda/asl/timestamp';

function scopeOf(input: unknown, variables: Record<string, unknown> = {}, context: unknown = {}): PathScope {
  return {
    input,
    context,
    variable: (name) => (name in variables ? { found: true, value: variables[name] } : { found: false }),
  };
}

/** Evaluates `{ Variable: "$.v", [operator]: operand }` against `{ v: value }`. */
function test1(operator: string, value: unknown, operand: unknown): boolean {
  return evaluateChoiceRule({ Variable: '$.v', [operator]: operand }, scopeOf({ v: value }));
}

/** The same comparison through the `…Path` form: the operand is read from `$.w`. */
function testPath(operator: string, value: unknown, operand: unknown): boolean {
  return evaluateChoiceRule({ Variable: '$.v', [operator + 'Path']: '$.w' }, scopeOf({ v: value, w: operand }));
}

/** Every comparison is checked in its literal form and its Path form, which must agree. */
function both(operator: string, value: unknown, operand: unknown): boolean {
  const literal = test1(operator, value, operand);
  expect(testPath(operator, value, operand)).toBe(literal);
  return literal;
}

const NON_STRINGS = [null, 0, 1.5, true, false, [], ['a'], {}, { a: 1 }];
const NON_NUMBERS = [null, '', '1', true, false, [], [1], {}, { a: 1 }];
const NON_BOOLEANS = [null, 0, 1, '', 'true', [], [true], {}, { a: true }];

describe('string comparisons', () => {
  it.each([
    ['StringEquals', 'abc', 'abc', true],
    ['StringEquals', 'abc', 'abd', false],
    ['StringEquals', ' ', '     ', false],
    ['StringEquals', '\t\n', '\t\r\n', false],
    ['StringLessThan', 'A', 'AB', true],
    ['StringLessThan', 'AB', 'A', false],
    ['StringLessThan', '', '', false],
    ['StringGreaterThan', 'AB', 'A', true],
    ['StringGreaterThan', 'A', 'A ', false],
    ['StringGreaterThan', '', '', false],
    ['StringLessThanEquals', '', '', true],
    ['StringLessThanEquals', 'A', 'AB', true],
    ['StringLessThanEquals', 'AB', 'A', false],
    ['StringGreaterThanEquals', '', '', true],
    ['StringGreaterThanEquals', 'AB', 'A', true],
    ['StringGreaterThanEquals', 'A', 'AB', false],
    // Java compareTo orders by UTF-16 code unit: 'Z' (0x5A) < 'a' (0x61); U+FFFF > U+1F600's high surrogate
    ['StringLessThan', 'Z', 'a', true],
    ['StringGreaterThan', '\uffff', '\u{1F600}', true],
  ])('%s(%j, %j) is %s', (op, value, operand, expected) => {
    expect(both(op, value, operand)).toBe(expected);
  });

  it.each(NON_STRINGS)('a non-string Variable (%j) never matches a string operator', (value) => {
    for (const op of ['StringEquals', 'StringLessThan', 'StringGreaterThan', 'StringLessThanEquals', 'StringGreaterThanEquals']) {
      expect(both(op, value, 'x')).toBe(false);
    }
    expect(test1('StringMatches', value, '*')).toBe(false);
  });

  it('a non-string comparison value read by a Path form never matches', () => {
    expect(testPath('StringEquals', '1', 1)).toBe(false);
    expect(testPath('StringLessThanEquals', 'null', null)).toBe(false);
  });
});

describe('StringMatches', () => {
  it.each([
    ['log-*.txt', 'log-2024.txt', true],
    ['log-*.txt', 'log-.txt', true],
    ['log-*.txt', 'log-2024.csv', false],
    ['*', '', true],
    ['*', 'anything at all\nacross lines', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'acb', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['exact', 'in exact', false],
    // regular-expression characters are literal
    ['a.c', 'abc', false],
    ['a.c', 'a.c', true],
    ['(x)+[y]?', '(x)+[y]?', true],
    ['^$|/-', '^$|/-', true],
    // \* is a literal star, \\ a literal backslash (JSON "\\*" and "\\\\")
    ['Star\\*', 'Star*', true],
    ['Star\\*', 'Starry', false],
    ['a\\\\*', 'a\\', true],
    ['a\\\\*', 'a\\anything', true],
    ['a\\\\b', 'a\\b', true],
    ['a\\\\\\*', 'a\\*', true],
    ['a\\\\\\*', 'a\\x', false],
    // a backslash before any other character is just a backslash
    ['a\\b', 'a\\b', true],
    ['trailing\\', 'trailing\\', true],
  ])('pattern %j against %j is %s', (pattern, value, expected) => {
    expect(matchesWildcardPattern(value, pattern)).toBe(expected);
    expect(test1('StringMatches', value, pattern)).toBe(expected);
  });

  it('has no Path form', () => {
    expect(CHOICE_OPERATORS).toContain('StringMatches');
    expect(CHOICE_OPERATORS).not.toContain('StringMatchesPath');
  });
});

describe('numeric comparisons', () => {
  it.each([
    ['NumericEquals', 1, 1, true],
    ['NumericEquals', 1, 1.0, true],
    ['NumericEquals', 0, -0, true],
    ['NumericEquals', 1.1, 1, false],
    ['NumericEquals', 2.22, 2.22, true],
    ['NumericLessThan', 0, 1, true],
    ['NumericLessThan', 1, 1, false],
    ['NumericLessThan', -1.5, -1, true],
    ['NumericGreaterThan', 1, 0, true],
    ['NumericGreaterThan', 1, 1, false],
    ['NumericLessThanEquals', 1, 1, true],
    ['NumericLessThanEquals', 1, 0, false],
    ['NumericGreaterThanEquals', 1, 1, true],
    ['NumericGreaterThanEquals', 0, 1, false],
  ])('%s(%j, %j) is %s', (op, value, operand, expected) => {
    expect(both(op, value, operand)).toBe(expected);
  });

  it.each(NON_NUMBERS)('a non-number Variable (%j) never matches, not even 0 against false', (value) => {
    for (const op of ['NumericEquals', 'NumericLessThan', 'NumericGreaterThan', 'NumericLessThanEquals', 'NumericGreaterThanEquals']) {
      expect(both(op, value, 0)).toBe(false);
      expect(both(op, value, 1)).toBe(false);
    }
  });

  it('a non-number comparison value read by a Path form never matches', () => {
    expect(testPath('NumericEquals', 1, '1')).toBe(false);
    expect(testPath('NumericEquals', 1, true)).toBe(false);
    expect(testPath('NumericLessThanEquals', 0, null)).toBe(false);
  });
});

describe('BooleanEquals', () => {
  it.each([
    [true, true, true],
    [false, false, true],
    [true, false, false],
    [false, true, false],
  ])('BooleanEquals(%j, %j) is %s', (value, operand, expected) => {
    expect(both('BooleanEquals', value, operand)).toBe(expected);
  });

  it.each(NON_BOOLEANS)('a non-boolean Variable (%j) never matches', (value) => {
    expect(both('BooleanEquals', value, true)).toBe(false);
    expect(both('BooleanEquals', value, false)).toBe(false);
  });

  it('a non-boolean comparison value read by BooleanEqualsPath never matches', () => {
    expect(testPath('BooleanEquals', true, 'true')).toBe(false);
    expect(testPath('BooleanEquals', false, 0)).toBe(false);
  });
});

describe('timestamp comparisons', () => {
  const T55 = '2012-10-09T19:00:55Z';
  const T56 = '2012-10-09T19:00:56Z';
  it.each([
    ['TimestampEquals', T55, T55, true],
    ['TimestampEquals', T55, T56, false],
    // the same instant written with another offset, or with trailing zero fractions, is equal
    ['TimestampEquals', '2012-10-09T20:00:55+01:00', T55, true],
    ['TimestampEquals', '2012-10-09T19:00:55.000000000Z', T55, true],
    ['TimestampLessThan', T55, T56, true],
    ['TimestampLessThan', T55, T55, false],
    ['TimestampGreaterThan', T56, T55, true],
    ['TimestampGreaterThan', T55, T56, false],
    ['TimestampLessThanEquals', T55, T55, true],
    ['TimestampLessThanEquals', T56, T55, false],
    ['TimestampGreaterThanEquals', T55, T55, true],
    ['TimestampGreaterThanEquals', T55, T56, false],
    // ordered to the nanosecond, finer than a millisecond
    ['TimestampGreaterThan', '2012-10-09T19:00:55.000000001Z', T55, true],
    ['TimestampLessThan', '2012-10-09T19:00:55.0001Z', '2012-10-09T19:00:55.00011Z', true],
  ])('%s(%j, %j) is %s', (op, value, operand, expected) => {
    expect(both(op, value, operand)).toBe(expected);
  });

  it.each([...NON_STRINGS, '', ' ', 'HelloWorld', '2012-10-09T19:00:55', '2023-02-24', '2023-02-24 12:15:56.832957'])(
    'a Variable that is not a timestamp (%j) never matches',
    (value) => {
      for (const op of ['TimestampEquals', 'TimestampLessThan', 'TimestampGreaterThan', 'TimestampLessThanEquals', 'TimestampGreaterThanEquals']) {
        expect(both(op, value, T55)).toBe(false);
      }
    },
  );

  it('a comparison value read by a Path form that is not a timestamp never matches', () => {
    expect(testPath('TimestampLessThanEquals', T55, '2012-10-09')).toBe(false);
    expect(testPath('TimestampEquals', T55, 0)).toBe(false);
  });
});

describe('data-test operators', () => {
  const values: Array<[string, unknown]> = [
    ['null', null],
    ['integer', 1],
    ['float', 1.1],
    ['zero', 0],
    ['string', 'x'],
    ['empty string', ''],
    ['timestamp string', '2012-10-09T19:00:55Z'],
    ['true', true],
    ['false', false],
    ['array', []],
    ['object', {}],
  ];
  const predicates: Record<string, (v: unknown) => boolean> = {
    IsNull: (v) => v === null,
    IsNumeric: (v) => typeof v === 'number',
    IsString: (v) => typeof v === 'string',
    IsBoolean: (v) => typeof v === 'boolean',
    IsTimestamp: (v) => v === '2012-10-09T19:00:55Z',
    IsPresent: () => true,
  };
  for (const [op, predicate] of Object.entries(predicates)) {
    it.each(values)(`${op} on %s`, (_label, value) => {
      expect(test1(op, value, true)).toBe(predicate(value));
      expect(test1(op, value, false)).toBe(!predicate(value));
    });
  }

  it('IsPresent is false (and IsPresent:false true) for a missing field, a missing parent, or an index out of range', () => {
    for (const path of ['$.missing', '$.a.missing', '$.missing.deeper', '$.list[5]']) {
      const scope = scopeOf({ a: {}, list: [1] });
      expect(evaluateChoiceRule({ Variable: path, IsPresent: true }, scope)).toBe(false);
      expect(evaluateChoiceRule({ Variable: path, IsPresent: false }, scope)).toBe(true);
    }
  });

  it('reads variables and the context object', () => {
    const scope = scopeOf({}, { flag: true, obj: { n: 3 } }, { Execution: { Name: 'exec-1' } });
    expect(evaluateChoiceRule({ Variable: '$flag', BooleanEquals: true }, scope)).toBe(true);
    expect(evaluateChoiceRule({ Variable: '$obj.n', NumericEquals: 3 }, scope)).toBe(true);
    expect(evaluateChoiceRule({ Variable: '$undefinedVar', IsPresent: true }, scope)).toBe(false);
    expect(evaluateChoiceRule({ Variable: '$$.Execution.Name', StringEquals: 'exec-1' }, scope)).toBe(true);
    expect(evaluateChoiceRule({ Variable: '$.x', NumericEqualsPath: '$obj.n' }, scopeOf({ x: 3 }, { obj: { n: 3 } }))).toBe(true);
  });
});

describe('a path that selects nothing', () => {
  function runtimeError(rule: object, input: unknown): StatesError {
    try {
      evaluateChoiceRule(rule, scopeOf(input));
    } catch (e) {
      expect(e).toBeInstanceOf(StatesError);
      return e as StatesError;
    }
    throw new Error('expected a States.Runtime error');
  }

  it.each(['StringEquals', 'NumericEquals', 'BooleanEquals', 'TimestampEquals', 'IsNull', 'IsString', 'IsNumeric', 'IsBoolean', 'IsTimestamp'])(
    '%s on a missing Variable fails with States.Runtime',
    (op) => {
      const e = runtimeError({ Variable: '$.x', [op]: op.startsWith('Is') ? true : 'v' }, { y: 1 });
      expect(e.error).toBe('States.Runtime');
      expect(e.cause).toBe("Invalid path '$.x' : No results for path: $['x']");
    },
  );

  it('names the comparison path of a …Path operator when that one is missing', () => {
    const e = runtimeError({ Variable: '$.x', NumericEqualsPath: '$.limits.max' }, { x: 1, limits: {} });
    expect(e.error).toBe('States.Runtime');
    expect(e.cause).toMatch(/^Invalid path '\$\.limits\.max' : /);
  });

  it('prints nested paths the way AWS does', () => {
    expect(runtimeError({ Variable: '$.a.b', StringEquals: 'v' }, { a: {} }).cause).toBe(
      "Invalid path '$.a.b' : No results for path: $['a']['b']",
    );
  });

  it("passes on the JSONPath library's reason when a parent is missing", () => {
    expect(runtimeError({ Variable: '$.a.b', StringEquals: 'v' }, {}).cause).toBe(
      "Invalid path '$.a.b' : Missing property in path $['a']",
    );
  });

  it('is not reached when And/Or short-circuit, or under Not(IsPresent)', () => {
    const scope = scopeOf({ y: 1 });
    const guarded = { And: [{ Variable: '$.x', IsPresent: true }, { Variable: '$.x', StringEquals: 'v' }] };
    expect(evaluateChoiceRule(guarded, scope)).toBe(false);
    const fallback = { Or: [{ Variable: '$.y', NumericEquals: 1 }, { Variable: '$.x', StringEquals: 'v' }] };
    expect(evaluateChoiceRule(fallback, scope)).toBe(true);
    expect(evaluateChoiceRule({ Not: { Variable: '$.x', IsPresent: true } }, scope)).toBe(true);
  });
});

describe('And / Or / Not', () => {
  const scope = scopeOf({ type: 'Private', value: 22 });
  const isPrivate = { Variable: '$.type', StringEquals: 'Private' };
  const isZero = { Variable: '$.value', NumericEquals: 0 };
  const inTwenties = {
    And: [
      { Variable: '$.value', NumericGreaterThanEquals: 20 },
      { Variable: '$.value', NumericLessThan: 30 },
    ],
  };

  it('evaluates the AWS docs example', () => {
    expect(evaluateChoiceRule({ Not: isPrivate }, scope)).toBe(false);
    expect(evaluateChoiceRule(isZero, scope)).toBe(false);
    expect(evaluateChoiceRule(inTwenties, scope)).toBe(true);
  });

  it('combines truth values', () => {
    expect(evaluateChoiceRule({ And: [isPrivate] }, scope)).toBe(true);
    expect(evaluateChoiceRule({ And: [isPrivate, isZero] }, scope)).toBe(false);
    expect(evaluateChoiceRule({ Or: [isZero, isPrivate] }, scope)).toBe(true);
    expect(evaluateChoiceRule({ Or: [isZero, { Not: isPrivate }] }, scope)).toBe(false);
    expect(evaluateChoiceRule({ Not: { Not: isPrivate } }, scope)).toBe(true);
  });

  it('nests to any depth', () => {
    const rule = {
      Or: [
        { And: [isZero, isPrivate] },
        { Not: { Or: [isZero, { Not: inTwenties }] } },
      ],
    };
    expect(evaluateChoiceRule(rule, scope)).toBe(true);
    expect(evaluateChoiceRule({ Not: rule }, scope)).toBe(false);
  });
});

describe('operator lookup', () => {
  it('finds the operator of a rule whatever the key order', () => {
    expect(choiceRuleOperator({ BooleanEquals: true, Next: 'X', Variable: '$.a' })).toBe('BooleanEquals');
    expect(choiceRuleOperator({ Next: 'X', Not: {} })).toBe('Not');
    expect(choiceRuleOperator({ Variable: '$.a', Next: 'X' })).toBeUndefined();
  });

  it('lists every operator AWS defines', () => {
    const bases = ['String', 'Numeric', 'Timestamp'].flatMap((t) =>
      ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals'].map((c) => t + c),
    );
    const expected = [
      'And', 'Or', 'Not',
      ...bases, ...bases.map((b) => b + 'Path'),
      'BooleanEquals', 'BooleanEqualsPath', 'StringMatches',
      'IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp',
    ];
    expect([...CHOICE_OPERATORS].sort()).toEqual(expected.sort());
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2016-03-14T01:59:00Z', Date.UTC(2016, 2, 14, 1, 59, 0)],
    ['2012-10-09T19:00:55+01:00', Date.UTC(2012, 9, 9, 18, 0, 55)],
    ['2012-10-09T19:00:55-05:30', Date.UTC(2012, 9, 10, 0, 30, 55)],
    ['2026-11-25T05:41:30.000000Z', Date.UTC(2026, 10, 25, 5, 41, 30)],
    ['2026-11-25T05:41:30.00Z', Date.UTC(2026, 10, 25, 5, 41, 30)],
    ['2026-11-25T05:41:30.5Z', Date.UTC(2026, 10, 25, 5, 41, 30, 500)],
    ['2016-02-29T00:00:00Z', Date.UTC(2016, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['1969-12-31T23:59:59Z', -1000],
    ['0001-01-01T00:00:00Z', -62135596800000],
    ['+10000-01-01T00:00:00Z', 253402300800000],
    // year 0 exists (and is a leap year) in ISO's proleptic calendar
    ['-0001-12-31T23:59:59Z', -62135596800000 - 366 * 86_400_000 - 1000],
    // Java's ISO_OFFSET_DATE_TIME: seconds optional, case-insensitive, lenient offset forms
    ['2016-03-14T01:59Z', Date.UTC(2016, 2, 14, 1, 59)],
    ['2016-03-14t01:59:00z', Date.UTC(2016, 2, 14, 1, 59)],
    ['2016-03-14T01:59:00+01', Date.UTC(2016, 2, 14, 0, 59)],
    ['2016-03-14T01:59:00+0130', Date.UTC(2016, 2, 14, 0, 29)],
    ['2016-03-14T01:59:00+18:00', Date.UTC(2016, 2, 13, 7, 59)],
  ])('%s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it('keeps nanoseconds', () => {
    const text = '2016-03-05T21:29:29.243167252Z';
    expect(parseTimestampNanos(text)).toBe(BigInt(Date.UTC(2016, 2, 5, 21, 29, 29)) * 1_000_000n + 243_167_252n);
    expect(parseTimestamp(text)).toBeCloseTo(Date.UTC(2016, 2, 5, 21, 29, 29, 243) + 0.167252, 3);
    expect(compareTimestamps('2016-03-05T21:29:29.243167252Z', '2016-03-05T21:29:29.243167253Z')).toBe(-1);
    expect(compareTimestamps('2016-03-05T22:29:29.5+01:00', '2016-03-05T21:29:29.500Z')).toBe(0);
    expect(compareTimestamps('nope', '2016-03-05T21:29:29Z')).toBeUndefined();
  });

  it.each([
    '2016-12-05T21:29:29', // no zone (wait NO_Z)
    '2016-12-05 21:29:29Z', // no T (wait NO_T)
    '2016-13-05T21:29:29Z', // month 13 (wait INVALID_DATE)
    '2016-12-05T25:29:29Z', // hour 25 (wait INVALID_TIME)
    '05-12-2016T21:29:29Z', // day first (wait INVALID_ISO)
    '2026-11-25T05:41:30.000000', // fraction, no zone
    '2023-02-24',
    '2023-02-24 12:15:56.832957',
    '2015-02-29T00:00:00Z', // not a leap year
    '2016-04-31T00:00:00Z',
    '2016-00-10T00:00:00Z',
    '2016-01-00T00:00:00Z',
    '2016-01-01T24:00:00Z',
    '2016-01-01T23:60:00Z',
    '2016-01-01T23:59:60Z', // Java rejects leap seconds
    '2016-01-01T23:59:59.1234567890Z', // more than nanoseconds
    '2016-01-01T23:59:59+19:00',
    '2016-01-01T23:59:59+01:60',
    '2016-01-01T23:59:59+1:00',
    '2016-01-01T23:59:59 Z',
    ' 2016-01-01T23:59:59Z',
    '2016-1-01T23:59:59Z',
    '2016-01-01T1:59:59Z',
    '16-01-01T01:59:59Z',
    '12016-01-01T01:59:59Z', // more than 4 digits needs a '+'
    '',
    'HelloWorld',
  ])('rejects %j', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
    expect(isTimestamp(text)).toBe(false);
  });

  it('isTimestamp is false for non-strings', () => {
    for (const v of NON_STRINGS) expect(isTimestamp(v)).toBe(false);
  });
});
