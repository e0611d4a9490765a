/**
 * Settings that come in alternative forms: a literal number (or, in JSONata, an expression) and its
 * "...Path" twin read from the input, of which at most one may be given.
 */
import type { StateContext } from './context';
import { REFERENCE_PATH_RULES } from './jsonpath';
import { has } from './report';
import { checkNumberOrJsonata, checkPathField, type NumberRule } from './values';

/** AWS's ceiling for second counts (Task timeouts, Wait Seconds). */
export const MAX_SECONDS = 99999999;

/** Reports each pair of fields that are alternatives for one setting when both are present. */
export function checkExclusive(sc: StateContext, pairs: readonly (readonly [string, string])[]): void {
  for (const [a, b] of pairs) {
    if (has(sc.state, a) && has(sc.state, b)) sc.r.add(sc.path, `"${a}" and "${b}" are mutually exclusive`);
  }
}

/** A numeric setting or its "...Path" twin (the twin is JSONPath-only and already rejected in JSONata). */
export function checkNumberSetting(sc: StateContext, field: string, rule: NumberRule): void {
  if (has(sc.state, field)) checkNumberOrJsonata(sc.r, [...sc.path, field], sc.state[field], field, rule, sc.language);
  const pathField = field + 'Path';
  if (has(sc.state, pathField) && sc.language === 'JSONPath') {
    checkPathField(sc.r, [...sc.path, pathField], sc.state[pathField], pathField, REFERENCE_PATH_RULES);
  }
}

