/**
 * A number field given as a JSONata expression in a JSONata state (TimeoutSeconds, HeartbeatSeconds,
 * MaxConcurrency, ToleratedFailure*, ItemBatcher's MaxItemsPerBatch...): the Guide's "Transforming
 * data with JSONata" lets these fields hold `{% %}`; what the expression returns must be of the field's
 * type, or the state fails with States.QueryEvaluationError.
 */
import { StatesError, ErrorNames } from '../../asl/errors';
import { jsonataBody } from '../../asl/jsonata';
import { evaluateTemplate, type StateEnv } from '../dataflow';
import { jsonTypeName } from './json-type';

export interface NumberRule {
  kind: 'integer' | 'number';
  /** the smallest value allowed (inclusive) */
  min?: number;
  /** the largest value allowed (inclusive) */
  max?: number;
}

export async function jsonataNumber(expression: string, env: StateEnv, field: string, rule: NumberRule): Promise<number> {
  const v = await evaluateTemplate(expression, env, field);
  const where = `The JSONata expression '${jsonataBody(expression)}' specified for the field '${field}'`;
  if (typeof v !== 'number' || (rule.kind === 'integer' && !Number.isInteger(v))) {
    throw new StatesError(ErrorNames.QueryEvaluationError, `${where} returned an unexpected result type. Expected '${rule.kind}', but was '${jsonTypeName(v)}' for value: ${JSON.stringify(v)}`);
  }
  if ((rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
    const range = rule.max === undefined ? `at least ${rule.min}` : rule.min === undefined ? `at most ${rule.max}` : `between ${rule.min} and ${rule.max}`;
    throw new StatesError(ErrorNames.QueryEvaluationError, `${where} returned ${v}, but the field must be ${range}.`);
  }
  return v;
}
