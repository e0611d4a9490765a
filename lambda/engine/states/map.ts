/**
 * Map: the items (ItemsPath / Items), checked and batched, each run through the ItemProcessor; the
 * result is their outputs, in item order. MaxConcurrency and the failure tolerance are read here,
 * once, when the state begins.
 */
import { StatesError, ErrorNames } from '../../asl/errors';
import { selectInputOrOutputPath } from '../../asl/jsonpath';
import { isJsonataExpression } from '../../asl/jsonata';
import { inlineMapRunArnOf, mapRunArnOf } from '../arns';
import { applyInputPath, evaluateTemplate, pathScope, readPath, type StateEnv } from '../dataflow';
import { isDistributedMap, type MapState } from '../definition';
import { beginFanOut } from '../fan-out/begin';
import { spreadMark } from '../fan-out/spread';
import { payloadLimitProblem, MAX_PAYLOAD_BYTES, TOO_DEEP } from '../limits';
import type { StepContext } from '../step-context';
import type { FanOut, Run } from '../types';
import { batchItems } from './map-items';
import { jsonTypeName } from './json-type';

const NUMERIC_TEXT = { integer: /^[-+]?\d+$/, float: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/ };

export async function execMap(ctx: StepContext, run: Run, state: MapState): Promise<void> {
  const env = ctx.env(run, state);
  let items: unknown;
  let effective: unknown;
  if (env.language === 'JSONata') {
    effective = env.rawInput;
    items = state.Items === undefined ? env.rawInput : await evaluateTemplate(state.Items, env, 'Items');
    if (!Array.isArray(items)) {
      if (state.Items !== undefined && isJsonataExpression(state.Items)) {
        throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${state.Items.slice(2, -2).trim()}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonTypeName(items)}' for value: ${JSON.stringify(items)}`);
      }
      throw new StatesError(ErrorNames.QueryEvaluationError, `Map state input must be an array but was: ${JSON.stringify(items)}`);
    }
  } else {
    effective = applyInputPath(state, env);
    items = state.ItemsPath === undefined ? effective : selectInputOrOutputPath(state.ItemsPath, pathScope(env, effective), 'ItemsPath');
    if (!Array.isArray(items)) throw new StatesError(ErrorNames.Runtime, `Map state input must be an array but was: ${JSON.stringify(items)}`);
  }
  // Items are a state input: more than the payload limit is refused before a run is started for each
  const itemsProblem = payloadLimitProblem(items);
  if (itemsProblem !== undefined) {
    const what = itemsProblem === 'bytes' ? `exceed the maximum number of bytes service limit (${MAX_PAYLOAD_BYTES} bytes of JSON).` : `are ${TOO_DEEP}`;
    throw new StatesError(ErrorNames.DataLimitExceeded, `The items of the Map state '${run.stateName}' (${items.length} items) ${what}`);
  }
  const distributed = isDistributedMap(state);
  const maxConcurrency = await mapNumber(state, env, effective, 'MaxConcurrency', 'integer');
  const toleratedCount = await mapNumber(state, env, effective, 'ToleratedFailureCount', 'integer');
  const toleratedPct = await mapNumber(state, env, effective, 'ToleratedFailurePercentage', 'float');
  if (toleratedCount !== undefined && toleratedCount < 0) throw new StatesError(ErrorNames.Runtime, 'ToleratedFailureCount cannot be negative.');
  if (toleratedPct !== undefined && (toleratedPct < 0 || toleratedPct > 100)) throw new StatesError(ErrorNames.Runtime, 'ToleratedFailurePercentage must be between 0 and 100.');
  let list: unknown[] = items;
  const batcher = state.ItemBatcher;
  if (batcher) list = await batchItems(list, batcher, env, effective);
  ctx.history.add('MapStateStarted', { length: list.length });
  const fan: FanOut = {
    kind: 'map',
    effectiveInput: effective,
    items: list,
    total: list.length,
    nextIndex: 0,
    running: 0,
    maxConcurrency: maxConcurrency ?? 0,
    results: new Array(list.length).fill(null),
    succeeded: 0,
    failed: 0,
    toleratedFailureCount: toleratedCount,
    toleratedFailurePercentage: toleratedPct,
    distributed,
    spread: spreadMark(ctx, run, state),
  };
  if (fan.spread && state.ResultWriter !== undefined) fan.resultsKept = true;
  if (fan.spread) ctx.history.add('MapRunStarted', { mapRunArn: mapRunArnOf(fan.spread.fanId) });
  else if (distributed) ctx.history.add('MapRunStarted', { mapRunArn: inlineMapRunArnOf(ctx.snap.execution.arn, run.stateName) });
  await beginFanOut(ctx, run, state, fan);
}

type MapNumberField = 'MaxConcurrency' | 'ToleratedFailureCount' | 'ToleratedFailurePercentage';

/** MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage: literal, ...Path, or JSONata. */
async function mapNumber(state: MapState, env: StateEnv, input: unknown, field: MapNumberField, kind: 'integer' | 'float'): Promise<number | undefined> {
  const literal = state[field];
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'string' && env.language === 'JSONata') {
    const v = await evaluateTemplate(literal, env, field);
    if (typeof v !== 'number') throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${literal}' specified for the field '${field}' returned an unexpected result type. Expected 'number', but was '${jsonTypeName(v)}' for value: ${JSON.stringify(v)}`);
    return v;
  }
  const path = state[`${field}Path`];
  if (typeof path !== 'string') return undefined;
  const found = readPath(path, env, input);
  const v = found.value;
  // AWS parses the value as Java does: numbers, and strings holding a number ("1"), are accepted.
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC_TEXT[kind].test(v.trim()) ? Number(v) : NaN;
  if (!found.found || Number.isNaN(n) || (kind === 'integer' && !Number.isInteger(n))) {
    const shown = typeof v === 'string' ? v : JSON.stringify(v ?? null);
    throw new StatesError(ErrorNames.Runtime, `The ${field}Path field refers to value "${shown}" which is not a valid ${kind}: ${path}`);
  }
  return n;
}
