/**
 * Inline tasks: a worker whose commit schedules exactly one task attempt, to run at once, invokes it
 * itself, right after the commit, instead of sending an `invoke` message for another invocation to take.
 * A chain of Lambda tasks then runs inside the one worker invocation that took the execution's start:
 * one queue message per execution instead of one per task, and no outbox clearing or claim item per
 * task, since the commit that scheduled the attempt is its claim (Outbox.inline) and the commit of its
 * answer replaces that outbox (this process flushed it).
 *
 * The guarantees stay those of the `invoke` message: the attempt runs once, unless the worker dies
 * while it runs (the documented crash window); then whoever flushes the outbox next (the message's
 * redelivery, the reconciler) turns the commit's claim into a claim item that holds until the lease
 * ends, exactly as the claim of a worker that died mid-invoke (advance-execution.ts, messagesToFlush).
 *
 * Only when the invocation has time for it: on AWS, the worker's remaining time must exceed the task's
 * longest run (its TimeoutSeconds, else its function's configured timeout, which the worker reads now
 * and then with GetFunctionConfiguration) plus a margin, so a worker is never cut off by its own
 * timeout in the middle of a task. Callback, activity and .sync tasks answer later
 * and keep their message; so do retries (delayed) and commits that schedule several tasks at once.
 */
import type { OutgoingMessage } from '../ports';
import type { InlineTasks } from './advance-execution';
import type { EngineDeps } from './deps';
import { answersLater } from './integrations';
import { runClaimedTask, taskLeaseSeconds, type InvokeMessage } from './run-task';
import { markInlineRun } from './inline-runs';

/**
 * How long the task may run: its TimeoutSeconds, else what the invoker knows (a Lambda function's
 * configured timeout, a service call's bound), else Lambda's maximum.
 */
async function longestRunSeconds(deps: EngineDeps, msg: InvokeMessage): Promise<number> {
  const { task } = msg;
  if (task.timeoutSeconds !== undefined) return task.timeoutSeconds;
  return (await deps.invoker.longestRunSeconds?.({ resource: task.resource, input: task.input, executionArn: msg.executionArn })) ?? LONGEST_TASK_SECONDS;
}

/** The time the current invocation has left (Lambda's context.getRemainingTimeInMillis). */
export interface InvocationBudget {
  remainingMs(): number;
}

/** Tasks one message runs inline, one after the other, before the next goes through a message again. */
export const MAX_INLINE_TASKS_PER_MESSAGE = 100;
/** What a worker keeps in hand beyond a task's longest run (its answer's commit, the next step). */
export const INLINE_MARGIN_MS = 30_000;
/** A Lambda task without TimeoutSeconds whose function's timeout is unknown may run this long (Lambda's maximum). */
const LONGEST_TASK_SECONDS = 900;

export function inlineTasks(deps: EngineDeps, budget: InvocationBudget | undefined, depth = 0): InlineTasks | undefined {
  if (deps.inlineTasks === false || depth >= MAX_INLINE_TASKS_PER_MESSAGE) return undefined;
  return {
    async choose(messages: OutgoingMessage[], nowMs: number) {
      const invokes = messages.filter((m) => m.body.kind === 'invoke');
      if (invokes.length !== 1) return undefined;
      const message = invokes[0];
      const task = (message.body as InvokeMessage).task;
      if (message.delaySeconds || answersLater(task.resource)) return undefined;
      if (budget && budget.remainingMs() < (await longestRunSeconds(deps, message.body as InvokeMessage)) * 1000 + INLINE_MARGIN_MS) return undefined;
      return { message, claim: { token: task.token, leaseUntil: nowMs + taskLeaseSeconds(deps, task) * 1000, ...(deps.soleClaimHolder ? { holder: deps.soleClaimHolder } : {}) } };
    },
    async run(rec, message) {
      const msg = message.body as InvokeMessage;
      const done = markInlineRun(deps.store, msg.executionArn, msg.task.token);
      try {
        // `rec` is the record this process has just committed and flushed: the answer is applied on it
        await runClaimedTask(deps, msg, rec, { known: rec, inline: inlineTasks(deps, budget, depth + 1) });
      } finally {
        done();
      }
    },
  };
}
