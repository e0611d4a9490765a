/**
 * Spread fan-out, the parent's side: carries out the fan-out orders a parent's commit put in its outbox
 * (create and start the children, stop them, redrive them) and counts ended children into the fan-in
 * tree. Called from the outbox flush (advance-execution.ts); it applies no events itself, so it sits
 * below advance-execution and the message handlers in fan-out.ts sit above it (no import cycle).
 * The whole design is described in fan-out.ts.
 */
import type { EngineDeps } from './deps';
import type { ChildLink, ExecutionRecord, FanOutOrder, OutgoingMessage } from '../ports';
import { forEachLimited } from '../for-each-limited';

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

export function startMessages(fanId: string, indices: number[]): OutgoingMessage[] {
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

/** A child has ended: adds it to its shard's set (idempotent); the add that fills the root set sends `collect`. */
export async function countDone(deps: EngineDeps, link: ChildLink, retentionSeconds: number | null | undefined): Promise<void> {
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
