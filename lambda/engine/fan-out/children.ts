/**
 * Inline children of a Map or Parallel state: runs inside this snapshot, started a window at a time,
 * counted as they end, aborted together when the fan-out fails. The parent goes on through the
 * pending continuations (StepContext.pendingFanOut), which `settleFanOuts` runs from the drain loop.
 */
import { mapProcessorKey, type FanOutState } from '../definition';
import { itemInput, itemInputNow } from '../states/map-items';
import type { StateFailure, StepContext } from '../step-context';
import { failureTolerated } from '../tolerance';
import type { FanOut, Run } from '../types';
import { asMapState, fanOutStateOf } from './fan-out-state';
import { failFanOut, finishFanOut } from './finish';

/**
 * At most this many items of an inline Map run at once (MaxConcurrency 0 included), as on AWS, whose
 * inline Map runs up to 40 iterations concurrently: every running item is a run in the snapshot, so
 * starting 100,000 at once made one step write 100,000 runs and history events, and every later step
 * read and rewrite them all.
 */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

/**
 * Starts children up to MaxConcurrency (0 = all). Their item input is computed here (ItemSelector).
 * Synchronous unless an item input needs JSONata (then a promise for the rest of the window).
 */
export function startChildren(ctx: StepContext, parent: Run, state: FanOutState): void | Promise<void> {
  const fan = parent.fanOut!;
  // Parallel branches all start at once, as on AWS
  const window = fan.kind === 'parallel' ? Infinity : fan.maxConcurrency === 0 ? INLINE_MAP_MAX_CONCURRENCY : Math.min(fan.maxConcurrency, INLINE_MAP_MAX_CONCURRENCY);
  while (fan.nextIndex < fan.total && fan.running < window) {
    const index = fan.nextIndex++;
    const id = `${parent.id}/${parent.stateName}/${index}`;
    // after a redrive: children that succeeded keep their result, running ones go on
    if (fan.completed?.[index] || ctx.snap.runs[id]) continue;
    fan.running++;
    let input: unknown;
    let machinePath: string[];
    if (fan.kind === 'parallel') {
      input = fan.effectiveInput;
      machinePath = [...parent.machinePath, 'States', parent.stateName, 'Branches', String(index)];
    } else {
      const map = asMapState(state);
      const now = itemInputNow(ctx, parent, map, index, fan.items![index]);
      if (now === undefined) return startWithJsonata(ctx, parent, state, index, id);
      input = now.input;
      machinePath = [...parent.machinePath, 'States', parent.stateName, mapProcessorKey(map)];
      if (!fan.distributed) ctx.history.add('MapIterationStarted', { name: parent.stateName, index });
    }
    ctx.startRun({ id, parentId: parent.id, childIndex: index, machinePath, input });
  }
}

/** The Map item `index` (already counted as running) whose input needs JSONata, then the rest of the window. */
async function startWithJsonata(ctx: StepContext, parent: Run, state: FanOutState, index: number, id: string): Promise<void> {
  const map = asMapState(state);
  const input = await itemInput(ctx, parent, map, index, parent.fanOut!.items![index]);
  const machinePath = [...parent.machinePath, 'States', parent.stateName, mapProcessorKey(map)];
  if (!parent.fanOut!.distributed) ctx.history.add('MapIterationStarted', { name: parent.stateName, index });
  ctx.startRun({ id, parentId: parent.id, childIndex: index, machinePath, input });
  await startChildren(ctx, parent, state);
}

/** A Map item or Parallel branch has ended: record it, start the next, finish the parent when all are done. */
export function childEnded(ctx: StepContext, child: Run): void {
  const parent = ctx.snap.runs[child.parentId!];
  delete ctx.snap.runs[child.id];
  if (!parent || !parent.fanOut) return;
  ctx.attribute(parent); // what follows (MapIteration* events) is the parent's
  const fan = parent.fanOut;
  fan.running--;
  const index = child.childIndex!;
  if (child.status === 'SUCCEEDED') {
    fan.succeeded++;
    fan.results[index] = child.output;
    (fan.completed ??= [])[index] = true;
    if (fan.kind === 'map' && !fan.distributed) ctx.history.add('MapIterationSucceeded', { name: parent.stateName, index });
  } else {
    fan.failed++;
    fan.firstError ??= { error: child.error!, cause: child.cause };
    if (fan.kind === 'map' && !fan.distributed) ctx.history.add('MapIterationFailed', { name: parent.stateName, index });
    if (!childFailureTolerated(fan)) {
      abortChildren(ctx, parent);
      ctx.pendingFanOut.push({ parentId: parent.id, failed: true });
      return;
    }
  }
  if (fan.succeeded + fan.failed >= fan.total) ctx.pendingFanOut.push({ parentId: parent.id, failed: false });
  else ctx.pendingFanOut.push({ parentId: parent.id, more: true });
}

/** Called once a child has failed: a Parallel fails at once, a Map within its tolerance goes on. */
export function childFailureTolerated(fan: FanOut): boolean {
  if (fan.kind === 'parallel') return false;
  return failureTolerated(fan.failed, fan.total, { count: fan.toleratedFailureCount, percentage: fan.toleratedFailurePercentage });
}

function abortChildren(ctx: StepContext, parent: Run): void {
  const fan = parent.fanOut!;
  for (const child of childrenOf(ctx, parent)) {
    abortRunTree(ctx, child);
    if (fan.kind === 'map' && !fan.distributed) ctx.history.add('MapIterationAborted', { name: parent.stateName, index: child.childIndex });
  }
  fan.running = 0;
}

/** Running children of a run, in index order (a scan: only needed when a fan-out is aborted or redriven). */
export function childrenOf(ctx: StepContext, parent: Run): Run[] {
  return Object.values(ctx.snap.runs)
    .filter((r) => r.parentId === parent.id)
    .sort((a, b) => (a.childIndex ?? 0) - (b.childIndex ?? 0));
}

/**
 * An error that fails "the execution" (States.Runtime) raised inside an item of a Distributed Map run
 * inline: on AWS the item is a child execution of its own, so that execution fails, not this one, and
 * the Map Run counts one failed item (as when the item runs spread). Everything below the item goes.
 */
export function failDistributedItem(ctx: StepContext, item: Run, failure: StateFailure): void {
  // what the item itself waits on (the error came from a run below it): its task cancelled, its spread children stopped
  if (item.waiting?.kind === 'task') ctx.effects.push({ type: 'CancelTask', token: item.waiting.token });
  if (item.waiting?.kind === 'children' && item.fanOut?.spread) ctx.effects.push({ type: 'StopChildren', fanId: item.fanOut.spread.fanId, total: item.fanOut.total, generation: item.fanOut.spread.generation });
  for (const child of childrenOf(ctx, item)) abortRunTree(ctx, child);
  item.waiting = undefined;
  ctx.failRun(item, failure);
}

/** Removes a run and everything below it, cancelling its task and stopping the children it spread. */
function abortRunTree(ctx: StepContext, run: Run): void {
  if (run.waiting?.kind === 'task') ctx.effects.push({ type: 'CancelTask', token: run.waiting.token });
  if (run.waiting?.kind === 'children' && run.fanOut?.spread) ctx.effects.push({ type: 'StopChildren', fanId: run.fanOut.spread.fanId, total: run.fanOut.total, generation: run.fanOut.spread.generation });
  for (const child of childrenOf(ctx, run)) abortRunTree(ctx, child);
  delete ctx.snap.runs[run.id];
}

/** Runs queued parent continuations; called by the drain loop between runs. True when it ran any. */
export async function settleFanOuts(ctx: StepContext): Promise<boolean> {
  let did = false;
  while (ctx.pendingFanOut.length > 0 && ctx.snap.status === 'RUNNING') {
    const p = ctx.pendingFanOut.shift()!;
    const parent = ctx.snap.runs[p.parentId];
    if (!parent || !parent.fanOut) continue;
    const state = fanOutStateOf(ctx, parent);
    did = true;
    ctx.attribute(parent);
    if (p.failed) await failFanOut(ctx, parent, state);
    else if (p.more) {
      const pending = startChildren(ctx, parent, state);
      if (pending !== undefined) await pending;
    }
    else await finishFanOut(ctx, parent, state);
  }
  return did;
}
