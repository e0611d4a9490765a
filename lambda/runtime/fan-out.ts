/**
 * Spread fan-out: every Map item and Parallel branch runs as an execution of its own, advanced by its
 * own queue messages, so the work spreads over as many worker invocations as there are items.
 *
 *   parent commits SpawnChildren -> (outbox flush) child records created, the first ones started
 *   child ends -> its outbox sends `fanIn` -> failure reported to the parent; successor started;
 *                 index added to its shard's set -> a full shard adds itself to the root set
 *   root set full -> `collect` -> results read from the children, in index order -> parent continues
 *
 * No hot key: the fan-in counter is a two-level tree of DynamoDB number sets (see docs/fan-out.md).
 * Adding to a set is idempotent, so a fanIn message delivered twice counts once; the parent applies
 * ChildrenCompleted by its wait token, so two `collect`s continue it once.
 */
import { applyEvent, flushOutbox } from './advance-execution';
import type { EngineDeps } from './deps';
import type { ChildLink, ExecutionRecord, FanOutOrder, OutgoingMessage } from '../ports';
import { ErrorNames } from '../asl/errors';
import { forEachLimited } from './for-each-limited';

type Spawn = Extract<FanOutOrder, { type: 'SpawnChildren' }>;
type Redrive = Extract<FanOutOrder, { type: 'RedriveChildren' }>;

/** Record writes and reads a fan-out does at once (one worker invocation). */
const PARALLEL_WRITES = 32;

export function childArnOf(fanId: string, index: number): string {
  return `${fanId}/${index}`;
}

/**
 * The fan-in tree: `total` indices in shards of about sqrt(total), each shard one set; a root set of
 * the shards that are full. 10,000 items: 100 shards of 100, so no set takes more than 100 additions.
 */
export function fanInLayout(total: number): { shardSize: number; shards: number } {
  const shardSize = Math.max(1, Math.ceil(Math.sqrt(total)));
  return { shardSize, shards: Math.ceil(total / shardSize) };
}

function setKey(fanId: string, generation: number, shard: number | 'root'): string {
  return `${fanId}#g${generation}#${shard}`;
}


/** The indices to start first: all of them, or the first MaxConcurrency (each start of one more follows an end). */
function firstWave(indices: number[], maxConcurrency: number): number[] {
  return maxConcurrency > 0 ? indices.slice(0, maxConcurrency) : indices;
}

function startMessages(fanId: string, indices: number[]): OutgoingMessage[] {
  return indices.map((i) => ({ body: { kind: 'startChild', executionArn: childArnOf(fanId, i) } }));
}

// ---------------------------------------------------------------- orders from a parent's outbox

/** Carries out a committed parent's fan-out orders. Safe to run twice (a crash before the outbox clears). */
export async function carryOutFanOut(deps: EngineDeps, parent: ExecutionRecord, order: FanOutOrder): Promise<void> {
  if (order.type === 'SpawnChildren') return spawn(deps, parent, order);
  if (order.type === 'RedriveChildren') return redrive(deps, order);
  // StopChildren: every child that still runs is stopped (finished ones ignore it; unstarted ones end ABORTED).
  const stops: OutgoingMessage[] = [];
  for (let i = 0; i < order.total; i++) stops.push({ body: { kind: 'event', executionArn: childArnOf(order.fanId, i), event: { type: 'StopExecution', generation: order.generation } } });
  await deps.queue.send(stops);
}

async function spawn(deps: EngineDeps, parent: ExecutionRecord, order: Spawn): Promise<void> {
  const snap = parent.snapshot!;
  const { input: _rootInput, ...execution } = snap.execution;
  const total = order.inputs.length;
  const startDate = deps.clock.now().toISOString();
  const n = order.maxConcurrency;
  const indices = order.inputs.map((_, i) => i);
  await forEachLimited(indices, PARALLEL_WRITES, async (index) => {
    const child: ChildLink = {
      parentArn: parent.executionArn,
      fanId: order.fanId,
      token: order.token,
      kind: order.kind,
      index,
      total,
      maxConcurrency: n,
      next: n > 0 && index + n < total ? index + n : undefined,
      generation: snap.execution.redriveCount,
      machinePath: order.machinePaths[index] ?? order.machinePaths[0],
      outerVariables: Object.keys(order.outerVariables).length ? order.outerVariables : undefined,
      execution,
      limits: snap.limits,
    };
    const rec: ExecutionRecord = {
      executionArn: childArnOf(order.fanId, index),
      stateMachineArn: parent.stateMachineArn,
      stateMachineName: parent.stateMachineName,
      revisionId: parent.revisionId,
      name: `${order.stateName}-${index}`,
      status: 'RUNNING',
      input: JSON.stringify(order.inputs[index] ?? null),
      startDate,
      traceId: parent.traceId,
      retentionSeconds: parent.retentionSeconds,
      version: 0,
      child,
    };
    // false: it exists (this outbox is being flushed again): leave it as it is
    await deps.store.createExecution(rec);
  });
  await deps.queue.send(startMessages(order.fanId, firstWave(indices, n)));
}

/**
 * A redriven parent: children that succeeded count as done at once (under the new generation); the
 * others are chained again under MaxConcurrency and started (unstarted ones) or redriven.
 */
async function redrive(deps: EngineDeps, order: Redrive): Promise<void> {
  const arns = Array.from({ length: order.total }, (_, i) => childArnOf(order.fanId, i));
  const records = await deps.store.getExecutions(arns);
  const pending = records.map((r, i) => (r?.status === 'SUCCEEDED' ? -1 : i)).filter((i) => i >= 0);
  const n = order.maxConcurrency;
  await forEachLimited(pending, PARALLEL_WRITES, async (index, j) => {
    const next = n > 0 && j + n < pending.length ? pending[j + n] : undefined;
    await updateChild(deps, arns[index], (rec) => {
      rec.child = { ...rec.child!, generation: order.generation, next };
      // stopped before it ever started: it may start now
      if (!rec.snapshot && rec.status === 'ABORTED') Object.assign(rec, { status: 'RUNNING', stopDate: undefined });
    });
  });
  const done = records.flatMap((r) => (r?.status === 'SUCCEEDED' && r.child ? [{ ...r.child, generation: order.generation }] : []));
  await forEachLimited(done, PARALLEL_WRITES, async (link) => countDone(deps, link, undefined));
  await deps.queue.send(startMessages(order.fanId, firstWave(pending, n)));
}

async function updateChild(deps: EngineDeps, arn: string, change: (rec: ExecutionRecord) => void): Promise<void> {
  for (;;) {
    const rec = await deps.store.getExecution(arn);
    if (!rec?.child) return;
    const next = { ...rec, version: rec.version + 1 };
    change(next);
    if (await deps.store.updateExecution(next, rec.version)) return;
  }
}

// ---------------------------------------------------------------- messages

/** `startChild`: starts a child, or redrives one that ran in an earlier generation of its parent. */
export async function startChild(deps: EngineDeps, childArn: string, start: (arn: string, known: ExecutionRecord) => Promise<void>): Promise<void> {
  const rec = await deps.store.getExecution(childArn);
  if (!rec?.child) return;
  if (!rec.snapshot) return start(childArn, rec);
  const link = rec.child;
  if (rec.status === 'RUNNING' || rec.status === 'SUCCEEDED' || link.redrivenGeneration === link.generation) {
    // A crash right after this message's own commit left its outbox: nothing else would finish it.
    if (rec.outbox) await flushOutbox(deps, rec);
    return;
  }
  await applyEvent(deps, childArn, { type: 'RedriveExecution' }, { childRedriven: true, known: rec });
}

/** `fanIn`: a child has ended. Failures reach the parent before the count, so the count never outruns them. */
export async function fanIn(deps: EngineDeps, childArn: string, generation: number): Promise<void> {
  const rec = await deps.store.getExecution(childArn);
  if (!rec?.child || rec.status === 'RUNNING') return;
  const link = rec.child;
  // The end of a run from before the parent's redrive (e.g. aborted when the fan-out failed): the
  // redrive has counted or restarted this child under its own generation.
  if (link.generation !== generation) return;
  if (rec.status !== 'SUCCEEDED') {
    const error = rec.error ?? (rec.status === 'TIMED_OUT' ? ErrorNames.Timeout : 'States.Aborted');
    await applyEvent(deps, link.parentArn, { type: 'ChildFailed', token: link.token, generation, index: link.index, error, cause: rec.cause });
  }
  if (link.next !== undefined) await deps.queue.send(startMessages(link.fanId, [link.next]));
  await countDone(deps, link, rec.retentionSeconds);
}

async function countDone(deps: EngineDeps, link: ChildLink, retentionSeconds: number | null | undefined): Promise<void> {
  const { shardSize, shards } = fanInLayout(link.total);
  const shard = Math.floor(link.index / shardSize);
  const inShard = Math.min(shardSize, link.total - shard * shardSize);
  const expiresAt = typeof retentionSeconds === 'number' ? Math.floor(deps.clock.now().getTime() / 1000) + retentionSeconds : undefined;
  const shardFull = (await deps.store.addToSet(setKey(link.fanId, link.generation, shard), link.index, expiresAt)) >= inShard;
  deps.fault?.('after-count');
  if (!shardFull) return;
  const rootFull = (await deps.store.addToSet(setKey(link.fanId, link.generation, 'root'), shard, expiresAt)) >= shards;
  deps.fault?.('after-count');
  if (!rootFull) return;
  await deps.queue.send([{ body: { kind: 'collect', executionArn: link.parentArn, fanId: link.fanId, token: link.token, total: link.total, generation: link.generation } }]);
}

/** Records read per request when the results are gathered (DynamoDB's BatchGetItem takes 100 keys). */
const COLLECT_PAGE = 100;

/** `collect`: every child has ended; their outputs, in index order, continue the parent. */
export async function collect(deps: EngineDeps, msg: { executionArn: string; fanId: string; token: string; total: number; generation: number }): Promise<void> {
  const parent = await deps.store.getExecution(msg.executionArn);
  const waiting = parent?.status === 'RUNNING' ? Object.values(parent.snapshot?.runs ?? {}).find((r) => r.waiting?.kind === 'children' && r.waiting.token === msg.token) : undefined;
  if (!waiting) {
    // a duplicate, or the parent has moved on (perhaps through this very message, before a crash: finish its outbox)
    if (parent?.outbox) await flushOutbox(deps, parent);
    return;
  }
  // A ResultWriter keeps the results with the children (read through the API): nothing to gather.
  if (waiting.fanOut?.resultsKept) {
    await applyEvent(deps, msg.executionArn, { type: 'ChildrenCompleted', token: msg.token, generation: msg.generation, results: [] }, { known: parent });
    return;
  }
  const results: unknown[] = new Array(msg.total);
  for (let from = 0; from < msg.total; from += COLLECT_PAGE) {
    const arns = Array.from({ length: Math.min(COLLECT_PAGE, msg.total - from) }, (_, i) => childArnOf(msg.fanId, from + i));
    const records = await deps.store.getExecutions(arns);
    records.forEach((r, i) => (results[from + i] = r?.status === 'SUCCEEDED' && r.output !== undefined ? JSON.parse(r.output) : null));
  }
  await applyEvent(deps, msg.executionArn, { type: 'ChildrenCompleted', token: msg.token, generation: msg.generation, results });
}
