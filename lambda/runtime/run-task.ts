/**
 * Runs one claimed task attempt and applies its answer. Shared by the `invoke` message (the attempt
 * claimed by a claim item, process-message.ts) and the inline run (the attempt claimed by the commit
 * that scheduled it, inline-task.ts).
 */
import type { ExecutionRecord, TaskRequest, WorkMessage } from '../ports';
import type { IncomingEvent } from '../engine/types';
import { exceedsDepth, MAX_DATA_DEPTH } from '../engine/limits';
import { applyEvent, ContentionError, type ApplyOptions } from './advance-execution';
import type { EngineDeps } from './deps';
import { answersLater, integrationFor } from './integrations';

export type InvokeMessage = Extract<WorkMessage, { kind: 'invoke' }>;

/** How long one attempt's claim lasts: its timeout plus a margin (longer than the task can run). */
export function taskLeaseSeconds(deps: EngineDeps, task: InvokeMessage['task']): number {
  return deps.taskLeaseSeconds ?? Math.max(60, (task.timeoutSeconds ?? 900) + 60);
}

/**
 * Invokes the task of `msg` (claimed by the caller) and applies its answer to the execution. `rec`:
 * the record the caller holds (its trace id); `applyOpts`: how the answer is applied (the known record).
 */
export async function runClaimedTask(deps: EngineDeps, msg: InvokeMessage, rec: ExecutionRecord, applyOpts: ApplyOptions): Promise<void> {
  const { task, executionArn } = msg;
  const integration = integrationFor(task.resource);
  const outcome = await (integration ? (r: TaskRequest) => integration(deps, r, task.token) : (r: TaskRequest) => deps.invoker.invoke(r))({
    resource: task.resource,
    input: task.input,
    executionArn,
    stateName: task.stateName,
    attempt: task.attempt,
    taskToken: task.taskToken,
    idempotencyKey: `${executionArn}#${task.token}`,
    traceId: rec.traceId,
    timeoutSeconds: task.timeoutSeconds,
  });
  deps.fault?.('after-invoke');
  // A callback or activity task answers later through SendTaskSuccess/SendTaskFailure with its task token,
  // a .sync child when it ends.
  if (outcome.ok && answersLater(task.resource)) return;
  const answer: IncomingEvent = outcome.ok
    ? { type: 'TaskSucceeded', token: task.token, output: outcome.output }
    : { type: 'TaskFailed', token: task.token, error: outcome.error, cause: outcome.cause };
  try {
    await applyEvent(deps, executionArn, answer, applyOpts);
  } catch (e) {
    if (!(e instanceof ContentionError)) throw e;
    // Many answers racing for one execution (a wide Map or Parallel). Failing this message would lose the
    // answer (the redelivery finds the claim) or run the task again: queue the answer as an event message
    // of its own instead, applied by token like any other.
    // A result nested too deep cannot be serialised into a message (RangeError on every try): it is sent
    // as the failure the interpreter would make of it.
    const queued: IncomingEvent = answer.type === 'TaskSucceeded' && exceedsDepth(answer.output)
      ? { type: 'TaskFailed', token: task.token, error: 'States.DataLimitExceeded', cause: `The state/task '${task.resource}' returned a result nested more than ${MAX_DATA_DEPTH} levels deep (the limit is ${MAX_DATA_DEPTH}).` }
      : answer;
    await deps.queue.send([{ body: { kind: 'event', executionArn, event: queued } }]);
  }
}
