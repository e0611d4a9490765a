/**
 * A Task whose Resource is an activity ARN: the task is queued for the activity's workers
 * (runtime/activities.ts hands it out through GetActivityTask) with a task token of its own, and the
 * worker answers with SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat like any callback. The Task
 * waits without holding anything: a worker outside AWS may take hours (TimeoutSeconds, HeartbeatSeconds).
 */
import type { HistoryEvent } from '../../engine/history';
import type { IncomingEvent } from '../../engine/types';
import type { TaskOutcome, TaskRequest } from '../../ports';
import type { EngineDeps } from '../deps';
import { taskTokensOf } from '../task-tokens';

/** The text of AWS's ActivityDoesNotExist (the API's error, and the cause of a job that could not be queued). */
export const activityDoesNotExistMessage = (activityArn: string) => `Activity Does Not Exist: '${activityArn}'`;
const DOES_NOT_EXIST = /^Activity Does Not Exist: 'arn:[^']+:activity:[^']+'$/;

/**
 * The failure of a Task whose activity does not exist (its job cannot be queued): AWS records
 * ActivityScheduleFailed for it. The API reference gives that event's shape (error, cause), not the
 * error name: States.Runtime is chosen, which no Retry or Catch takes, so the execution fails with it.
 */
const SCHEDULE_FAILED_ERROR = 'States.Runtime';

export async function activityIntegration(deps: EngineDeps, req: TaskRequest, waitToken: string): Promise<TaskOutcome> {
  const activityArn = req.resource;
  if (!(await deps.store.getActivity(activityArn))) return { ok: false, error: SCHEDULE_FAILED_ERROR, cause: activityDoesNotExistMessage(activityArn) };
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

/**
 * The interpreter records any failed activity task as ActivityFailed; the one whose job could not be
 * queued (told apart by the error and cause activityIntegration gives it) is AWS's ActivityScheduleFailed,
 * with activityScheduleFailedEventDetails. Renamed in place in the events of the step that applied
 * `event`, before they are committed. ActivityScheduled stays before it (AWS writes ActivityScheduleFailed
 * instead): the interpreter wrote it when it scheduled the task, before the runtime looked for the activity.
 */
export function markScheduleFailure(event: IncomingEvent, events: HistoryEvent[]): void {
  if (event.type !== 'TaskFailed' || event.error !== SCHEDULE_FAILED_ERROR || !DOES_NOT_EXIST.test(event.cause ?? '')) return;
  for (const e of events) {
    const details = e.activityFailedEventDetails as { error?: string; cause?: string } | undefined;
    if (e.type !== 'ActivityFailed' || details?.error !== event.error || details.cause !== event.cause) continue;
    e.type = 'ActivityScheduleFailed';
    e.activityScheduleFailedEventDetails = details;
    delete e.activityFailedEventDetails;
    return;
  }
}
