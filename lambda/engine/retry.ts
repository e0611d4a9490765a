/**
 * Retry and Catch rule matching, and the retry delay, as the States Language defines them.
 */
import { ErrorNames } from '../asl/errors';
import type { Catcher, Retrier } from './definition';

/**
 * Does a rule's ErrorEquals cover this error? States.ALL covers every error except States.Runtime
 * (AWS: "A retry or catch on States.ALL won't catch States.Runtime errors"); States.TaskFailed covers
 * every error a task reports except States.Timeout.
 */
export function errorMatches(errorEquals: readonly string[], error: string, fromTask: boolean): boolean {
  if (error === ErrorNames.Runtime) return false;
  for (const name of errorEquals) {
    if (name === error) return true;
    if (name === ErrorNames.ALL) return true;
    if (name === ErrorNames.TaskFailed && fromTask && error !== ErrorNames.Timeout) return true;
  }
  return false;
}

export function findRetrier(retriers: Retrier[] | undefined, error: string, fromTask: boolean): number {
  if (!retriers) return -1;
  return retriers.findIndex((r) => errorMatches(r.ErrorEquals, error, fromTask));
}

export function findCatcher(catchers: Catcher[] | undefined, error: string, fromTask: boolean): Catcher | undefined {
  return catchers?.find((c) => errorMatches(c.ErrorEquals, error, fromTask));
}

/**
 * Seconds to wait before retry number `attempt` (0 for the first retry):
 * IntervalSeconds * BackoffRate^attempt, capped by MaxDelaySeconds, FULL jitter picks uniformly below it.
 */
export function retryDelaySeconds(r: Retrier, attempt: number, random: () => number): number {
  const interval = r.IntervalSeconds ?? 1;
  const backoff = r.BackoffRate ?? 2;
  let delay = interval * Math.pow(backoff, attempt);
  if (r.MaxDelaySeconds !== undefined) delay = Math.min(delay, r.MaxDelaySeconds);
  if (r.JitterStrategy === 'FULL') delay = delay * random();
  return delay;
}
