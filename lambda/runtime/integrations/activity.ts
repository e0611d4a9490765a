/**
 * A Task whose Resource is an activity ARN: the task is queued for the activity's workers
 * (runtime/activities.ts hands it out through GetActivityTask) with a task token of its own, and the
 * worker answers with SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat like any callback. The Task
 * waits without holding anything: a worker outside AWS may take hours (TimeoutSeconds, HeartbeatSeconds).
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import type { EngineDeps } from '../deps';
import { taskTokensOf } from '../task-tokens';

export async function activityIntegration(deps: EngineDeps, req: TaskRequest, waitToken: string): Promise<TaskOutcome> {
  const activityArn = req.resource;
  if (!(await deps.store.getActivity(activityArn))) {
    return { ok: false, error: 'States.Runtime', cause: `Activity '${activityArn}' does not exist (CreateActivity makes it)` };
  }
  const taskToken = (await taskTokensOf(deps)).sign(req.executionArn, waitToken);
  await deps.store.enqueueActivityTask({
    activityArn,
    taskToken,
    executionArn: req.executionArn,
    token: waitToken,
    input: JSON.stringify(req.input ?? {}),
    enqueuedAt: deps.clock.now().toISOString(),
    ...(req.timeoutSeconds !== undefined ? { ttlSeconds: req.timeoutSeconds } : {}),
  });
  return { ok: true, output: null };
}
