/**
 * The context object ($$ in JSONPath, $states.context in JSONata) for one state of one run.
 */
import type { ExecutionSnapshot, Run } from './types';

export interface ContextExtras {
  taskToken?: string;
  mapItem?: { index: number; value: unknown };
  retryable?: boolean;
}

export function buildContext(snap: ExecutionSnapshot, run: Run, extras: ContextExtras = {}): Record<string, unknown> {
  const ex = snap.execution;
  const ctx: Record<string, unknown> = {
    Execution: {
      Id: ex.arn,
      Input: ex.input,
      StartTime: ex.startTime,
      Name: ex.name,
      RoleArn: ex.roleArn,
      RedriveCount: ex.redriveCount,
      // the Guide's Context object page: RedriveTime is there only once the execution has been redriven
      ...(ex.redriveTime !== undefined ? { RedriveTime: ex.redriveTime } : {}),
    },
    StateMachine: { Id: ex.stateMachineArn, Name: ex.stateMachineName },
    State: { EnteredTime: run.enteredTime, Name: run.stateName },
  };
  // AWS shows RetryCount only in states that can retry (the corpus records its absence in Pass states).
  if (extras.retryable) (ctx.State as Record<string, unknown>).RetryCount = run.retryCounts.reduce((a, b) => a + b, 0);
  if (extras.taskToken !== undefined) ctx.Task = { Token: extras.taskToken };
  if (extras.mapItem) ctx.Map = { Item: { Index: extras.mapItem.index, Value: extras.mapItem.value } };
  return ctx;
}
