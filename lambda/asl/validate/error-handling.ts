/**
 * Retry and Catch fields (Task, Parallel, Map). Limits are those AWS enforces when a state machine is
 * created: IntervalSeconds and MaxDelaySeconds are positive integers, MaxAttempts a non-negative integer,
 * BackoffRate at least 1.0, JitterStrategy FULL or NONE, and "States.ALL" must stand alone in the last
 * retrier or catcher (otherwise the ones after it could never match).
 */
import { CATCHER_FIELDS, RETRIER_FIELDS } from './fields';
import { checkAllowedFields, checkTarget, type StateContext } from './context';
import { checkAssign, checkOutput } from './dataflow';
import { RESULT_PATH_RULES } from './jsonpath';
import { describeType, has, isObject, type Path } from './report';
import { checkNumber, checkPathField, checkString } from './values';

const STATES_ALL = 'States.ALL';
/** AWS caps retry counts and intervals at 99999999; MaxDelaySeconds must be below 31622401 (a year plus a day). */
const MAX_RETRY_VALUE = 99999999;
const MAX_DELAY_SECONDS = 31622400;
const JITTER_STRATEGIES = ['FULL', 'NONE'];

export function checkRetry(sc: StateContext): void {
  const path = [...sc.path, 'Retry'];
  const retriers = sc.state.Retry;
  if (!Array.isArray(retriers)) {
    sc.r.add(path, `Retry must be an array of retriers, not ${describeType(retriers)}`);
    return;
  }
  retriers.forEach((retrier, i) => checkRetrier(sc, [...path, i], retrier, i === retriers.length - 1));
}

function checkRetrier(sc: StateContext, path: Path, retrier: unknown, isLast: boolean): void {
  if (!isObject(retrier)) {
    sc.r.add(path, `a retrier must be an object, not ${describeType(retrier)}`);
    return;
  }
  checkAllowedFields(sc.r, path, retrier, RETRIER_FIELDS, 'a retrier', sc.language);
  checkErrorEquals(sc, path, retrier, isLast, 'retrier');
  const numeric: [string, { integer?: boolean; min?: number; max?: number }][] = [
    ['IntervalSeconds', { integer: true, min: 1, max: MAX_RETRY_VALUE }],
    ['MaxAttempts', { integer: true, min: 0, max: MAX_RETRY_VALUE }],
    ['BackoffRate', { min: 1 }],
    ['MaxDelaySeconds', { integer: true, min: 1, max: MAX_DELAY_SECONDS }],
  ];
  for (const [field, rule] of numeric) {
    if (has(retrier, field)) checkNumber(sc.r, [...path, field], retrier[field], field, rule);
  }
  if (has(retrier, 'JitterStrategy') && !JITTER_STRATEGIES.includes(retrier.JitterStrategy as string)) {
    sc.r.add([...path, 'JitterStrategy'], `JitterStrategy must be "FULL" or "NONE", not ${JSON.stringify(retrier.JitterStrategy)}`);
  }
  if (has(retrier, 'Comment')) checkString(sc.r, [...path, 'Comment'], retrier.Comment, 'Comment');
}

export function checkCatch(sc: StateContext): void {
  const path = [...sc.path, 'Catch'];
  const catchers = sc.state.Catch;
  if (!Array.isArray(catchers)) {
    sc.r.add(path, `Catch must be an array of catchers, not ${describeType(catchers)}`);
    return;
  }
  catchers.forEach((catcher, i) => checkCatcher(sc, [...path, i], catcher, i === catchers.length - 1));
}

function checkCatcher(sc: StateContext, path: Path, catcher: unknown, isLast: boolean): void {
  if (!isObject(catcher)) {
    sc.r.add(path, `a catcher must be an object, not ${describeType(catcher)}`);
    return;
  }
  checkAllowedFields(sc.r, path, catcher, CATCHER_FIELDS, 'a catcher', sc.language);
  checkErrorEquals(sc, path, catcher, isLast, 'catcher');
  if (has(catcher, 'Next')) checkTarget(sc, [...path, 'Next'], catcher.Next, 'Next');
  else sc.r.add(path, 'missing required field "Next"');
  if (has(catcher, 'ResultPath') && sc.language === 'JSONPath') {
    checkPathField(sc.r, [...path, 'ResultPath'], catcher.ResultPath, 'ResultPath', RESULT_PATH_RULES, true);
  }
  if (has(catcher, 'Output')) checkOutput(sc, [...path, 'Output'], catcher.Output);
  if (has(catcher, 'Assign')) checkAssign(sc, [...path, 'Assign'], catcher.Assign);
  if (has(catcher, 'Comment')) checkString(sc.r, [...path, 'Comment'], catcher.Comment, 'Comment');
}

function checkErrorEquals(sc: StateContext, path: Path, rule: Record<string, unknown>, isLast: boolean, what: string): void {
  if (!has(rule, 'ErrorEquals')) {
    sc.r.add(path, 'missing required field "ErrorEquals"');
    return;
  }
  const errorsPath = [...path, 'ErrorEquals'];
  const errors = rule.ErrorEquals;
  if (!Array.isArray(errors) || errors.length === 0) {
    sc.r.add(errorsPath, 'ErrorEquals must be a non-empty array of error names');
    return;
  }
  errors.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') sc.r.add([...errorsPath, i], `an error name must be a non-empty string, not ${JSON.stringify(name)}`);
  });
  if (!errors.includes(STATES_ALL)) return;
  if (errors.length > 1) sc.r.add(errorsPath, `"${STATES_ALL}" must appear alone in ErrorEquals`);
  if (!isLast) sc.r.add(errorsPath, `a ${what} matching "${STATES_ALL}" must be the last one`);
}
