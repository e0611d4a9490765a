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
import { batchItems, selectEachItem } from './map-items';
import { jsonTypeName } from './json-type';
import { jsonataNumber } from './jsonata-number';

const NUMERIC_TEXT = { integer: /^[-+]?\d+$/, float: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/ };

export async function execMap(ctx: StepContext, run: Run, state: MapState): Promise<void> {
  const env = ctx.env(run, state);
  let prepared: PreparedItems;
  try {
    prepared = await prepareItems(ctx, run, state, env);
  } catch (e) {
    // A Map that fails to evaluate a field before it starts shows EvaluationFailed, then MapStateFailed
    // (corpus: test_map_state_items_eval_jsonata_fail_*, test_map_state_items_input_types_*).
    if (e instanceof StatesError && e.error === ErrorNames.QueryEvaluationError) return ctx.processingFailed(run, state, e, 'MapStateFailed');
    throw e;
  }
  const { effective, list, maxConcurrency } = prepared;
  // MapStateStarted comes before the tolerated failure fields are read: AWS shows it when they are
  // invalid (corpus: test_map_state_tolerated_failure_count_path_*), not when MaxConcurrencyPath is.
  ctx.history.add('MapStateStarted', { length: list.length });
  const distributed = isDistributedMap(state);
  const toleratedCount = await mapNumber(state, env, effective, 'ToleratedFailureCount', 'integer');
  const toleratedPct = await mapNumber(state, env, effective, 'ToleratedFailurePercentage', 'float');
  if (toleratedCount !== undefined && toleratedCount < 0) throw new StatesError(ErrorNames.Runtime, 'ToleratedFailureCount cannot be negative.');
  if (toleratedPct !== undefined && (toleratedPct < 0 || toleratedPct > 100)) throw new StatesError(ErrorNames.Runtime, 'ToleratedFailurePercentage must be between 0 and 100.');
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

interface PreparedItems {
  /** the state's effective input (after InputPath; JSONata: the raw input) */
  effective: unknown;
  /** the items, batched when the state has an ItemBatcher */
  list: unknown[];
  maxConcurrency?: number;
}

/** What a Map reads before it starts (before MapStateStarted): its items, MaxConcurrency, the batches. */
async function prepareItems(ctx: StepContext, run: Run, state: MapState, env: StateEnv): Promise<PreparedItems> {
  // An ItemReader reads the items from Amazon S3, which this engine does not do: fail as a reader that
  // cannot read, rather than quietly map over the state input instead (docs/fan-out.md)
  if (state.ItemReader !== undefined) {
    throw new StatesError(ErrorNames.ItemReaderFailed, `The ItemReader of Map state '${run.stateName}' reads the items from Amazon S3, which Stepwright does not do; give the items in the state input (ItemsPath or Items) instead.`);
  }
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
  const maxConcurrency = await mapNumber(state, env, effective, 'MaxConcurrency', 'integer');
  let list: unknown[] = items;
  const batcher = state.ItemBatcher;
  if (batcher) list = await batchItems(await selectEachItem(ctx, run, state, effective, list), batcher, env, effective);
  return { effective, list, maxConcurrency };
}

type MapNumberField = 'MaxConcurrency' | 'ToleratedFailureCount' | 'ToleratedFailurePercentage';

/** MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage: literal, ...Path, or JSONata. */
async function mapNumber(state: MapState, env: StateEnv, input: unknown, field: MapNumberField, kind: 'integer' | 'float'): Promise<number | undefined> {
  const literal = state[field];
  if (typeof literal === 'number') return literal;
  // the field's type as its literal form has it (the validator's rules): counts are integers of 0 or more, the percentage 0 to 100
  if (typeof literal === 'string' && env.language === 'JSONata') return jsonataNumber(literal, env, field, kind === 'integer' ? { kind, min: 0 } : { kind: 'number', min: 0, max: 100 });
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
