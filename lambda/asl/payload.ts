/**
 * Payload templates of JSONPath states: Parameters, ItemSelector, ResultSelector, and the legacy Map
 * Parameters. A key ending in ".$" takes, under the key without ".$", the value of a path (`$...`,
 * `$$...`, `$var...`) or of an intrinsic function call; every other value is copied as it is.
 * (Assign uses the same rules; the engine may call this for it too.)
 */
import { StatesError, ErrorNames } from './errors';
import type { PathScope, RandomSource } from './scope';
import { queryPath, isPlainObject, defineKey } from './jsonpath';
import { evaluateIntrinsic, isIntrinsicCall } from './intrinsics';

/**
 * Resolves `template` against `scope`. Containers are rebuilt, so the result never shares an object
 * or array with the template (values selected by paths are shared with the input; callers treat
 * values as immutable). `field` names the template field (e.g. "Parameters") in error texts.
 *
 * A path that finds nothing throws States.Runtime with AWS's text:
 * "The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '{...}'".
 */
export function resolvePayloadTemplate(template: unknown, scope: PathScope, random: RandomSource, field: string): unknown {
  if (Array.isArray(template)) return template.map((item) => resolvePayloadTemplate(item, scope, random, field));
  if (!isPlainObject(template)) return template;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(template)) {
    const value = template[key];
    if (key.endsWith('.$') && key.length > 2) {
      defineKey(out, key.slice(0, -2), resolveDynamicValue(key, value, scope, random, field));
    } else {
      defineKey(out, key, resolvePayloadTemplate(value, scope, random, field));
    }
  }
  return out;
}

/** The value of one ".$" key: an intrinsic call or a path; anything else is a definition error. */
function resolveDynamicValue(key: string, expression: unknown, scope: PathScope, random: RandomSource, field: string): unknown {
  if (typeof expression === 'string') {
    if (isIntrinsicCall(expression)) return evaluateIntrinsic(expression, scope, random, key);
    if (expression.startsWith('$')) return resolvePath(key, expression, scope);
  }
  throw new StatesError(
    ErrorNames.Runtime,
    `The value for the field '${key}' in '${field}' must be a valid JSONPath or a valid intrinsic function call, but was ${JSON.stringify(expression)}`,
  );
}

function resolvePath(key: string, path: string, scope: PathScope): unknown {
  const result = queryPath(path, scope);
  if (result.found) return result.value;
  throw new StatesError(
    ErrorNames.Runtime,
    `The JSONPath '${path}' specified for the field '${key}' could not be found in the input '${JSON.stringify(scope.input)}'`,
  );
}
