/** Parallel: every branch runs on the state's effective input; the result is their outputs, in branch order. */
import { effectiveInput } from '../dataflow';
import type { ParallelState } from '../definition';
import { beginFanOut } from '../fan-out/begin';
import { spreadMark } from '../fan-out/spread';
import type { StepContext } from '../step-context';
import type { FanOut, Run } from '../types';

export async function execParallel(ctx: StepContext, run: Run, state: ParallelState): Promise<void> {
  const env = ctx.env(run, state);
  const input = await effectiveInput(state, env, env.language === 'JSONata' ? 'Arguments' : 'Parameters');
  ctx.history.add('ParallelStateStarted');
  const branches = state.Branches;
  const fan: FanOut = {
    kind: 'parallel',
    effectiveInput: input,
    total: branches.length,
    nextIndex: 0,
    running: 0,
    maxConcurrency: 0,
    results: new Array(branches.length).fill(null),
    succeeded: 0,
    failed: 0,
    distributed: false,
    spread: spreadMark(ctx, run, state),
  };
  await beginFanOut(ctx, run, state, fan);
}
