/**
 * The runaway guard (Stepwright's own): fails the execution when it passes its state machine's
 * transition limit, or when one run enters the same state too many times (a loop).
 */
import { defineKey } from '../asl/json-values';
import { DEFAULT_MAX_STATE_VISITS, DEFAULT_MAX_TRANSITIONS } from './limits';
import type { StepContext } from './step-context';
import type { Run } from './types';

/** Called as `run` enters state `name`; true when a limit was passed and the execution failed. */
export function guardTripped(ctx: StepContext, run: Run, name: string): boolean {
  const limits = ctx.snap.limits!;
  // "none" (or a snapshot from before the defaults, with the field left out) is no limit
  if (typeof limits.maxTransitions === 'number' && ctx.snap.transitions > limits.maxTransitions) {
    ctx.failExecution('Stepwright.TransitionLimitExceeded', `The execution exceeded ${limits.maxTransitions} state transitions, ${limitSource(limits.maxTransitions, DEFAULT_MAX_TRANSITIONS)}; the last state entered was '${name}'. Raise or lower it with settings.limits.maxTransitions on the state machine (a number, or "none" for no limit).`);
    return true;
  }
  if (typeof limits.maxStateVisits === 'number') {
    const visits = (run.visits ??= {});
    // own keys only: a state named 'constructor' or '__proto__' is counted like any other
    const count = (Object.hasOwn(visits, name) ? visits[name] : 0) + 1;
    defineKey(visits, name, count); // a plain assignment but for "__proto__" (defineProperty on every entry was 8% of a Pass chain)
    if (count > limits.maxStateVisits) {
      ctx.failExecution('Stepwright.StateVisitLimitExceeded', `The state '${name}' was entered more than ${limits.maxStateVisits} times in one run, ${limitSource(limits.maxStateVisits, DEFAULT_MAX_STATE_VISITS)}. Raise or lower it with settings.limits.maxStateVisits on the state machine (a number, or "none" for no limit).`);
      return true;
    }
  }
  return false;
}

/** How a guard's cause names the limit: the default one, or the one the state machine set. */
function limitSource(value: number, defaultValue: number): string {
  return value === defaultValue ? 'the default limit of the runaway guard' : 'the limit set on its state machine (runaway guard)';
}
