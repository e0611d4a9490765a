/** Wait (once its time has come) and Succeed: input -> output with no result (InputPath + OutputPath, or JSONata Output). */
import { applyInputPath, applyOutputPath, evaluateAssign, evaluateTemplate, jsonPathAssign, type StateEnv } from '../dataflow';
import type { SucceedState, WaitState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';

/** Synchronous in JSONPath, a promise only for JSONata (see Step.executeCurrent). */
export function passThrough(ctx: StepContext, run: Run, state: WaitState | SucceedState): void | Promise<void> {
  const env = ctx.env(run, state);
  // Succeed has no Assign in the language (the validator refuses one); an unvalidated one is honoured, as always
  const assign = 'Assign' in state ? state.Assign : undefined;
  if (env.language === 'JSONata') return passThroughJsonata(ctx, run, state, env, assign);
  const input = applyInputPath(state, env);
  const assigned = jsonPathAssign(assign, env, input);
  const output = applyOutputPath(state, env, input);
  ctx.leaveState(run, state, output, assigned);
}

async function passThroughJsonata(ctx: StepContext, run: Run, state: WaitState | SucceedState, env: StateEnv, assign: unknown): Promise<void> {
  const output = state.Output === undefined ? env.rawInput : await evaluateTemplate(state.Output, env, 'Output');
  ctx.leaveState(run, state, output, await evaluateAssign(assign, env, undefined));
}
