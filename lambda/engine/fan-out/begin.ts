/** A Map or Parallel state begins its children: none (finish at once), spread as executions, or inline runs. */
import type { FanOutState } from '../definition';
import type { StepContext } from '../step-context';
import type { FanOut, Run } from '../types';
import { startChildren } from './children';
import { finishFanOut } from './finish';
import { spreadChildren } from './spread';

export async function beginFanOut(ctx: StepContext, run: Run, state: FanOutState, fan: FanOut): Promise<void> {
  run.fanOut = fan;
  run.waiting = { kind: 'children' };
  if (fan.total === 0) return finishFanOut(ctx, run, state);
  if (fan.spread) return spreadChildren(ctx, run, state, fan);
  await startChildren(ctx, run, state);
}
