/** What a Map's children receive: items grouped by the ItemBatcher, and each item's input (ItemSelector). */
import { resolvePayloadTemplate } from '../../asl/payload';
import { evaluateTemplate, pathScope, readPath, type StateEnv } from '../dataflow';
import type { ItemBatcher, MapState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';
import { jsonataNumber } from './jsonata-number';

/** MaxItemsPerBatch / MaxInputBytesPerBatch: a literal, a ...Path (JSONPath) or a JSONata expression (an integer of 1 or more). */
async function batchLimit(batcher: ItemBatcher, field: 'MaxItemsPerBatch' | 'MaxInputBytesPerBatch', env: StateEnv, input: unknown): Promise<number | undefined> {
  const literal = batcher[field];
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'string' && env.language === 'JSONata') return jsonataNumber(literal, env, `ItemBatcher/${field}`, { kind: 'integer', min: 1 });
  const path = batcher[`${field}Path`];
  return typeof path === 'string' ? (readPath(path, env, input).value as number) : undefined;
}

/**
 * ItemBatcher: items in batches of at most MaxItemsPerBatch items / MaxInputBytesPerBatch bytes, each
 * {BatchInput?, Items}. `items` are already through the ItemSelector (selectEachItem).
 */
export async function batchItems(items: unknown[], batcher: ItemBatcher, env: StateEnv, input: unknown): Promise<unknown[]> {
  const maxItems = await batchLimit(batcher, 'MaxItemsPerBatch', env, input);
  const maxBytes = await batchLimit(batcher, 'MaxInputBytesPerBatch', env, input);
  let batchInput: unknown = batcher.BatchInput;
  if (batchInput !== undefined && env.language === 'JSONPath') {
    batchInput = resolvePayloadTemplate(batchInput, pathScope(env, input), env.random, 'BatchInput');
  } else if (batchInput !== undefined) batchInput = await evaluateTemplate(batchInput, env, 'ItemBatcher/BatchInput');
  const batches: unknown[] = [];
  let current: unknown[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    const full = (maxItems !== undefined && current.length >= maxItems) || (maxBytes !== undefined && current.length > 0 && bytes + size > maxBytes);
    if (full) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches.map((b) => (batchInput !== undefined ? { BatchInput: batchInput, Items: b } : { Items: b }));
}

/**
 * With an ItemBatcher, the ItemSelector shapes each item before the items are batched ($$.Map.Item
 * is the item and its index in the whole list), so a batch's Items are the selected items: all of
 * them, once, when the Map begins.
 */
export async function selectEachItem(ctx: StepContext, run: Run, state: MapState, effectiveInput: unknown, items: unknown[]): Promise<unknown[]> {
  if ((state.ItemSelector ?? state.Parameters) === undefined) return items;
  const out: unknown[] = [];
  for (const [index, value] of items.entries()) out.push(await selectItem(ctx, run, state, effectiveInput, index, value));
  return out;
}

/** A Map item's input: ItemSelector (or legacy Parameters) with $$.Map.Item, else the item itself; a batch is selected already. */
export async function itemInput(ctx: StepContext, parent: Run, state: MapState, index: number, value: unknown): Promise<unknown> {
  if (state.ItemBatcher !== undefined) return value;
  return selectItem(ctx, parent, state, parent.fanOut!.effectiveInput, index, value);
}

/**
 * itemInput without a promise, when no JSONata is involved (the language of the Map state is JSONPath):
 * `{ input }`, or undefined when the item needs itemInput (JSONata awaits).
 */
export function itemInputNow(ctx: StepContext, parent: Run, state: MapState, index: number, value: unknown): { input: unknown } | undefined {
  if (state.ItemBatcher !== undefined) return { input: value };
  const selector = state.ItemSelector ?? state.Parameters;
  if (selector === undefined) return { input: value };
  const env = ctx.env(parent, state, { mapItem: { index, value } });
  if (env.language === 'JSONata') return undefined;
  return { input: resolvePayloadTemplate(selector, pathScope(env, parent.fanOut!.effectiveInput), env.random, state.ItemSelector !== undefined ? 'ItemSelector' : 'Parameters') };
}

/** `effectiveInput`: the Map's input after InputPath, which `$` in a JSONPath ItemSelector reads. */
async function selectItem(ctx: StepContext, parent: Run, state: MapState, effectiveInput: unknown, index: number, value: unknown): Promise<unknown> {
  const selector = state.ItemSelector ?? state.Parameters;
  if (selector === undefined) return value;
  const env = ctx.env(parent, state, { mapItem: { index, value } });
  if (env.language === 'JSONata') return evaluateTemplate(selector, env, 'ItemSelector');
  return resolvePayloadTemplate(selector, pathScope(env, effectiveInput), env.random, state.ItemSelector !== undefined ? 'ItemSelector' : 'Parameters');
}
