/**
 * Payload templates of JSONPath states: Parameters, ItemSelector, ResultSelector, and the legacy Map
 * Parameters. A key ending in ".$" takes, under the key without ".$", the value of a path (`$...`,
 * `$$...`, `$var...`) or of an intrinsic function call; every other value is copied as it is.
 * (Assign uses the same rules; the engine may call this for it too.)
 */
import { StatesError, ErrorNames } from './errors';
import type { PathScope, RandomSource } from './scope';
import { queryCompiledPath, isPlainObject, defineKey } from './jsonpath';
import { compilePath, type CompiledPath } from './jsonpath-grammar';
import { intrinsicEvaluator, isIntrinsicCall, parseIntrinsic, type IntrinsicEvaluator } from './intrinsics';

/**
 * One member of an object template, worked out once per template object: the output key, and what
 * gives its value. Templates are parts of definitions, which are never changed once run, so the
 * plan is kept with the object (a WeakMap); paths and intrinsics are compiled at their first use, so
 * a bad one still fails when (and in the order) it is evaluated, with the same error.
 */
type Member =
  | { kind: 'copy'; key: string; value: unknown }
  | { kind: 'path'; key: string; dynamicKey: string; path: string; compiled?: CompiledPath }
  | { kind: 'intrinsic'; key: string; dynamicKey: string; expression: string; evaluate?: IntrinsicEvaluator }
  | { kind: 'invalid'; key: string; dynamicKey: string; expression: unknown };

const plans = new WeakMap<object, Member[]>();

function planOf(template: Record<string, unknown>): Member[] {
  let plan = plans.get(template);
  if (plan !== undefined) return plan;
  plan = Object.keys(template).map((key): Member => {
    const value = template[key];
    if (!(key.endsWith('.$') && key.length > 2)) return { kind: 'copy', key, value };
    const out = key.slice(0, -2);
    if (typeof value === 'string' && isIntrinsicCall(value)) return { kind: 'intrinsic', key: out, dynamicKey: key, expression: value };
    if (typeof value === 'string' && value.startsWith('$')) return { kind: 'path', key: out, dynamicKey: key, path: value };
    return { kind: 'invalid', key: out, dynamicKey: key, expression: value };
  });
  plans.set(template, plan);
  return plan;
}

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
  for (const member of planOf(template)) defineKey(out, member.key, memberValue(member, scope, random, field));
  return out;
}

/** The value of one member: a copy of a literal, or of a ".$" key an intrinsic call or a path; anything else is a definition error. */
function memberValue(member: Member, scope: PathScope, random: RandomSource, field: string): unknown {
  switch (member.kind) {
    case 'copy':
      return resolvePayloadTemplate(member.value, scope, random, field);
    case 'intrinsic':
      return (member.evaluate ??= intrinsicEvaluator(parseIntrinsic(member.expression)))({ scope, random, field: member.dynamicKey });
    case 'path':
      return resolvePath(member.dynamicKey, member.path, (member.compiled ??= compilePath(member.path)), scope);
    default:
      throw new StatesError(
        ErrorNames.Runtime,
        `The value for the field '${member.dynamicKey}' in '${field}' must be a valid JSONPath or a valid intrinsic function call, but was ${JSON.stringify(member.expression)}`,
      );
  }
}

function resolvePath(key: string, path: string, compiled: CompiledPath, scope: PathScope): unknown {
  const result = queryCompiledPath(compiled, scope);
  if (result.found) return result.value;
  throw new StatesError(
    ErrorNames.Runtime,
    `The JSONPath '${path}' specified for the field '${key}' could not be found in the input '${JSON.stringify(scope.input)}'`,
  );
}
