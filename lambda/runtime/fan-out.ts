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
import type { ExecutionRecord } from '../ports';
import { ErrorNames } from '../asl/errors';
import { childArnOf, countDone, startMessages } from './fan-out-orders';
import { causeAsParentShows } from './history-view';

// The parent's side (orders from its outbox, the fan-in count) lives in fan-out-orders.ts, below
// advance-execution.ts: these message handlers apply events, the orders are carried out by a flush.
export { childArnOf, fanInLayout } from './fan-out-orders';

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
    // A child that FAILED passes on its own error, even none (a Fail state without Error: AWS reports
    // none, as an inline child does); only a child stopped from outside has an error made up for it.
    const error = rec.status === 'FAILED' ? rec.error! : rec.status === 'TIMED_OUT' ? ErrorNames.Timeout : 'States.Aborted';
    // An error that fails the whole execution (States.Runtime...) fails the parent's too, as inline
    const failsExecution = rec.status === 'FAILED' && rec.snapshot?.failedExecution === true ? true : undefined;
    await applyEvent(deps, link.parentArn, { type: 'ChildFailed', token: link.token, generation, index: link.index, error, cause: await causeAsParentShows(deps, rec), failsExecution });
  }
  if (link.next !== undefined) await deps.queue.send(startMessages(link.fanId, [link.next]));
  await countDone(deps, link, rec.retentionSeconds);
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
    records.forEach((r, i) => (results[from + i] = r?.status === 'SUCCEEDED' && r.output !== undefined ? (JSON.parse(r.output) as unknown) : null));
  }
  await applyEvent(deps, msg.executionArn, { type: 'ChildrenCompleted', token: msg.token, generation: msg.generation, results });
}
