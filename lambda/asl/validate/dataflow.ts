/**
 * The fields that move data through a state, common to several state types: InputPath, Parameters,
 * ResultSelector, ResultPath, OutputPath (JSONPath), Arguments and Output (JSONata), and Assign (both).
 * Whether a field is allowed at all was decided by the field tables; here only its value is checked.
 */
import type { StateContext } from './context';
import { RESULT_PATH_RULES } from './jsonpath';
import { isValidVariableName, RESERVED_VARIABLE_NAMES } from './names';
import { describeType, has, isObject, type Path } from './report';
import {
  checkJsonataTemplate,
  checkPathField,
  checkPathOrIntrinsic,
  checkPayloadTemplate,
} from './values';

export function checkDataFields(sc: StateContext): void {
  const { state, path } = sc;
  if (sc.language === 'JSONPath') {
    for (const field of ['InputPath', 'OutputPath']) {
      if (has(state, field)) checkPathField(sc.r, [...path, field], state[field], field, {}, true);
    }
    if (has(state, 'ResultPath')) {
      checkPathField(sc.r, [...path, 'ResultPath'], state.ResultPath, 'ResultPath', RESULT_PATH_RULES, true);
    }
    for (const field of ['Parameters', 'ResultSelector']) {
      if (has(state, field)) checkTemplateObject(sc, [...path, field], state[field], field);
    }
  } else {
    if (has(state, 'Arguments')) checkArguments(sc, [...path, 'Arguments'], state.Arguments);
    if (has(state, 'Output')) checkOutput(sc, [...path, 'Output'], state.Output);
  }
  if (has(state, 'Assign')) checkAssign(sc, [...path, 'Assign'], state.Assign);
}

/** ResultSelector, ItemSelector, Credentials, BatchInput are payload templates, JSON objects; Parameters may be any JSON value. */
export function checkTemplateObject(sc: StateContext, path: Path, value: unknown, field: string): void {
  const anyJson = field === 'Parameters';
  if (!anyJson && !isObject(value)) {
    sc.r.add(path, `${field} must be an object, not ${describeType(value)}`);
    return;
  }
  checkPayloadTemplate(sc.r, path, value);
}

/** Arguments (Task, Parallel): a JSON object or a single `{% %}` expression, with expressions anywhere inside. */
function checkArguments(sc: StateContext, path: Path, value: unknown): void {
  checkJsonataTemplate(sc.r, path, value);
}

/** Output: any JSON value; only its `{% %}` strings are evaluated. Not checked in JSONPath (already reported there). */
export function checkOutput(sc: StateContext, path: Path, value: unknown): void {
  if (sc.language === 'JSONata') checkJsonataTemplate(sc.r, path, value);
}

/**
 * Assign: an object whose top-level keys are variable names. In JSONPath states a key ending in ".$"
 * takes a path or intrinsic and the name is the key without ".$"; in JSONata states values may hold
 * `{% %}` expressions and keys are taken as they are.
 */
export function checkAssign(sc: StateContext, path: Path, value: unknown): void {
  if (!isObject(value)) {
    sc.r.add(path, `Assign must be an object, not ${describeType(value)}`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const dynamic = sc.language === 'JSONPath' && key.endsWith('.$');
    const name = dynamic ? key.slice(0, -2) : key;
    const itemPath = [...path, key];
    if (RESERVED_VARIABLE_NAMES.has(name)) sc.r.add(itemPath, `"${name}" is a reserved name and cannot be assigned`);
    else if (!isValidVariableName(name)) sc.r.add(itemPath, `"${name}" is not a valid variable name`);
    if (sc.language === 'JSONata') checkJsonataTemplate(sc.r, itemPath, item);
    else if (dynamic) checkPathOrIntrinsic(sc.r, itemPath, item, `the value of "${key}"`);
    else checkPayloadTemplate(sc.r, itemPath, item);
  }
}
