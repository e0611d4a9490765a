/** Choice: the first rule that matches (a JSONata Condition, or JSONPath comparisons) picks the next state; else Default. */
import { evaluateChoiceRule } from '../../asl/choice';
import { StatesError, ErrorNames } from '../../asl/errors';
import { selectInputOrOutputPath } from '../../asl/jsonpath';
import { applyInputPath, evaluateAssign, evaluateTemplate, pathScope, type StateEnv } from '../dataflow';
import type { ChoiceRule, ChoiceState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';
import { jsonTypeName } from './json-type';

export async function execChoice(ctx: StepContext, run: Run, state: ChoiceState): Promise<void> {
  const env = ctx.env(run, state);
  if (env.language === 'JSONata') {
    for (const [i, rule] of state.Choices.entries()) {
      const cond = await evaluateTemplate(rule.Condition, env, `Choices[${i}].Condition`);
      if (typeof cond !== 'boolean') {
        throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${String(rule.Condition)}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(cond)}' for value: ${JSON.stringify(cond)}`);
      }
      if (cond) return leaveChoice(ctx, run, state, env, rule.Next, rule);
    }
  } else {
    const input = applyInputPath(state, env);
    const scope = pathScope(env, input);
    for (const rule of state.Choices) {
      if (evaluateChoiceRule(rule, scope)) return leaveChoice(ctx, run, state, env, rule.Next, rule, input);
    }
    if (state.Default !== undefined) return leaveChoice(ctx, run, state, env, state.Default, undefined, input);
  }
  if (state.Default !== undefined) return leaveChoice(ctx, run, state, env, state.Default, undefined);
  throw new StatesError(ErrorNames.NoChoiceMatched, `No Matches!`);
}

/** The state's Assign, then the matched rule's (it wins), and the output: the rule's Output, else the state's. */
async function leaveChoice(ctx: StepContext, run: Run, state: ChoiceState, env: StateEnv, next: string, rule: ChoiceRule | undefined, effective?: unknown): Promise<void> {
  if (env.language === 'JSONata') {
    const outputTemplate = rule?.Output !== undefined ? rule.Output : state.Output;
    const output = outputTemplate === undefined ? env.rawInput : await evaluateTemplate(outputTemplate, env, 'Output');
    const assigned = { ...(await evaluateAssign(state.Assign, env, undefined)), ...(await evaluateAssign(rule?.Assign, env, undefined)) };
    return ctx.leaveState(run, state, output, assigned, next);
  }
  const assigned = { ...(await evaluateAssign(state.Assign, env, effective)), ...(await evaluateAssign(rule?.Assign, env, effective)) };
  const output = selectInputOrOutputPath(state.OutputPath, pathScope(env, effective), 'OutputPath');
  ctx.leaveState(run, state, output, assigned, next);
}
