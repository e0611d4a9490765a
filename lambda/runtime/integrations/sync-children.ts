/**
 * Stopping a parent stops the nested executions its `.sync` tasks wait on, as AWS does: which children
 * those are, read from the parent's snapshot before the stop (pure; advance-execution.ts sends the stops
 * through the commit's outbox). The child's ARN is rebuilt as the task named it (start-execution.ts).
 */
import type { ExecutionSnapshot } from '../../engine/types';
import type { OutgoingMessage } from '../../ports';
import { parseResource } from './resources';
import { childNameFor } from './start-execution-name';

export function stopsForSyncChildren(recordArn: string, before: ExecutionSnapshot | undefined, parentCause: string | undefined): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  for (const run of Object.values(before?.runs ?? {})) {
    const w = run.waiting;
    if (run.status !== 'RUNNING' || w?.kind !== 'task') continue;
    const r = parseResource(w.resource);
    if (r.kind !== 'optimized' || r.service !== 'states' || r.action !== 'startExecution' || (r.pattern !== 'sync' && r.pattern !== 'sync:2')) continue;
    const params = (w.effectiveInput ?? {}) as { StateMachineArn?: unknown; Name?: unknown };
    if (typeof params.StateMachineArn !== 'string' || !params.StateMachineArn.includes(':stateMachine:')) continue;
    const name = typeof params.Name === 'string' ? params.Name : childNameFor(`${recordArn}#${w.token}`);
    const childArn = `${params.StateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    out.push({ body: { kind: 'event', executionArn: childArn, event: { type: 'StopExecution', cause: parentCause ?? `Stopped with its parent execution ${recordArn}` } } });
  }
  return out;
}
