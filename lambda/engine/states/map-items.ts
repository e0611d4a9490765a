/** What a Map's children receive: items grouped by the ItemBatcher, and each item's input (ItemSelector). */
import { resolvePayloadTemplate } from '../../asl/payload';
import { evaluateTemplate, pathScope, readPath, type StateEnv } from '../dataflow';
import type { ItemBatcher, MapState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';

/** ItemBatcher: items in batches of at most MaxItemsPerBatch items / MaxInputBytesPerBatch bytes, each {BatchInput?, Items}. */
export async function batchItems(items: unknown[], batcher: ItemBatcher, env: StateEnv, input: unknown): Promise<unknown[]> {
  const maxItems = typeof batcher.MaxItemsPerBatch === 'number' ? batcher.MaxItemsPerBatch : typeof batcher.MaxItemsPerBatchPath === 'string' ? (readPath(batcher.MaxItemsPerBatchPath, env, input).value as number) : undefined;
  const maxBytes = typeof batcher.MaxInputBytesPerBatch === 'number' ? batcher.MaxInputBytesPerBatch : typeof batcher.MaxInputBytesPerBatchPath === 'string' ? (readPath(batcher.MaxInputBytesPerBatchPath, env, input).value as number) : undefined;
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

/** A Map item's input: ItemSelector (or legacy Parameters) with $$.Map.Item, else the item itself. */
export async function itemInput(ctx: StepContext, parent: Run, state: MapState, index: number, value: unknown): Promise<unknown> {
  const selector = state.ItemSelector ?? state.Parameters;
  if (selector === undefined) return value;
  const env = ctx.env(parent, state, { mapItem: { index, value } });
  if (env.language === 'JSONata') return evaluateTemplate(selector, env, 'ItemSelector');
  return resolvePayloadTemplate(selector, pathScope(env, parent.fanOut!.effectiveInput), env.random, state.ItemSelector !== undefined ? 'ItemSelector' : 'Parameters');
}
