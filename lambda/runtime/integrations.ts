/**
 * Task resources the engine answers itself instead of the task invoker: the one registry of service
 * integrations (today: Step Functions' own startExecution, which gives "continue as new": a
 * workflow ends by starting a fresh execution of itself, with its id in the new input).
 */
import { createHash } from 'node:crypto';
import type { TaskOutcome, TaskRequest } from '../ports';
import { ApiError } from './api-errors';
import type { EngineDeps } from './deps';
import { startExecution } from './service';

type Integration = (deps: EngineDeps, req: TaskRequest) => Promise<TaskOutcome>;

/** arn:aws:states:::states:startExecution — fire and forget, result {ExecutionArn, StartDate} as AWS returns it. */
const startExecutionIntegration: Integration = async (deps, req) => {
  const params = (req.input ?? {}) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
  if (typeof params.StateMachineArn !== 'string') return { ok: false, error: 'States.Runtime', cause: 'states:startExecution needs a StateMachineArn parameter' };
  const input = params.Input === undefined ? undefined : typeof params.Input === 'string' ? params.Input : JSON.stringify(params.Input);
  try {
    const r = await startExecution(deps, {
      stateMachineArn: params.StateMachineArn,
      input,
      // without a Name, the task attempt names the child: a repeated invocation starts nothing new
      name: typeof params.Name === 'string' ? params.Name : createHash('sha256').update(req.idempotencyKey).digest('hex').slice(0, 64),
      traceHeader: req.traceId,
    });
    return { ok: true, output: { ExecutionArn: r.executionArn, StartDate: r.startDate } };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, error: `StepFunctions.${e.code}Exception`, cause: e.message };
    throw e;
  }
};

// A Map, not an object literal: the resource is the user's string, and INTEGRATIONS['constructor'] would be
// Object itself, "called" as an integration in the worker.
const INTEGRATIONS = new Map<string, Integration>([['arn:aws:states:::states:startExecution', startExecutionIntegration]]);

export function integrationFor(resource: string): Integration | undefined {
  return INTEGRATIONS.get(resource);
}
