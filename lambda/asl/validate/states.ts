/**
 * One state: its type, query language, allowed fields, transition, and the checks of its type.
 */
import { checkChoiceState } from './choice-rules';
import { checkAllowedFields, checkTarget, type MachineScope, type StateContext } from './context';
import { checkDataFields, checkTemplateObject } from './dataflow';
import { checkCatch, checkRetry } from './error-handling';
import { NEEDS_TRANSITION, QUERY_LANGUAGES, STATE_FIELDS, STATE_TYPES, type QueryLanguage, type StateType } from './fields';
import { REFERENCE_PATH_RULES } from './jsonpath';
import { checkExclusive, checkNumberSetting, MAX_SECONDS } from './settings';
import { checkMapState } from './map';
import { MAX_STATE_NAME_LENGTH, stateNameLength } from './names';
import { describeType, has, isObject, type Path } from './report';
import { isTimestamp } from '../timestamp';
import { isJsonataExpression } from '../jsonata';
import {
  checkJsonataExpression,
  checkJsonataTemplate,
  checkNonEmptyString,
  checkPathField,
  checkPathOrIntrinsic,
  checkString,
} from './values';

export function validateState(scope: MachineScope, path: Path, name: string, state: unknown): void {
  const r = scope.def.r;
  checkStateName(scope, path, name);
  if (!isObject(state)) {
    r.add(path, `a state must be an object, not ${describeType(state)}`);
    return;
  }
  const type = stateType(scope, path, state);
  if (type === undefined) return;
  const sc: StateContext = { r, scope, path, name, type, state, language: stateLanguage(scope, path, state) };

  checkAllowedFields(r, path, state, STATE_FIELDS[type], `a ${type} state`, sc.language);
  if (has(state, 'Comment')) checkString(r, [...path, 'Comment'], state.Comment, 'Comment');
  if (NEEDS_TRANSITION.has(type)) checkTransition(sc);
  checkDataFields(sc);
  if (has(state, 'Retry')) checkRetry(sc);
  if (has(state, 'Catch')) checkCatch(sc);
  checkTypeSpecificFields(sc);
}

/** A switch: one place that names the check of each state type. */
function checkTypeSpecificFields(sc: StateContext): void {
  switch (sc.type) {
    case 'Task':
      return checkTaskState(sc);
    case 'Choice':
      return checkChoiceState(sc);
    case 'Wait':
      return checkWaitState(sc);
    case 'Fail':
      return checkFailState(sc);
    case 'Parallel':
      return checkParallelState(sc);
    case 'Map':
      return checkMapState(sc);
    default:
      // Pass (Result is any JSON) and Succeed have nothing beyond the common fields.
      return;
  }
}

/** Names are at most 80 characters and unique in the whole definition, nested branches and processors included. */
function checkStateName(scope: MachineScope, path: Path, name: string): void {
  const r = scope.def.r;
  if (name === '') r.add(path, 'a state name must not be empty');
  if (stateNameLength(name) > MAX_STATE_NAME_LENGTH) {
    r.add(path, `state name "${name}" is longer than ${MAX_STATE_NAME_LENGTH} characters`);
  }
  const first = scope.def.seenStateNames.get(name);
  if (first !== undefined) {
    r.add(path, `duplicate state name "${name}": state names must be unique across the whole state machine, including branches and Map processors`);
  } else {
    scope.def.seenStateNames.set(name, path);
  }
}

function stateType(scope: MachineScope, path: Path, state: Record<string, unknown>): StateType | undefined {
  if (!has(state, 'Type')) {
    scope.def.r.add(path, 'missing required field "Type"');
    return undefined;
  }
  if (STATE_TYPES.includes(state.Type as StateType)) return state.Type as StateType;
  scope.def.r.add([...path, 'Type'], `unknown state type ${JSON.stringify(state.Type)}; expected one of ${STATE_TYPES.join(', ')}`);
  return undefined;
}

/**
 * A state's own QueryLanguage, else its machine's. When the top level says JSONata, no state may say
 * JSONPath (AWS: "If JSONata is specified at the top level, JSONPath cannot be used").
 */
function stateLanguage(scope: MachineScope, path: Path, state: Record<string, unknown>): QueryLanguage {
  if (!has(state, 'QueryLanguage')) return scope.language;
  const value = state.QueryLanguage;
  if (!QUERY_LANGUAGES.includes(value as QueryLanguage)) {
    scope.def.r.add([...path, 'QueryLanguage'], `QueryLanguage must be "JSONPath" or "JSONata", not ${JSON.stringify(value)}`);
    return scope.language;
  }
  if (value === 'JSONPath' && scope.def.topLanguage === 'JSONata') {
    scope.def.r.add([...path, 'QueryLanguage'], 'a state cannot use JSONPath when the state machine\'s top-level QueryLanguage is JSONata');
  }
  return value as QueryLanguage;
}

/** Pass, Task, Wait, Parallel and Map go somewhere next: exactly one of "Next" or "End": true. */
function checkTransition(sc: StateContext): void {
  const { state, path } = sc;
  const hasNext = has(state, 'Next');
  if (has(state, 'End') && typeof state.End !== 'boolean') {
    sc.r.add([...path, 'End'], `End must be true, not ${describeType(state.End)}`);
  }
  const ends = state.End === true;
  if (hasNext && has(state, 'End')) sc.r.add(path, 'a state cannot have both "Next" and "End"');
  else if (!hasNext && !ends) sc.r.add(path, `a ${sc.type} state must have either "Next" or "End": true`);
  if (hasNext) checkTarget(sc, [...path, 'Next'], state.Next, 'Next');
}

function checkTaskState(sc: StateContext): void {
  const { state, path } = sc;
  if (has(state, 'Resource')) checkNonEmptyString(sc.r, [...path, 'Resource'], state.Resource, 'Resource');
  else sc.r.add(path, 'missing required field "Resource"');
  checkExclusive(sc, [
    ['TimeoutSeconds', 'TimeoutSecondsPath'],
    ['HeartbeatSeconds', 'HeartbeatSecondsPath'],
  ]);
  checkNumberSetting(sc, 'TimeoutSeconds', { integer: true, min: 1, max: MAX_SECONDS });
  checkNumberSetting(sc, 'HeartbeatSeconds', { integer: true, min: 1, max: MAX_SECONDS });
  const { TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat } = state;
  if (typeof timeout === 'number' && typeof heartbeat === 'number' && heartbeat >= timeout) {
    sc.r.add([...path, 'HeartbeatSeconds'], `HeartbeatSeconds (${heartbeat}) must be smaller than TimeoutSeconds (${timeout})`);
  }
  if (has(state, 'Credentials')) {
    if (sc.language === 'JSONata') checkJsonataTemplate(sc.r, [...path, 'Credentials'], state.Credentials);
    else checkTemplateObject(sc, [...path, 'Credentials'], state.Credentials, 'Credentials');
  }
}

const WAIT_FIELDS = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'];

/** Exactly one of Seconds, SecondsPath, Timestamp, TimestampPath says how long to wait. */
function checkWaitState(sc: StateContext): void {
  const { state, path } = sc;
  const present = WAIT_FIELDS.filter((f) => has(state, f));
  if (present.length === 0) {
    sc.r.add(path, 'a Wait state needs exactly one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath"');
  } else if (present.length > 1) {
    sc.r.add(path, `a Wait state needs exactly one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath", found ${present.map((f) => `"${f}"`).join(', ')}`);
  }
  checkNumberSetting(sc, 'Seconds', { integer: true, min: 0, max: MAX_SECONDS });
  if (has(state, 'Timestamp')) checkTimestamp(sc, [...path, 'Timestamp'], state.Timestamp);
  if (has(state, 'TimestampPath') && sc.language === 'JSONPath') {
    checkPathField(sc.r, [...path, 'TimestampPath'], state.TimestampPath, 'TimestampPath', REFERENCE_PATH_RULES);
  }
}

function checkTimestamp(sc: StateContext, path: Path, value: unknown): void {
  if (sc.language === 'JSONata' && isJsonataExpression(value)) {
    checkJsonataExpression(sc.r, path, value);
  } else if (typeof value !== 'string' || !isTimestamp(value)) {
    sc.r.add(path, `Timestamp must be an ISO-8601 timestamp string such as "2016-03-14T01:59:00Z", not ${JSON.stringify(value)}`);
  }
}

/** Error/ErrorPath and Cause/CausePath: at most one of each pair; the Path forms take a path or intrinsic. */
function checkFailState(sc: StateContext): void {
  checkExclusive(sc, [
    ['Error', 'ErrorPath'],
    ['Cause', 'CausePath'],
  ]);
  for (const field of ['Error', 'Cause']) {
    if (!has(sc.state, field)) continue;
    const fieldPath = [...sc.path, field];
    if (checkString(sc.r, fieldPath, sc.state[field], field) && sc.language === 'JSONata' && isJsonataExpression(sc.state[field])) {
      checkJsonataExpression(sc.r, fieldPath, sc.state[field]);
    }
  }
  for (const field of ['ErrorPath', 'CausePath']) {
    if (has(sc.state, field) && sc.language === 'JSONPath') {
      checkPathOrIntrinsic(sc.r, [...sc.path, field], sc.state[field], field);
    }
  }
}

/** Branches: a non-empty array of complete state machines, each validated on its own. */
function checkParallelState(sc: StateContext): void {
  const path = [...sc.path, 'Branches'];
  if (!has(sc.state, 'Branches')) {
    sc.r.add(sc.path, 'missing required field "Branches"');
    return;
  }
  const branches = sc.state.Branches;
  if (!Array.isArray(branches) || branches.length === 0) {
    sc.r.add(path, 'Branches must be a non-empty array of state machines');
    return;
  }
  branches.forEach((branch, i) => sc.scope.def.validateNested(branch, [...path, i], 'branch', sc.language));
}
