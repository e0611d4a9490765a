/** The terminal states: Succeed ends the run with its output, Fail with an error and cause. */
import { evaluateIntrinsic, isIntrinsicCall } from '../../asl/intrinsics';
import { StatesError, ErrorNames } from '../../asl/errors';
import { evaluateTemplate, pathScope, readPath, type StateEnv } from '../dataflow';
import type { FailState, SucceedState } from '../definition';
import type { StateFailure, StepContext } from '../step-context';
import type { Run } from '../types';
import { passThrough } from './pass-through';

/** Synchronous in JSONPath, a promise only for JSONata (see Step.executeCurrent). */
export function execSucceed(ctx: StepContext, run: Run, state: SucceedState): void | Promise<void> {
  return passThrough(ctx, run, state);
}

/** Synchronous in JSONPath, a promise only for JSONata (see Step.executeCurrent). */
export function execFail(ctx: StepContext, run: Run, state: FailState): void | Promise<void> {
  const env = ctx.env(run, state);
  if (env.language === 'JSONata') return execFailJsonata(ctx, run, state, env);
  let error: unknown = state.Error;
  let cause: unknown = state.Cause;
  if (state.ErrorPath !== undefined) error = failField(state.ErrorPath, env, 'ErrorPath');
  if (state.CausePath !== undefined) cause = failField(state.CausePath, env, 'CausePath');
  failWith(ctx, run, error, cause);
}

async function execFailJsonata(ctx: StepContext, run: Run, state: FailState, env: StateEnv): Promise<void> {
  let error: unknown = state.Error;
  let cause: unknown = state.Cause;
  if (error !== undefined) error = await evaluateTemplate(error, env, 'Error');
  if (cause !== undefined) cause = await evaluateTemplate(cause, env, 'Cause');
  failWith(ctx, run, error, cause);
}

function failWith(ctx: StepContext, run: Run, error: unknown, cause: unknown): void {
  const failure: StateFailure = {
    error: error === undefined ? undefined! : typeof error === 'string' ? error : JSON.stringify(error),
    cause: cause === undefined ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause),
  };
  ctx.failRun(run, failure);
}

/** ErrorPath / CausePath: a path into the state's input, or an intrinsic function. */
function failField(path: string, env: StateEnv, field: string): unknown {
  if (isIntrinsicCall(path)) return evaluateIntrinsic(path, pathScope(env, env.rawInput), env.random);
  const found = readPath(path, env, env.rawInput);
  if (!found.found) {
    throw new StatesError(ErrorNames.Runtime, `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(env.rawInput)}'`);
  }
  return found.value;
}
