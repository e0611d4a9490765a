/**
 * Choice Rules in the JSONPath query language: `Variable` plus one comparison or data-test operator,
 * or the boolean combinators `And`, `Or`, `Not`.
 *
 * Behaviour follows what AWS recorded (cases/choice-operators, cases/choice):
 * - a comparison is false, never an error, when the Variable's value has the wrong type
 *   (NumericEquals on a string, BooleanEquals on 0, TimestampEquals on a string that is not a timestamp, …);
 * - the `…Path` forms read the comparison value from a path and apply the same rule to it;
 * - a Variable (or `…Path`) that selects nothing fails the execution with States.Runtime
 *   ("If the state input doesn't contain the $.type field, the execution fails", AWS Choice docs),
 *   except under `IsPresent`, which exists precisely to test for that and is then false.
 * Pure: reads only the scope it is given.
 */
import { ErrorNames, StatesError } from './errors';
import { queryPath } from './jsonpath';
import type { PathScope } from './scope';
import { compareTimestamps, isTimestamp } from './timestamp';

/** A comparison of the Variable's value with a literal (or, for the `…Path` form, another path's value). */
type Comparator = (variableValue: unknown, comparisonValue: unknown) => boolean;

/** Only ever compares values of the operator's own type: anything else is "no match", as AWS does. */
function stringComparator(test: (a: string, b: string) => boolean): Comparator {
  return (a, b) => typeof a === 'string' && typeof b === 'string' && test(a, b);
}

function numericComparator(test: (a: number, b: number) => boolean): Comparator {
  return (a, b) => typeof a === 'number' && typeof b === 'number' && test(a, b);
}

/** Timestamps are ordered exactly (to the nanosecond); a string that is not a valid timestamp never matches. */
function timestampComparator(test: (order: -1 | 0 | 1) => boolean): Comparator {
  return (a, b) => {
    if (typeof a !== 'string' || typeof b !== 'string') return false;
    const order = compareTimestamps(a, b);
    return order !== undefined && test(order);
  };
}

/**
 * String ordering is Java's `String.compareTo` (AWS docs): lexicographic by UTF-16 code unit,
 * which is exactly what JavaScript's relational operators do on strings.
 */
const COMPARATORS: Readonly<Record<string, Comparator>> = {
  StringEquals: stringComparator((a, b) => a === b),
  StringLessThan: stringComparator((a, b) => a < b),
  StringGreaterThan: stringComparator((a, b) => a > b),
  StringLessThanEquals: stringComparator((a, b) => a <= b),
  StringGreaterThanEquals: stringComparator((a, b) => a >= b),
  StringMatches: stringComparator((a, pattern) => matchesWildcardPattern(a, pattern)),
  NumericEquals: numericComparator((a, b) => a === b),
  NumericLessThan: numericComparator((a, b) => a < b),
  NumericGreaterThan: numericComparator((a, b) => a > b),
  NumericLessThanEquals: numericComparator((a, b) => a <= b),
  NumericGreaterThanEquals: numericComparator((a, b) => a >= b),
  BooleanEquals: (a, b) => typeof a === 'boolean' && typeof b === 'boolean' && a === b,
  TimestampEquals: timestampComparator((order) => order === 0),
  TimestampLessThan: timestampComparator((order) => order < 0),
  TimestampGreaterThan: timestampComparator((order) => order > 0),
  TimestampLessThanEquals: timestampComparator((order) => order <= 0),
  TimestampGreaterThanEquals: timestampComparator((order) => order >= 0),
};

/** Type tests: the rule holds when the test's outcome equals the operator's boolean operand. */
const TYPE_TESTS: Readonly<Record<string, (value: unknown) => boolean>> = {
  IsNull: (v) => v === null,
  IsNumeric: (v) => typeof v === 'number',
  IsString: (v) => typeof v === 'string',
  IsBoolean: (v) => typeof v === 'boolean',
  IsTimestamp: (v) => isTimestamp(v),
};

const IS_PRESENT = 'IsPresent';
const PATH_SUFFIX = 'Path';
/** ASL defines StringMatches without a Path form (no StringMatchesPath in the spec or AWS docs). */
const OPERATORS_WITHOUT_PATH_FORM = new Set(['StringMatches']);

/** Comparison operators with a literal operand, e.g. NumericEquals. */
export const COMPARISON_OPERATORS: readonly string[] = Object.keys(COMPARATORS);
/** Comparison operators whose operand is a path, e.g. NumericEqualsPath. */
export const PATH_COMPARISON_OPERATORS: readonly string[] = COMPARISON_OPERATORS.filter(
  (op) => !OPERATORS_WITHOUT_PATH_FORM.has(op),
).map((op) => op + PATH_SUFFIX);
/** Data-test operators taking a boolean operand. */
export const DATA_TEST_OPERATORS: readonly string[] = [IS_PRESENT, ...Object.keys(TYPE_TESTS)];
/** The boolean combinators; the only rules without a `Variable`. */
export const BOOLEAN_OPERATORS: readonly string[] = ['And', 'Or', 'Not'];
/** Every operator a JSONPath Choice Rule may use (for the validator). */
export const CHOICE_OPERATORS: readonly string[] = [
  ...BOOLEAN_OPERATORS,
  ...COMPARISON_OPERATORS,
  ...PATH_COMPARISON_OPERATORS,
  ...DATA_TEST_OPERATORS,
];

const CHOICE_OPERATOR_SET = new Set(CHOICE_OPERATORS);

/** The operator field of a rule (the first key that names one), or undefined if it has none. */
export function choiceRuleOperator(rule: object): string | undefined {
  return Object.keys(rule).find((key) => CHOICE_OPERATOR_SET.has(key));
}

/** True for operators that read their comparison value from a path (`…Path`). */
export function isPathComparisonOperator(operator: string): boolean {
  return PATH_COMPARISON_OPERATORS.includes(operator);
}

/**
 * Evaluates one Choice Rule (top-level or nested) against the state's scope.
 * Throws StatesError(States.Runtime, "Invalid path '$.x' : No results for path: $['x']") when a path
 * the rule needs selects nothing; the engine adds AWS's "An error occurred while executing the state…" prefix.
 */
export function evaluateChoiceRule(rule: object, scope: PathScope): boolean {
  const r = rule as Record<string, unknown>;
  const operator = choiceRuleOperator(rule);
  switch (operator) {
    case undefined:
      // The validator rejects such definitions; reaching here is an engine bug, not a workflow error.
      throw new Error(`Choice rule has no comparison operator: ${JSON.stringify(rule)}`);
    // And/Or short-circuit like AWS, so `And: [IsPresent $.x, … $.x]` never touches a missing $.x.
    case 'And':
      return asRuleList(r.And).every((sub) => evaluateChoiceRule(sub, scope));
    case 'Or':
      return asRuleList(r.Or).some((sub) => evaluateChoiceRule(sub, scope));
    case 'Not':
      return !evaluateChoiceRule(r.Not as object, scope);
    default:
      return evaluateVariableRule(operator, r, scope);
  }
}

/** A rule of the form { Variable, <operator>: operand }. */
function evaluateVariableRule(operator: string, rule: Record<string, unknown>, scope: PathScope): boolean {
  const variablePath = rule.Variable as string;
  const operand = rule[operator];
  const variable = queryPath(variablePath, scope);

  if (operator === IS_PRESENT) return variable.found === (operand === true);
  if (!variable.found) throw invalidPathError(variablePath, variable.reason);

  const typeTest = TYPE_TESTS[operator];
  if (typeTest !== undefined) return typeTest(variable.value) === (operand === true);

  if (isPathComparisonOperator(operator)) {
    const comparisonPath = operand as string;
    const comparison = queryPath(comparisonPath, scope);
    if (!comparison.found) throw invalidPathError(comparisonPath, comparison.reason);
    return COMPARATORS[operator.slice(0, -PATH_SUFFIX.length)](variable.value, comparison.value);
  }
  return COMPARATORS[operator](variable.value, operand);
}

function asRuleList(value: unknown): object[] {
  return Array.isArray(value) ? (value as object[]) : [];
}

/**
 * StringMatches: `*` matches any run of characters (including none); `\*` is a literal star and `\\` a
 * literal backslash (written "\\*" and "\\\\" inside JSON). No other character is special, so a
 * backslash before anything else stays a literal backslash.
 */
export function matchesWildcardPattern(value: string, pattern: string): boolean {
  return wildcardPatternToRegExp(pattern).test(value);
}

function wildcardPatternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const next = pattern[i + 1];
    if (ch === '\\' && (next === '*' || next === '\\')) {
      source += escapeRegExp(next);
      i++;
    } else if (ch === '*') {
      source += '[\\s\\S]*';
    } else {
      source += escapeRegExp(ch);
    }
  }
  // 'u' is deliberately absent: '[\s\S]' then matches UTF-16 code units, the unit Java strings use.
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * The error AWS raises when a Choice path selects nothing (bare cause; the engine prefixes the state).
 * The reason is the JSONPath library's own text ("No results for path: $['x']", "Missing property in path
 * $['a']", …), which AWS copies verbatim.
 */
function invalidPathError(path: string, reason: string | undefined): StatesError {
  return new StatesError(ErrorNames.Runtime, `Invalid path '${path}' : ${reason ?? `No results for path: ${path}`}`);
}
