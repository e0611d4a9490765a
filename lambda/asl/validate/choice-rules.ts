/**
 * Choice states. In JSONPath a rule is either a data-test (Variable plus exactly one comparison operator)
 * or a boolean combination (And / Or: non-empty arrays of rules, Not: one rule); in JSONata it is a
 * Condition. Only top-level rules carry Next (and Assign/Output); nested rules must not.
 */
import { isTimestamp } from '../timestamp';
import { isJsonataExpression } from '../jsonata';
import { checkAllowedFields, checkTarget, type StateContext } from './context';
import { checkAssign, checkOutput } from './dataflow';
import { CHOICE_RULE_FIELDS } from './fields';
import { describeType, has, isObject, type Path } from './report';
import { checkJsonataExpression, checkPathField, checkString } from './values';

type Operand = 'string' | 'number' | 'boolean' | 'timestamp' | 'path';

/** Every comparison operator and the operand it takes (a "...Path" operator takes a path to compare with). */
const OPERATORS: Readonly<Record<string, Operand>> = (() => {
  const table: Record<string, Operand> = {
    StringMatches: 'string',
    IsNull: 'boolean',
    IsPresent: 'boolean',
    IsNumeric: 'boolean',
    IsString: 'boolean',
    IsBoolean: 'boolean',
    IsTimestamp: 'boolean',
    BooleanEquals: 'boolean',
    BooleanEqualsPath: 'path',
  };
  const families: [string, Operand][] = [['String', 'string'], ['Numeric', 'number'], ['Timestamp', 'timestamp']];
  for (const [family, operand] of families) {
    for (const op of ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals']) {
      table[family + op] = operand;
      table[family + op + 'Path'] = 'path';
    }
  }
  return table;
})();

const BOOLEAN_COMBINATORS = ['And', 'Or', 'Not'];

export function checkChoiceState(sc: StateContext): void {
  const path = [...sc.path, 'Choices'];
  if (!has(sc.state, 'Choices')) {
    sc.r.add(sc.path, 'missing required field "Choices"');
  } else if (!Array.isArray(sc.state.Choices) || sc.state.Choices.length === 0) {
    sc.r.add(path, 'Choices must be a non-empty array of choice rules');
  } else {
    sc.state.Choices.forEach((rule, i) => checkTopLevelRule(sc, [...path, i], rule));
  }
  if (has(sc.state, 'Default')) checkTarget(sc, [...sc.path, 'Default'], sc.state.Default, 'Default');
}

function checkTopLevelRule(sc: StateContext, path: Path, rule: unknown): void {
  if (!isObject(rule)) {
    sc.r.add(path, `a choice rule must be an object, not ${describeType(rule)}`);
    return;
  }
  if (has(rule, 'Next')) checkTarget(sc, [...path, 'Next'], rule.Next, 'Next');
  else sc.r.add(path, 'missing required field "Next"');
  if (has(rule, 'Assign')) checkAssign(sc, [...path, 'Assign'], rule.Assign);
  if (has(rule, 'Output')) checkOutput(sc, [...path, 'Output'], rule.Output);
  if (has(rule, 'Comment')) checkString(sc.r, [...path, 'Comment'], rule.Comment, 'Comment');
  if (sc.language === 'JSONata') checkConditionRule(sc, path, rule);
  else checkJsonPathRule(sc, path, rule, true);
}

/** JSONata: the rule is `Condition` (a `{% %}` expression or a boolean) plus the top-level fields. */
function checkConditionRule(sc: StateContext, path: Path, rule: Record<string, unknown>): void {
  const table = { ...CHOICE_RULE_FIELDS, Condition: 'both' as const };
  checkAllowedFields(sc.r, path, withoutJsonPathOperators(sc, path, rule), table, 'a JSONata choice rule', sc.language);
  if (!has(rule, 'Condition')) {
    sc.r.add(path, 'missing required field "Condition" (JSONata choice rules test a Condition)');
    return;
  }
  const condition = rule.Condition;
  if (typeof condition === 'boolean') return;
  if (isJsonataExpression(condition)) checkJsonataExpression(sc.r, [...path, 'Condition'], condition);
  else sc.r.add([...path, 'Condition'], `Condition must be a JSONata expression "{% ... %}" or a boolean, not ${describeType(condition)}`);
}

/** Own keys only: a field named "toString" or "constructor" is an unknown field, not an operator of Object.prototype. */
function isOperator(key: string): boolean {
  return Object.hasOwn(OPERATORS, key);
}

/** Variable and comparison operators in a JSONata rule get one clear message each instead of "not supported". */
function withoutJsonPathOperators(sc: StateContext, path: Path, rule: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || isOperator(key) || BOOLEAN_COMBINATORS.includes(key)) {
      sc.r.add([...path, key], `field "${key}" is JSONPath-only; a JSONata choice rule uses "Condition"`);
    } else {
      Object.defineProperty(rest, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return rest;
}

/** JSONPath: a data-test or boolean rule; `topLevel` rules also hold Next/Assign/Comment, nested ones must not. */
function checkJsonPathRule(sc: StateContext, path: Path, rule: Record<string, unknown>, topLevel: boolean): void {
  const operators = Object.keys(rule).filter(isOperator);
  const combinators = Object.keys(rule).filter((k) => BOOLEAN_COMBINATORS.includes(k));
  reportUnknownRuleFields(sc, path, rule, topLevel);

  if (combinators.length + operators.length === 0) {
    sc.r.add(path, 'a choice rule needs a comparison operator (e.g. "StringEquals") or one of "And", "Or", "Not"');
    return;
  }
  if (combinators.length > 0) {
    if (combinators.length > 1 || operators.length > 0 || has(rule, 'Variable')) {
      sc.r.add(path, `a choice rule must have exactly one of "And", "Or", "Not" or a comparison, found ${[...combinators, ...operators].map((k) => `"${k}"`).join(', ')}`);
    }
    for (const combinator of combinators) checkCombinator(sc, [...path, combinator], combinator, rule[combinator]);
    return;
  }
  checkDataTest(sc, path, rule, operators);
}

function reportUnknownRuleFields(sc: StateContext, path: Path, rule: Record<string, unknown>, topLevel: boolean): void {
  for (const key of Object.keys(rule)) {
    if (isOperator(key) || BOOLEAN_COMBINATORS.includes(key) || key === 'Variable' || key === 'Comment') continue;
    if (topLevel && (key === 'Next' || key === 'Assign')) continue;
    if (key === 'Next' || key === 'Assign') {
      sc.r.add([...path, key], `field "${key}" is only allowed on a top-level choice rule, not inside "And", "Or" or "Not"`);
    } else if (key === 'Condition' || key === 'Output') {
      sc.r.add([...path, key], `field "${key}" is JSONata-only and not supported when QueryLanguage is JSONPath`);
    } else {
      sc.r.add([...path, key], `field "${key}" is not supported in a choice rule`);
    }
  }
}

function checkCombinator(sc: StateContext, path: Path, combinator: string, value: unknown): void {
  if (combinator === 'Not') {
    if (isObject(value)) checkJsonPathRule(sc, path, value, false);
    else sc.r.add(path, `Not must hold one choice rule (an object), not ${describeType(value)}`);
    return;
  }
  if (!Array.isArray(value) || value.length === 0) {
    sc.r.add(path, `${combinator} must be a non-empty array of choice rules`);
    return;
  }
  value.forEach((nested, i) => {
    if (isObject(nested)) checkJsonPathRule(sc, [...path, i], nested, false);
    else sc.r.add([...path, i], `a choice rule must be an object, not ${describeType(nested)}`);
  });
}

/** Variable (a path) and exactly one comparison operator whose operand has the operator's type. */
function checkDataTest(sc: StateContext, path: Path, rule: Record<string, unknown>, operators: string[]): void {
  if (has(rule, 'Variable')) checkPathField(sc.r, [...path, 'Variable'], rule.Variable, 'Variable', {});
  else sc.r.add(path, 'missing required field "Variable" (the value a comparison tests)');
  if (operators.length > 1) {
    sc.r.add(path, `a choice rule must have exactly one comparison operator, found ${operators.map((k) => `"${k}"`).join(', ')}`);
  }
  for (const operator of operators) checkOperand(sc, [...path, operator], operator, rule[operator]);
}

function checkOperand(sc: StateContext, path: Path, operator: string, value: unknown): void {
  const operand = OPERATORS[operator];
  switch (operand) {
    case 'path':
      checkPathField(sc.r, path, value, operator, {});
      return;
    case 'timestamp':
      if (typeof value !== 'string' || !isTimestamp(value)) {
        sc.r.add(path, `${operator} must be an ISO-8601 timestamp string such as "2016-03-14T01:59:00Z", not ${JSON.stringify(value)}`);
      }
      return;
    case 'number':
      if (typeof value !== 'number') sc.r.add(path, `${operator} must be a number, not ${describeType(value)}`);
      return;
    default:
      if (typeof value !== operand) sc.r.add(path, `${operator} must be a ${operand}, not ${describeType(value)}`);
  }
}
