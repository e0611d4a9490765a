/**
 * A `.sync` task that the engine ends itself stops the nested execution it waits on, as AWS stops the
 * job of a Run a Job task (for Step Functions, StopExecution on the child; the state machine's role
 * needs `states:StopExecution` for this pattern): when its parent is stopped, when the task times out
 * (TimeoutSeconds, HeartbeatSeconds; a Retry then starts a new child, with a name of its own), and when
 * the parent execution times out (or a timer's step fails it). Not yet: a task cancelled by any other
 * event (a sibling Parallel branch failing on a task's answer) leaves its child running.
 *
 * Pure: which children wait on which tasks is read from the parent's snapshot before `advance`
 * (syncChildWaits), and the tasks `advance` cancelled (its CancelTask effects) say which of them to stop
 * (syncChildStops); advance-execution.ts sends the stops through the commit's outbox. The child's ARN is
 * rebuilt as the task named it (start-execution.ts).
 */
import type { StateMachineDefinition } from '../../engine/definition';
import type { Effect, ExecutionSnapshot, ExecutionStatus, IncomingEvent } from '../../engine/types';
import type { OutgoingMessage } from '../../ports';
import { parseResource } from './resources';
import { childNameFor } from './start-execution-name';

/** A `.sync` task waiting on a child, as the snapshot held it before the event. */
export interface SyncChildWait {
  /** the task's wait token (the interpreter's CancelTask names it) */
  token: string;
  timeoutToken?: string;
  heartbeatToken?: string;
  stateName: string;
  childArn: string;
}

/** Whether a definition has any `.sync` startExecution task, by definition (revisions never change). */
const startsSyncChildren = new WeakMap<StateMachineDefinition, boolean>();

function mayWaitOnChildren(definition: StateMachineDefinition): boolean {
  let known = startsSyncChildren.get(definition);
  if (known === undefined) {
    // a plain text search: Resource is always a literal, wherever the Task sits (Map, Parallel)
    known = JSON.stringify(definition).includes('states:startExecution.sync');
    startsSyncChildren.set(definition, known);
  }
  return known;
}

/**
 * The `.sync` children `before`'s tasks wait on, when `event` may end such a task by the engine's own
 * hand: a stop, or a timer (the task's timeout or heartbeat, the execution's timeout). Other events, and
 * machines without such tasks, cost nothing (a Map of 10,000 items would otherwise be walked per answer).
 */
export function syncChildWaits(recordArn: string, definition: StateMachineDefinition, before: ExecutionSnapshot | undefined, event: IncomingEvent): SyncChildWait[] {
  if (!before || (event.type !== 'StopExecution' && event.type !== 'TimerFired')) return [];
  if (event.type === 'TimerFired' && !mayWaitOnChildren(definition)) return [];
  const out: SyncChildWait[] = [];
  for (const run of Object.values(before.runs)) {
    const w = run.waiting;
    if (run.status !== 'RUNNING' || w?.kind !== 'task') continue;
    const r = parseResource(w.resource);
    if (r.kind !== 'optimized' || r.service !== 'states' || r.action !== 'startExecution' || (r.pattern !== 'sync' && r.pattern !== 'sync:2')) continue;
    const params = (w.effectiveInput ?? {}) as { StateMachineArn?: unknown; Name?: unknown };
    if (typeof params.StateMachineArn !== 'string' || !params.StateMachineArn.includes(':stateMachine:')) continue;
    const name = typeof params.Name === 'string' ? params.Name : childNameFor(`${recordArn}#${w.token}`);
    const childArn = `${params.StateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    out.push({ token: w.token, timeoutToken: w.timeoutToken, heartbeatToken: w.heartbeatToken, stateName: run.stateName, childArn });
  }
  return out;
}

/** Why the child is stopped: the parent's stop (its cause), the task's own timeout, or the parent's end. */
function stopReason(recordArn: string, wait: SyncChildWait, event: IncomingEvent, status: ExecutionStatus): { error?: string; cause: string } {
  if (event.type === 'StopExecution') return { cause: event.cause ?? `Stopped with its parent execution ${recordArn}` };
  const managing = `The Task state '${wait.stateName}' in execution ${recordArn}, which was managing this execution,`;
  if (event.type === 'TimerFired' && event.token === wait.timeoutToken) return { error: 'States.Timeout', cause: `${managing} timed out (TimeoutSeconds).` };
  if (event.type === 'TimerFired' && event.token === wait.heartbeatToken) return { error: 'States.HeartbeatTimeout', cause: `${managing} timed out (HeartbeatSeconds).` };
  if (status === 'TIMED_OUT') return { error: 'States.Timeout', cause: `${managing} was aborted: that execution timed out.` };
  return { cause: `${managing} was aborted${status === 'FAILED' ? ': that execution failed' : ''}.` };
}

/**
 * A StopExecution for each child whose task `advance` cancelled (CancelTask): the task timed out, or its
 * execution ended while it waited. The stopped child's answer then finds no task waiting and is ignored.
 */
export function syncChildStops(recordArn: string, waits: SyncChildWait[], event: IncomingEvent, effects: Effect[], status: ExecutionStatus): OutgoingMessage[] {
  if (!waits.length) return [];
  const cancelled = new Set<string>();
  for (const e of effects) if (e.type === 'CancelTask') cancelled.add(e.token);
  return waits
    .filter((w) => cancelled.has(w.token))
    .map((w) => ({ body: { kind: 'event', executionArn: w.childArn, event: { type: 'StopExecution', ...stopReason(recordArn, w, event, status) } } }));
}
