/**
 * The worker's start of an execution whose record the API (or a parent's fan-out) has written: the
 * StartExecution event applied to it. Its own module because both the worker (process-message.ts, the
 * `start` and `startChild` messages) and the API (service.stopExecution, which starts an execution not
 * yet started so that its history tells the whole story) need it: service.ts importing the worker would
 * close the cycle service -> process-message -> integrations -> service.
 */
import type { ExecutionRecord } from '../ports';
import { applyEvent, rootInput } from './advance-execution';
import type { EngineDeps } from './deps';
import { roleArnIn } from '../engine/arns';

/** `known`: the record, when the caller has just read it. */
export async function startRun(deps: EngineDeps, executionArn: string, known?: ExecutionRecord): Promise<void> {
  const rec = known ?? (await deps.store.getExecution(executionArn));
  if (!rec) return;
  // Already started: applyEvent still finishes an outbox that a crash after the start's commit left behind
  // (this message is the only one that can), then ignores the start.
  // $$.Execution.RoleArn and the ExecutionStarted event carry the state machine's role, as on AWS.
  if (rec.child && !rec.snapshot) {
    // A spread child runs its part of the parent's definition; $$.Execution is the parent's.
    const link = rec.child;
    await applyEvent(deps, executionArn, {
      type: 'StartExecution',
      execution: { ...link.execution, input: await rootInput(deps, link.execution.arn) },
      limits: link.limits,
      traceId: rec.traceId,
      child: { recordArn: executionArn, machinePath: link.machinePath, ...(link.outerVariables ? { outerVariables: link.outerVariables } : {}) },
      childInput: JSON.parse(rec.input),
    }, { known: rec });
    return;
  }
  const sm = rec.snapshot ? undefined : await deps.store.getStateMachine(rec.stateMachineArn);
  await applyEvent(deps, executionArn, {
    type: 'StartExecution',
    execution: {
      arn: rec.executionArn,
      name: rec.name,
      input: JSON.parse(rec.input),
      startTime: rec.startDate,
      roleArn: sm?.roleArn ?? roleArnIn(deps.region, deps.accountId, 'stepwright-execution'),
      stateMachineArn: rec.stateMachineArn,
      stateMachineName: rec.stateMachineName,
    },
    limits: sm?.settings?.limits,
    traceId: rec.traceId,
  }, { known: rec });
}
