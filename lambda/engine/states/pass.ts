/** Pass: its input (or Result) to its output, with the usual data processing; no work. */
import { effectiveInput, evaluateAssign, evaluateTemplate, resultToOutput } from '../dataflow';
import type { PassState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';

export async function execPass(ctx: StepContext, run: Run, state: PassState): Promise<void> {
  const env = ctx.env(run, state);
  if (env.language === 'JSONata') {
    const output = state.Output === undefined ? env.rawInput : await evaluateTemplate(state.Output, env, 'Output');
    const assigned = await evaluateAssign(state.Assign, env, undefined);
    return ctx.leaveState(run, state, output, assigned);
  }
  // The result's size is checked as part of the output (leaveState): same error, one walk fewer.
  const result = state.Result !== undefined ? state.Result : await effectiveInput(state, env);
  const assigned = await evaluateAssign(state.Assign, env, result);
  const { output } = await resultToOutput(state, env, result, { resultSelector: false });
  ctx.leaveState(run, state, output, assigned);
}
