/** Pass: its input (or Result) to its output, with the usual data processing; no work. */
import { evaluateAssign, evaluateTemplate, jsonPathAssign, jsonPathInput, jsonPathOutput, type StateEnv } from '../dataflow';
import type { PassState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';

/** Synchronous in JSONPath (a promise only for JSONata, which awaits): see Step.executeCurrent. */
export function execPass(ctx: StepContext, run: Run, state: PassState): void | Promise<void> {
  const env = ctx.env(run, state);
  if (env.language === 'JSONata') return execPassJsonata(ctx, run, state, env);
  // The result's size is checked as part of the output (leaveState): same error, one walk fewer.
  const result = state.Result !== undefined ? state.Result : jsonPathInput(state, env);
  const assigned = jsonPathAssign(state.Assign, env, result);
  const { output, written } = jsonPathOutput(state, env, result, { resultSelector: false });
  ctx.leaveState(run, state, output, assigned, undefined, written);
}

async function execPassJsonata(ctx: StepContext, run: Run, state: PassState, env: StateEnv): Promise<void> {
  const output = state.Output === undefined ? env.rawInput : await evaluateTemplate(state.Output, env, 'Output');
  const assigned = await evaluateAssign(state.Assign, env, undefined);
  ctx.leaveState(run, state, output, assigned);
}
