/** Wait: a timer (effect SetTimer) until Seconds / Timestamp (literal, ...Path or JSONata), then a pass-through. */
import { StatesError, ErrorNames } from '../../asl/errors';
import { parseTimestamp } from '../../asl/timestamp';
import { applyInputPath, evaluateTemplate, readPath, type StateEnv } from '../dataflow';
import type { WaitState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';
import { jsonTypeName } from './json-type';
import { passThrough } from './pass-through';

export async function execWait(ctx: StepContext, run: Run, state: WaitState): Promise<void> {
  const env = ctx.env(run, state);
  const untilMillis = await waitUntil(ctx, state, env);
  if (untilMillis <= ctx.nowMillis) return finishWait(ctx, run, state);
  const token = ctx.newToken();
  const until = new Date(untilMillis).toISOString();
  run.waiting = { kind: 'timer', token, until };
  ctx.effects.push({ type: 'SetTimer', token, at: until, purpose: 'wait' });
}

/** The wait is over (at once, or its timer fired): the state's output. */
export async function finishWait(ctx: StepContext, run: Run, state: WaitState): Promise<void> {
  try {
    await passThrough(ctx, run, state);
  } catch (e) {
    await ctx.processingFailed(run, state, e);
  }
}

async function waitUntil(ctx: StepContext, state: WaitState, env: StateEnv): Promise<number> {
  const prefixSeconds = (s: number) => ctx.nowMillis + s * 1000;
  if (env.language === 'JSONata') {
    if (state.Seconds !== undefined) {
      const s = await evaluateTemplate(state.Seconds, env, 'Seconds');
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
        throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${state.Seconds}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '${jsonTypeName(s)}' for value: ${JSON.stringify(s)}`);
      }
      return prefixSeconds(s);
    }
    const ts = await evaluateTemplate(state.Timestamp, env, 'Timestamp');
    const parsed = typeof ts === 'string' ? parseTimestamp(ts) : undefined;
    if (parsed === undefined) throw new StatesError(ErrorNames.QueryEvaluationError, `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(ts)}`);
    return parsed;
  }
  const input = applyInputPath(state, env);
  if (typeof state.Seconds === 'number') return prefixSeconds(state.Seconds);
  if (typeof state.Timestamp === 'string') {
    const parsed = parseTimestamp(state.Timestamp);
    if (parsed === undefined) throw new StatesError(ErrorNames.Runtime, `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${state.Timestamp}`);
    return parsed;
  }
  if (typeof state.SecondsPath === 'string') {
    const found = readPath(state.SecondsPath, env, input);
    if (!found.found) throw new StatesError(ErrorNames.Runtime, `The SecondsPath parameter does not reference an input value: ${state.SecondsPath}`);
    const v = found.value;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new StatesError(ErrorNames.Runtime, `The SecondsPath parameter cannot be parsed as a long value: ${state.SecondsPath} == ${JSON.stringify(v)}`);
    if (v < 0) throw new StatesError(ErrorNames.Runtime, `The SecondsPath parameter references a negative value: ${state.SecondsPath} == ${v}`);
    return prefixSeconds(v);
  }
  // the validator requires one of the four; an unvalidated state without them reads an undefined path, as always
  const path = state.TimestampPath as string;
  const found = readPath(path, env, input);
  if (!found.found) throw new StatesError(ErrorNames.Runtime, `The TimestampPath parameter does not reference an input value: ${path}`);
  const parsed = typeof found.value === 'string' ? parseTimestamp(found.value) : undefined;
  if (parsed === undefined) {
    throw new StatesError(ErrorNames.Runtime, `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path} == ${typeof found.value === 'string' ? found.value : JSON.stringify(found.value)}`);
  }
  return parsed;
}
