/**
 * What the worker does with one work-queue message. Every kind is safe to receive twice: starts
 * and events go through applyEvent (stale ones are ignored), invokes are claimed per task attempt.
 */
import type { ExecutionRecord, WorkMessage } from '../ports';
import { applyEvent, clearedHere, flushOutbox, type InlineTasks } from './advance-execution';
import { startRun } from './start-run';
import { startIfExpress } from './express-start';
import { delayFor, MAX_QUEUE_DELAY_SECONDS } from './effects';
import type { EngineDeps } from './deps';
import { answersLater } from './integrations';
import { answerParent } from './integrations/start-execution-sync';
import { collect, fanIn, startChild } from './fan-out';
import { reconcileExecution } from './reconciler';
import { runClaimedTask, taskLeaseSeconds, type InvokeMessage } from './run-task';
import { inlineTasks, type InvocationBudget } from './inline-task';

/**
 * `budget`: the time this invocation has left (Lambda's context); the local runtime passes none. Within
 * it, a commit that schedules one task runs that task here rather than through a message (inline-task.ts).
 */
export async function processMessage(deps: EngineDeps, msg: WorkMessage, budget?: InvocationBudget): Promise<void> {
  const inline = inlineTasks(deps, budget);
  switch (msg.kind) {
    case 'start': {
      const { express, rec } = await startIfExpress(deps, msg.executionArn);
      return express ? undefined : startRun(deps, msg.executionArn, rec, inline);
    }
    case 'event':
      if (msg.notBefore && Date.parse(msg.notBefore) > deps.clock.now().getTime()) {
        // A wait longer than one queue delay: put it back until it is due.
        const { delaySeconds, notBefore } = delayFor(Date.parse(msg.notBefore), deps.clock.now().getTime());
        await deps.queue.send([{ body: { ...msg, notBefore }, delaySeconds }]);
        return;
      }
      await applyEvent(deps, msg.executionArn, msg.event, { inline });
      return;
    case 'invoke':
      return invokeTask(deps, msg, inline);
    case 'startChild':
      return startChild(deps, msg.executionArn, (arn, known) => startRun(deps, arn, known, inline));
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

async function invokeTask(deps: EngineDeps, msg: InvokeMessage, inline: InlineTasks | undefined): Promise<void> {
  const { task, executionArn } = msg;
  const rec = await stillWaiting(deps, executionArn, task.token);
  if (!rec) return;
  const lease = taskLeaseSeconds(deps, task);
  if (!(await deps.store.claimTask(executionArn, task.token, lease, deps.soleClaimHolder))) {
    // Another delivery holds this attempt: it answers, unless it died after invoking (the crash window). A
    // plain task is checked again once that lease has run out and invoked again if the execution still waits
    // (a redelivery may come sooner than the lease ends, and acknowledging it would lose the task). A callback
    // task (or an activity task, a .sync child) was started by the holder and answers later: invoking it again
    // would start it twice.
    if (!answersLater(task.resource)) await deps.queue.send([{ body: msg, delaySeconds: Math.min(lease, MAX_QUEUE_DELAY_SECONDS) }]);
    return;
  }
  // the record read before the task ran: still current unless something else happened meanwhile (read
  // before its outbox's clearing landed, it is current as this process cleared it, if this one did)
  await runClaimedTask(deps, msg, rec, { known: rec.outbox ? await clearedHere(deps, rec) : rec, inline });
}
