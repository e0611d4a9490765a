/**
 * The TaskInvoker of the local server: Task resources answered by in-process functions (the same task
 * tables `stepwright run --tasks` uses), optionally with "hybrid mode", where chosen resources go to
 * real AWS Lambda (say, a production function that is hard to fake) and the rest stay local.
 *
 * Callback resources (`.waitForTaskToken`) behave as Lambda's Event invocation does on AWS: the local
 * function is started and not awaited, its return value is ignored, and the outcome is
 * `{ ok: true, output: undefined }`; the task finishes when someone calls SendTaskSuccess/Failure with
 * `context.taskToken`. (`stepwright run` differs: with no API to call back, it takes the return value.)
 */
import { resolve } from 'node:path';
import type { TaskInvoker, TaskOutcome, TaskRequest } from '../ports';
import { taskFailureOf, type TaskContext, type TaskResolver } from './runner';
import { loadTaskModule } from './task-module';
import { missingTaskCause } from './tasks';
import { isCallbackResource } from '../engine/definition';

export interface HybridOptions {
  /** usually a LambdaTaskInvoker */
  remote: TaskInvoker;
  /** true for tasks to send to `remote`; gets the Task's input too, to see lambda:invoke's FunctionName */
  remoteResources: (resource: string, input: unknown) => boolean;
}

export interface LocalInvokerOptions {
  /** where a callback task's failure goes, since nobody awaits it (default: console.error) */
  onCallbackError?: (failure: { error: string; cause?: string }, request: TaskRequest) => void;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export class LocalTaskInvoker implements TaskInvoker {
  private readonly resolver: TaskResolver;

  /** `tasks`: a resolver, or the path of a task module (relative paths from the working directory). */
  constructor(
    tasks: TaskResolver | string | undefined,
    private readonly hybrid?: HybridOptions,
    private readonly options: LocalInvokerOptions = {},
  ) {
    this.resolver = typeof tasks === 'string' ? loadTaskModule(resolve(tasks)) : (tasks ?? (() => undefined));
  }

  async invoke(req: TaskRequest): Promise<TaskOutcome> {
    if (this.hybrid?.remoteResources(req.resource, req.input)) return this.hybrid.remote.invoke(req);
    const found = this.resolver(req.resource, req.input);
    // Same text as the in-process runner, so a missing task reads alike in `run` and `serve`.
    if (!found) return { ok: false, error: 'States.TaskFailed', cause: missingTaskCause(req.resource, req.input) };
    const ctx: TaskContext = { resource: req.resource, attempt: req.attempt, executionArn: req.executionArn, stateName: req.stateName, taskToken: req.taskToken, sleep };
    const run = Promise.resolve().then(() => found.fn(found.input, ctx));
    if (isCallbackResource(req.resource)) {
      run.catch((e) => (this.options.onCallbackError ?? defaultCallbackError)(taskFailureOf(e), req));
      return { ok: true, output: undefined };
    }
    try {
      const result = await run;
      return { ok: true, output: found.wrap ? found.wrap(result) : result === undefined ? null : result };
    } catch (e) {
      return { ok: false, ...taskFailureOf(e) };
    }
  }
}

function defaultCallbackError(failure: { error: string; cause?: string }, req: TaskRequest): void {
  console.error(`stepwright: callback task '${req.stateName}' of ${req.executionArn} threw ${failure.error}: ${failure.cause ?? ''} (the task waits for SendTaskFailure or its timeout)`);
}
