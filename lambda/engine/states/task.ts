/**
 * Task: asks the caller to invoke the resource (effect InvokeTask), with its timeout and heartbeat
 * timers, then turns the answer (TaskSucceeded, TaskFailed, a timer) into the state's output or failure.
 */
import { StatesError, ErrorNames } from '../../asl/errors';
import { splitResource, regionOf } from '../arns';
import { effectiveInput, readPath, type StateEnv } from '../dataflow';
import { isCallbackResource, type TaskState } from '../definition';
import { isActivityArn, isDirectLambdaArn } from '../history';
import { payloadLimitProblem, TOO_DEEP } from '../limits';
import type { StateFailure, StepContext } from '../step-context';
import type { Run } from '../types';
import { jsonataNumber } from './jsonata-number';

/** AWS's ceiling for a task's TimeoutSeconds and HeartbeatSeconds (as the validator's MAX_SECONDS) */
const MAX_TASK_SECONDS = 99999999;

export async function execTask(ctx: StepContext, run: Run, state: TaskState): Promise<void> {
  const token = ctx.newToken();
  const resource = state.Resource;
  const waitForTaskToken = isCallbackResource(resource);
  const taskToken = waitForTaskToken ? ctx.taskTokenFor(token) : undefined;
  const env = ctx.env(run, state, { taskToken });
  const input = await effectiveInput(state, env, env.language === 'JSONata' ? 'Arguments' : 'Parameters');
  const timeoutSeconds = await numberField(state, env, 'TimeoutSeconds');
  const heartbeatSeconds = await numberField(state, env, 'HeartbeatSeconds');
  const attempt = run.retryCounts.reduce((a, b) => a + b, 0) + 1;
  const history = ctx.history;
  // timeoutSeconds is kept so that a reconciler can send this very invoke again (lambda/runtime/reconciler.ts)
  run.waiting = { kind: 'task', token, resource, effectiveInput: input, heartbeatSeconds, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };
  if (isDirectLambdaArn(resource)) {
    history.add('LambdaFunctionScheduled', { resource, input: history.payload(input), inputDetails: { truncated: false }, ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}) });
    history.add('LambdaFunctionStarted');
  } else if (isActivityArn(resource)) {
    // AWS writes ActivityStarted only when a worker takes the job (GetActivityTask), not here
    history.add('ActivityScheduled', {
      resource,
      input: history.payload(input),
      inputDetails: { truncated: false },
      ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
      ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
    });
  } else {
    const { resourceType, resourceName } = splitResource(resource);
    history.add('TaskScheduled', { resourceType, resource: resourceName, region: regionOf(ctx.snap.execution.arn), parameters: history.payload(input), ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}) });
    history.add('TaskStarted', { resourceType, resource: resourceName });
  }
  ctx.effects.push({
    type: 'InvokeTask',
    token,
    runId: run.id,
    stateName: run.stateName,
    resource,
    input,
    taskToken,
    waitForTaskToken,
    timeoutSeconds,
    heartbeatSeconds,
    attempt,
    executionArn: ctx.snap.execution.arn,
  });
  if (timeoutSeconds !== undefined) {
    run.waiting.timeoutToken = ctx.newToken();
    ctx.effects.push({ type: 'SetTimer', token: run.waiting.timeoutToken, at: ctx.after(timeoutSeconds), purpose: 'timeout' });
  }
  if (heartbeatSeconds !== undefined) {
    run.waiting.heartbeatToken = ctx.newToken();
    ctx.effects.push({ type: 'SetTimer', token: run.waiting.heartbeatToken, at: ctx.after(heartbeatSeconds), purpose: 'heartbeat' });
  }
}

/** TimeoutSeconds / HeartbeatSeconds: a literal, a ...Path (JSONPath) or a JSONata expression (a positive integer). */
async function numberField(state: TaskState, env: StateEnv, field: 'TimeoutSeconds' | 'HeartbeatSeconds'): Promise<number | undefined> {
  const literal = state[field];
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'string' && env.language === 'JSONata') return jsonataNumber(literal, env, field, { kind: 'integer', min: 1, max: MAX_TASK_SECONDS });
  const path = state[`${field}Path`];
  if (typeof path === 'string') {
    const found = readPath(path, env, env.rawInput);
    if (!found.found || typeof found.value !== 'number' || !Number.isInteger(found.value) || found.value <= 0) {
      throw new StatesError(ErrorNames.Runtime, `The ${field}Path parameter does not reference a positive integer: ${path}`);
    }
    return found.value;
  }
  return undefined;
}

/** The history event of a task's outcome: LambdaFunction... for a direct Lambda ARN, Activity... for an activity, Task... otherwise. */
export function taskEvent(ctx: StepContext, resource: string, outcome: 'Succeeded' | 'Failed' | 'TimedOut', details: Record<string, unknown>): void {
  const clean = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
  if (isDirectLambdaArn(resource)) ctx.history.add(`LambdaFunction${outcome}`, clean);
  else if (isActivityArn(resource)) ctx.history.add(`Activity${outcome}`, clean);
  else {
    const { resourceType, resourceName } = splitResource(resource);
    ctx.history.add(`Task${outcome}`, { resourceType, resource: resourceName, ...clean });
  }
}

/** The task returned `result`: too big or too deep fails the task, else the state finishes with it. */
export async function taskSucceeded(ctx: StepContext, run: Run, state: TaskState, resource: string, result: unknown): Promise<void> {
  // depth too: a result nested too deep would break every walker after this one (history, paths, the store)
  const problem = payloadLimitProblem(result);
  if (problem !== undefined) {
    // AWS names a direct Lambda by its ARN and an integration by its service ("lambda").
    const culprit = isDirectLambdaArn(resource) ? resource : splitResource(resource).resourceType;
    const what = problem === 'bytes' ? 'with a size exceeding the maximum number of bytes service limit.' : TOO_DEEP;
    const failure = { error: ErrorNames.DataLimitExceeded, cause: `The state/task '${culprit}' returned a result ${what}`, fromTask: true };
    taskEvent(ctx, resource, 'Failed', failure);
    return ctx.stateFailed(run, state, failure);
  }
  taskEvent(ctx, resource, 'Succeeded', { output: ctx.history.payload(result), outputDetails: { truncated: false } });
  try {
    await ctx.finishWithResult(run, state, result);
  } catch (e) {
    await ctx.processingFailed(run, state, e);
  }
}

/** The task reported a failure (TaskFailed): Retry/Catch see it as raised by the task. */
export async function taskFailed(ctx: StepContext, run: Run, state: TaskState, resource: string, error: string, cause: string | undefined): Promise<void> {
  taskEvent(ctx, resource, 'Failed', { error, cause });
  await ctx.stateFailed(run, state, { error, cause, fromTask: true });
}

/** The task's timeout or heartbeat timer fired first: cancel it, and fail the state with States.Timeout / States.HeartbeatTimeout. */
export async function taskTimedOut(ctx: StepContext, run: Run, state: TaskState, taskToken: string, resource: string, role: 'timeout' | 'heartbeat'): Promise<void> {
  const error = role === 'timeout' ? ErrorNames.Timeout : ErrorNames.HeartbeatTimeout;
  ctx.effects.push({ type: 'CancelTask', token: taskToken });
  taskEvent(ctx, resource, 'TimedOut', { error, cause: undefined });
  const failure: StateFailure = { error, fromTask: true };
  await ctx.stateFailed(run, state, failure);
}
