/**
 * The end of a nested execution started by `states:startExecution.sync` / `.sync:2`, told to the task
 * that waits on it: the child's commit that ends it puts an `answerParent` message in its outbox
 * (advance-execution.ts), so the answer cannot be lost to a crash, and no worker waits meanwhile.
 *
 * As AWS: the task's result is DescribeExecution's answer in PascalCase, dates in epoch milliseconds,
 * Input and Output as JSON text (`.sync`) or parsed (`.sync:2`); a child that failed, timed out or was
 * aborted fails the task with States.TaskFailed, the cause being that same description as JSON text.
 */
import type { ExecutionRecord } from '../../ports';
import type { IncomingEvent } from '../../engine/types';
import { applyEvent } from '../advance-execution';
import type { EngineDeps } from '../deps';
import { describe } from '../service';

const epochMs = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
const parsed = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

/** DescribeExecution of `rec` as a `.sync` (JSON text) or `.sync:2` (parsed JSON) task result. */
export function syncDescription(rec: ExecutionRecord, pattern: 'sync' | 'sync:2'): Record<string, unknown> {
  const d = describe(rec);
  const asData = pattern === 'sync:2' ? parsed : (t: string | undefined) => t;
  const out: Record<string, unknown> = {
    ExecutionArn: d.executionArn,
    Input: asData(d.input),
    InputDetails: { Included: true },
    Name: d.name,
    RedriveCount: d.redriveCount,
    RedriveStatus: d.redriveStatus,
    ...(d.redriveStatusReason !== undefined ? { RedriveStatusReason: d.redriveStatusReason } : {}),
    StartDate: epochMs(d.startDate),
    StateMachineArn: d.stateMachineArn,
    Status: d.status,
    ...(d.stopDate !== undefined ? { StopDate: epochMs(d.stopDate) } : {}),
    ...(d.traceHeader !== undefined ? { TraceHeader: d.traceHeader } : {}),
  };
  if (d.output !== undefined) {
    out.Output = asData(d.output);
    out.OutputDetails = { Included: true };
  }
  if (d.error !== undefined) out.Error = d.error;
  if (d.cause !== undefined) out.Cause = d.cause;
  return out;
}

/** The parent task's answer for an ended child. */
export function answerFor(child: ExecutionRecord & { startedBy: NonNullable<ExecutionRecord['startedBy']> }): IncomingEvent {
  const { token, pattern } = child.startedBy;
  const description = syncDescription(child, pattern);
  return child.status === 'SUCCEEDED'
    ? { type: 'TaskSucceeded', token, output: description }
    : { type: 'TaskFailed', token, error: 'States.TaskFailed', cause: JSON.stringify(description) };
}

/** Handles an `answerParent` message: safe twice (an answer to a task no longer waiting is ignored). */
export async function answerParent(deps: EngineDeps, childArn: string): Promise<void> {
  const child = await deps.store.getExecution(childArn);
  if (!child?.startedBy || child.status === 'RUNNING') return;
  await applyEvent(deps, child.startedBy.executionArn, answerFor({ ...child, startedBy: child.startedBy }));
}
