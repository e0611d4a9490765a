/**
 * What the worker does with one work-queue message. Every kind is safe to receive twice: starts
 * and events go through applyEvent (stale ones are ignored), invokes are claimed per task attempt.
 */
import type { ExecutionRecord, TaskRequest, WorkMessage } from '../ports';
import { applyEvent, clearedHere, ContentionError, flushOutbox } from './advance-execution';
import { startRun } from './start-run';
import { startIfExpress } from './express-start';
import type { IncomingEvent } from '../engine/types';
import { delayFor, MAX_QUEUE_DELAY_SECONDS } from './effects';
import type { EngineDeps } from './deps';
import { answersLater, integrationFor } from './integrations';
import { answerParent } from './integrations/start-execution-sync';
import { collect, fanIn, startChild } from './fan-out';
import { exceedsDepth, MAX_DATA_DEPTH } from '../engine/limits';
import { reconcileExecution } from './reconciler';

export async function processMessage(deps: EngineDeps, msg: WorkMessage): Promise<void> {
  switch (msg.kind) {
    case 'start': {
      const { express, rec } = await startIfExpress(deps, msg.executionArn);
      return express ? undefined : startRun(deps, msg.executionArn, rec);
    }
    case 'event':
      if (msg.notBefore && Date.parse(msg.notBefore) > deps.clock.now().getTime()) {
        // A wait longer than one queue delay: put it back until it is due.
        const { delaySeconds, notBefore } = delayFor(Date.parse(msg.notBefore), deps.clock.now().getTime());
        await deps.queue.send([{ body: { ...msg, notBefore }, delaySeconds }]);
        return;
      }
      await applyEvent(deps, msg.executionArn, msg.event);
      return;
    case 'invoke':
      return invokeTask(deps, msg);
    case 'startChild':
      return startChild(deps, msg.executionArn, (arn, known) => startRun(deps, arn, known));
    case 'fanIn':
      return fanIn(deps, msg.executionArn, msg.generation);
    case 'collect':
      return collect(deps, msg);
    case 'reconcile':
      await reconcileExecution(deps, msg.executionArn, { staleAfterMs: (msg.staleAfterSeconds ?? 0) * 1000 });
      return;
    case 'answerParent':
      return answerParent(deps, msg.executionArn);
  }
}

/** The record while the execution still waits on this task attempt (it may have timed out or been stopped). */
async function stillWaiting(deps: EngineDeps, executionArn: string, token: string): Promise<ExecutionRecord | undefined> {
  const rec = await deps.store.getExecution(executionArn);
  if (!rec) return undefined;
  const waiting = rec.status === 'RUNNING' && !!rec.snapshot && Object.values(rec.snapshot.runs).some((r) => r.waiting?.kind === 'task' && r.waiting.token === token);
  // A crash right after committing this task's answer leaves that commit's outbox to the redelivered invoke
  // message, which is about to be acknowledged: finish the outbox first (nothing else would).
  if (!waiting && rec.outbox) await flushOutbox(deps, rec);
  return waiting ? rec : undefined;
}

async function invokeTask(deps: EngineDeps, msg: Extract<WorkMessage, { kind: 'invoke' }>): Promise<void> {
  const { task, executionArn } = msg;
  const rec = await stillWaiting(deps, executionArn, task.token);
  if (!rec) return;
  const lease = deps.taskLeaseSeconds ?? Math.max(60, (task.timeoutSeconds ?? 900) + 60);
  if (!(await deps.store.claimTask(executionArn, task.token, lease, deps.soleClaimHolder))) {
    // Another delivery holds this attempt: it answers, unless it died after invoking (the crash window). A
    // plain task is checked again once that lease has run out and invoked again if the execution still waits
    // (a redelivery may come sooner than the lease ends, and acknowledging it would lose the task). A callback
    // task (or an activity task, a .sync child) was started by the holder and answers later: invoking it again
    // would start it twice.
    if (!answersLater(task.resource)) await deps.queue.send([{ body: msg, delaySeconds: Math.min(lease, MAX_QUEUE_DELAY_SECONDS) }]);
    return;
  }
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
    // the record read before the task ran: still current unless something else happened meanwhile (read
    // before its outbox's clearing landed, it is current as this process cleared it, if this one did)
    await applyEvent(deps, executionArn, answer, { known: rec.outbox ? await clearedHere(deps, rec) : rec });
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
