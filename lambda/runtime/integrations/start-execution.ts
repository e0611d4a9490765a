/**
 * `arn:aws:states:::states:startExecution`, answered by the engine itself, in AWS's three patterns:
 * - request-response: fire and forget, result {ExecutionArn, StartDate} as AWS returns it (it gives
 *   "continue as new": a workflow ends by starting a fresh execution of itself);
 * - `.sync` / `.sync:2`: the child records which task waits on it (ExecutionRecord.startedBy) and its
 *   end answers that task (start-execution-sync.ts); no worker is held meanwhile;
 * - `.waitForTaskToken`: started like request-response; the child (or anyone) answers with the token
 *   the definition put in its input.
 * The child's input is the Input parameter as given: AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID, when the
 * definition passes it (`$$.Execution.Id`), stays in it, as on AWS.
 */
import type { ParentTaskLink, TaskOutcome, TaskRequest } from '../../ports';
import { ApiError } from '../api-errors';
import type { EngineDeps } from '../deps';
import { startExecution, stopExecution } from '../service';
import type { IntegrationPattern } from './resources';
import { childNameFor } from './start-execution-name';

export async function startExecutionIntegration(deps: EngineDeps, req: TaskRequest, pattern: IntegrationPattern = 'request-response', waitToken?: string): Promise<TaskOutcome> {
  const params = (req.input ?? {}) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
  if (typeof params.StateMachineArn !== 'string') return { ok: false, error: 'States.Runtime', cause: 'states:startExecution needs a StateMachineArn parameter' };
  const input = params.Input === undefined ? undefined : typeof params.Input === 'string' ? params.Input : JSON.stringify(params.Input);
  const startedBy: ParentTaskLink | undefined = (pattern === 'sync' || pattern === 'sync:2') && waitToken ? { executionArn: req.executionArn, token: waitToken, pattern } : undefined;
  try {
    const r = await startExecution(deps, {
      stateMachineArn: params.StateMachineArn,
      input,
      name: typeof params.Name === 'string' ? params.Name : childNameFor(req.idempotencyKey),
      traceHeader: req.traceId,
      ...(startedBy ? { startedBy } : {}),
    });
    if (startedBy) await stopIfUnwanted(deps, req, startedBy, r.executionArn);
    return { ok: true, output: { ExecutionArn: r.executionArn, StartDate: r.startDate } };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    // A .sync task invoked again (a redelivery, the reconciler) finds the child it started, perhaps ended
    // already: have it answer again (an answer to a task no longer waiting is ignored).
    if (startedBy && e.code === 'ExecutionAlreadyExists') {
      const arn = /'?(arn:[^' ]+:execution:[^' ]+)'?/.exec(e.message)?.[1];
      const existing = arn ? await deps.store.getExecution(arn) : undefined;
      if (existing?.startedBy?.token === startedBy.token && existing.startedBy.executionArn === startedBy.executionArn) {
        await deps.queue.send([{ body: { kind: 'answerParent', executionArn: existing.executionArn } }]);
        return { ok: true, output: { ExecutionArn: existing.executionArn, StartDate: existing.startDate } };
      }
    }
    return { ok: false, error: `StepFunctions.${e.code}Exception`, cause: e.message };
  }
}

/**
 * A `.sync` task that ended while its child was being started (its timeout fired first, its execution was
 * stopped) found no child to stop then (sync-children.ts): the child, once started, is stopped here.
 */
async function stopIfUnwanted(deps: EngineDeps, req: TaskRequest, startedBy: ParentTaskLink, childArn: string): Promise<void> {
  const parent = await deps.store.getExecution(startedBy.executionArn);
  const waits = parent?.status === 'RUNNING' && Object.values(parent.snapshot?.runs ?? {}).some((r) => r.waiting?.kind === 'task' && r.waiting.token === startedBy.token);
  if (parent && !waits) await stopExecution(deps, { executionArn: childArn, cause: `The Task state '${req.stateName}' in execution ${startedBy.executionArn}, which started this execution, no longer waits on it.` });
}
