/** Choice: the first rule that matches (a JSONata Condition, or JSONPath comparisons) picks the next state; else Default. */
import { evaluateChoiceRule } from '../../asl/choice';
import { StatesError, ErrorNames } from '../../asl/errors';
import { applyInputPath, applyOutputPath, evaluateAssign, evaluateTemplate, jsonPathAssign, pathScope, type StateEnv } from '../dataflow';
import type { ChoiceRule, ChoiceState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';
import { jsonTypeName } from './json-type';

/** Synchronous in JSONPath, a promise only for JSONata (see Step.executeCurrent). */
export function execChoice(ctx: StepContext, run: Run, state: ChoiceState): void | Promise<void> {
  const env = ctx.env(run, state);
  if (env.language === 'JSONata') return execChoiceJsonata(ctx, run, state, env);
  const input = applyInputPath(state, env);
  const scope = pathScope(env, input);
  for (const rule of state.Choices) {
    if (evaluateChoiceRule(rule, scope)) return leaveChoicePath(ctx, run, state, env, rule.Next, rule, input);
  }
  if (state.Default !== undefined) return leaveChoicePath(ctx, run, state, env, state.Default, undefined, input);
  throw new StatesError(ErrorNames.NoChoiceMatched, `No Matches!`);
}

async function execChoiceJsonata(ctx: StepContext, run: Run, state: ChoiceState, env: StateEnv): Promise<void> {
  for (const [i, rule] of state.Choices.entries()) {
    const cond = await evaluateTemplate(rule.Condition, env, `Choices[${i}].Condition`);
    if (typeof cond !== 'boolean') {
      throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${String(rule.Condition)}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(cond)}' for value: ${JSON.stringify(cond)}`);
    }
    if (cond) return leaveChoiceJsonata(ctx, run, state, env, rule.Next, rule);
  }
  if (state.Default !== undefined) return leaveChoiceJsonata(ctx, run, state, env, state.Default, undefined);
  throw new StatesError(ErrorNames.NoChoiceMatched, `No Matches!`);
}

/** The state's Assign, then the matched rule's (it wins), and the output: the rule's Output, else the state's. */
async function leaveChoiceJsonata(ctx: StepContext, run: Run, state: ChoiceState, env: StateEnv, next: string, rule: ChoiceRule | undefined): Promise<void> {
  const outputTemplate = rule?.Output !== undefined ? rule.Output : state.Output;
  const output = outputTemplate === undefined ? env.rawInput : await evaluateTemplate(outputTemplate, env, 'Output');
  const assigned = { ...(await evaluateAssign(state.Assign, env, undefined)), ...(await evaluateAssign(rule?.Assign, env, undefined)) };
  ctx.leaveState(run, state, output, assigned, next);
}

/** JSONPath: as leaveChoiceJsonata, over the input after InputPath (`effective`), with OutputPath. */
function leaveChoicePath(ctx: StepContext, run: Run, state: ChoiceState, env: StateEnv, next: string, rule: ChoiceRule | undefined, effective: unknown): void {
  const assigned = { ...jsonPathAssign(state.Assign, env, effective), ...jsonPathAssign(rule?.Assign, env, effective) };
  const output = applyOutputPath(state, env, effective);
  ctx.leaveState(run, state, output, assigned, next);
}
