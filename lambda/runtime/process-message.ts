/**
 * What the worker does with one work-queue message. Every kind is safe to receive twice: starts
 * and events go through applyEvent (stale ones are ignored), invokes are claimed per task attempt.
 */
import type { WorkMessage } from '../ports';
import { applyEvent } from './advance-execution';
import { delayFor } from './effects';
import type { EngineDeps } from './deps';
import { isCallbackResource } from './callbacks';

export async function processMessage(deps: EngineDeps, msg: WorkMessage): Promise<void> {
  switch (msg.kind) {
    case 'start':
      return startExecution(deps, msg.executionArn);
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
  }
}

async function startExecution(deps: EngineDeps, executionArn: string): Promise<void> {
  const rec = await deps.store.getExecution(executionArn);
  if (!rec || rec.snapshot) return;
  await applyEvent(deps, executionArn, {
    type: 'StartExecution',
    execution: {
      arn: rec.executionArn,
      name: rec.name,
      input: JSON.parse(rec.input),
      startTime: rec.startDate,
      roleArn: `arn:aws:iam::${deps.accountId}:role/stepwright-execution`,
      stateMachineArn: rec.stateMachineArn,
      stateMachineName: rec.stateMachineName,
    },
  });
}

/** True while the execution still waits on this task attempt (it may have timed out or been stopped). */
async function stillWaiting(deps: EngineDeps, executionArn: string, token: string): Promise<boolean> {
  const rec = await deps.store.getExecution(executionArn);
  if (!rec || rec.status !== 'RUNNING' || !rec.snapshot) return false;
  return Object.values(rec.snapshot.runs).some((r) => r.waiting?.kind === 'task' && r.waiting.token === token);
}

async function invokeTask(deps: EngineDeps, msg: Extract<WorkMessage, { kind: 'invoke' }>): Promise<void> {
  const { task, executionArn } = msg;
  if (!(await stillWaiting(deps, executionArn, task.token))) return;
  const lease = deps.taskLeaseSeconds ?? Math.max(60, (task.timeoutSeconds ?? 900) + 60);
  if (!(await deps.store.claimTask(executionArn, task.token, lease))) return; // a duplicate delivery
  const rec = await deps.store.getExecution(executionArn);
  const outcome = await deps.invoker.invoke({
    resource: task.resource,
    input: task.input,
    executionArn,
    stateName: task.stateName,
    attempt: task.attempt,
    taskToken: task.taskToken,
    idempotencyKey: `${executionArn}#${task.token}`,
    traceId: rec?.traceId,
    timeoutSeconds: task.timeoutSeconds,
  });
  deps.fault?.('after-invoke');
  // A callback task answers later through SendTaskSuccess/SendTaskFailure with its task token.
  if (outcome.ok && isCallbackResource(task.resource)) return;
  await applyEvent(
    deps,
    executionArn,
    outcome.ok ? { type: 'TaskSucceeded', token: task.token, output: outcome.output } : { type: 'TaskFailed', token: task.token, error: outcome.error, cause: outcome.cause },
  );
}
