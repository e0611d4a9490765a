/**
 * The activity API (CreateActivity, DescribeActivity, ListActivities, DeleteActivity, GetActivityTask),
 * transport-independent like service.ts. A Task whose Resource is an activity ARN queues its job
 * (integrations/activity.ts); a worker anywhere (an AWS SDK client with `GetActivityTaskCommand`) polls
 * here, gets {taskToken, input}, and answers with SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat.
 */
import type { ActivityRecord, Page } from '../ports';
import { ApiError, apiError, pageErrorsAsApi } from './api-errors';
import { arnPrefix, type EngineDeps } from './deps';
import { VALID_NAME } from './service';
import { applyEvent } from './advance-execution';
import { logger } from './logger';
import { activityDoesNotExistMessage } from './integrations/activity';

/** AWS's long poll: GetActivityTask waits up to 60 s for a task, then answers with none. */
export const ACTIVITY_POLL_SECONDS = 60;
/**
 * The deployed API's poll: its function answers within 29 s (API Gateway's integration limit), so a
 * poll there ends empty after 20 s; a worker polls again, as it does after AWS's empty 60 s.
 */
export const DEPLOYED_ACTIVITY_POLL_SECONDS = 20;
/** the pause between two looks at the queue while polling: short at first, longer while nothing comes */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1000;

const activityDoesNotExist = (arn: string) => new ApiError('ActivityDoesNotExist', activityDoesNotExistMessage(arn));

export function activityArnFor(deps: EngineDeps, name: string): string {
  return `${arnPrefix(deps)}:activity:${name}`;
}

function checkActivityArn(arn: unknown): string {
  if (typeof arn !== 'string' || !/^arn:[^:]+:states:[^:]+:\d{12}:activity:[^:]+$/.test(arn)) throw apiError.invalidArn('activityArn', arn);
  return arn;
}

async function requireActivity(deps: EngineDeps, arn: unknown): Promise<ActivityRecord> {
  const activityArn = checkActivityArn(arn);
  const a = await deps.store.getActivity(activityArn);
  if (!a) throw activityDoesNotExist(activityArn);
  return a;
}

/** Idempotent, as on AWS: creating an activity that exists returns it. */
export async function createActivity(deps: EngineDeps, req: { name: unknown }): Promise<{ activityArn: string; creationDate: string }> {
  if (typeof req.name !== 'string' || !VALID_NAME.test(req.name)) throw apiError.invalidName(req.name);
  const activity: ActivityRecord = { activityArn: activityArnFor(deps, req.name), name: req.name, creationDate: deps.clock.now().toISOString() };
  if (await deps.store.putActivity(activity)) return { activityArn: activity.activityArn, creationDate: activity.creationDate };
  const existing = await deps.store.getActivity(activity.activityArn);
  return { activityArn: activity.activityArn, creationDate: existing?.creationDate ?? activity.creationDate };
}

export async function describeActivity(deps: EngineDeps, req: { activityArn: unknown }): Promise<{ activityArn: string; name: string; creationDate: string }> {
  const a = await requireActivity(deps, req.activityArn);
  return { activityArn: a.activityArn, name: a.name, creationDate: a.creationDate };
}

export async function listActivities(deps: EngineDeps, q: { maxResults?: number; nextToken?: string } = {}): Promise<Page<ActivityRecord>> {
  return pageErrorsAsApi(deps.store.listActivities(q));
}

export async function deleteActivity(deps: EngineDeps, req: { activityArn: unknown }): Promise<void> {
  await deps.store.deleteActivity(checkActivityArn(req.activityArn));
}

export interface GetActivityTaskOptions {
  /** how long to wait for a task (default 60 s, AWS's; the deployed API answers sooner, under API Gateway's 30 s) */
  pollSeconds?: number;
}

/**
 * Long poll: the oldest queued task of the activity, or `{}` (no taskToken) once `pollSeconds` pass with
 * none, as AWS answers. A task whose Task state has ended meanwhile (timed out, execution stopped) is
 * dropped, not handed out. Polls the store with growing pauses: the queue is a table, not a stream.
 */
export async function getActivityTask(deps: EngineDeps, req: { activityArn: unknown; workerName?: unknown }, opts: GetActivityTaskOptions = {}): Promise<{ taskToken?: string; input?: string }> {
  const activity = await requireActivity(deps, req.activityArn);
  if (req.workerName !== undefined && (typeof req.workerName !== 'string' || req.workerName.length > 80)) throw apiError.validation('workerName must be a string of at most 80 characters');
  const deadline = Date.now() + (opts.pollSeconds ?? ACTIVITY_POLL_SECONDS) * 1000;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const task = await deps.store.takeActivityTask(activity.activityArn);
    if (task) {
      if (await stillWanted(deps, task.executionArn, task.token)) {
        await recordStarted(deps, task.executionArn, task.token, typeof req.workerName === 'string' ? req.workerName : undefined);
        return { taskToken: task.taskToken, input: task.input };
      }
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) return {};
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}

/**
 * The execution's ActivityStarted (as AWS writes it when a worker takes the job). The job is the
 * worker's already (taken from the store): a failed write of the event must not lose it, so it is
 * logged and the job handed out; the history then goes from ActivityScheduled to the outcome.
 */
async function recordStarted(deps: EngineDeps, executionArn: string, token: string, workerName: string | undefined): Promise<void> {
  try {
    await applyEvent(deps, executionArn, { type: 'ActivityStarted', token, ...(workerName !== undefined ? { workerName } : {}) });
  } catch (e) {
    logger.warn('could not record ActivityStarted', { executionArn, error: (e as Error)?.message ?? String(e) });
  }
}

async function stillWanted(deps: EngineDeps, executionArn: string, token: string): Promise<boolean> {
  const rec = await deps.store.getExecution(executionArn);
  return rec?.status === 'RUNNING' && Object.values(rec.snapshot?.runs ?? {}).some((r) => r.waiting?.kind === 'task' && r.waiting.token === token);
}
