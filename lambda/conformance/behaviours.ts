/**
 * Turns the task behaviours of a conformance case (shared/conformance/TASKS-FORMAT.md) into local
 * task functions: returns, echo, throws, js, sequence, sleepMs/then.
 */
import type { TaskFunction } from '../local/runner';

export type Behaviour =
  | { returns: unknown }
  | { echo: true }
  | { throws: { error: string; cause?: string } }
  | { js: string }
  | { sequence: Behaviour[] }
  | { sleepMs: number; then: Behaviour };

function behave(b: Behaviour, calls: () => number): TaskFunction {
  if ('returns' in b) return () => structuredClone(b.returns);
  if ('echo' in b) return (input) => input;
  if ('throws' in b) {
    return () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a local task fails with a thrown {error, cause} (README, local task modules), which the case's error and cause mirror
      throw { error: b.throws.error, cause: b.throws.cause };
    };
  }
  if ('js' in b) {
    // The corpus ships these as JS source text; evaluating it is the point of the format.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the case's task is JS source text (TASKS-FORMAT.md `js`); evaluating it is the behaviour
    const source = new Function(`return (${b.js});`) as () => (input: unknown, ctx: unknown) => unknown;
    const fn = source();
    return (input, ctx) =>
      fn(input, { resource: ctx.resource, attempt: ctx.attempt, executionArn: ctx.executionArn, stateName: ctx.stateName, taskToken: ctx.taskToken });
  }
  if ('sequence' in b) {
    const steps = b.sequence.map((s) => behave(s, calls));
    return (input, ctx) => steps[Math.min(calls(), steps.length) - 1](input, ctx);
  }
  if ('sleepMs' in b) {
    const then = behave(b.then, calls);
    return async (input, ctx) => {
      await ctx.sleep(b.sleepMs);
      return then(input, ctx);
    };
  }
  throw new Error(`unknown task behaviour ${JSON.stringify(b)}`);
}

/** One table per execution: `sequence` counts calls of each Resource within that execution. */
export function tasksFromBehaviours(behaviours: Record<string, Behaviour>): Record<string, TaskFunction> {
  const table: Record<string, TaskFunction> = {};
  for (const [resource, b] of Object.entries(behaviours)) {
    let n = 0;
    const fn = behave(b, () => n);
    table[resource] = (input, ctx) => {
      n++;
      return fn(input, ctx);
    };
  }
  return table;
}
