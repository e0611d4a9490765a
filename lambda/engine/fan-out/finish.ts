/** The end of a Map or Parallel fan-out, inline or spread: the state's result, or its failure. */
import { ErrorNames } from '../../asl/errors';
import { mapRunArnOf } from '../arns';
import type { FanOutState } from '../definition';
import type { StateFailure, StepContext } from '../step-context';
import type { Run } from '../types';

export async function finishFanOut(ctx: StepContext, parent: Run, state: FanOutState): Promise<void> {
  const fan = parent.fanOut!;
  parent.fanOut = undefined;
  parent.waiting = undefined;
  if (fan.kind === 'parallel') ctx.history.add('ParallelStateSucceeded');
  else {
    if (fan.distributed || fan.spread) ctx.history.add('MapRunSucceeded');
    ctx.history.add('MapStateSucceeded');
  }
  // With a ResultWriter the results are kept with the Map Run; as on AWS, the state's result says where.
  const mapRunArn = fan.resultsKept && fan.spread ? mapRunArnOf(fan.spread.fanId) : undefined;
  const result = mapRunArn ? { MapRunArn: mapRunArn, ResultWriterDetails: { Store: 'stepwright', MapRunArn: mapRunArn } } : fan.results;
  try {
    await ctx.finishWithResult(parent, state, result);
  } catch (e) {
    await ctx.processingFailed(parent, state, e);
  }
}

export async function failFanOut(ctx: StepContext, parent: Run, state: FanOutState): Promise<void> {
  // The fan-out stays on the run: a redrive re-runs only the children that did not succeed.
  const fan = parent.fanOut!;
  parent.waiting = undefined;
  // MapStateFailed / ParallelStateFailed only once the failure is not retried (StateFailure.failedEvent)
  let failure: StateFailure = { error: fan.firstError!.error, cause: fan.firstError!.cause, failedEvent: fan.kind === 'parallel' ? 'ParallelStateFailed' : 'MapStateFailed' };
  if (fan.kind === 'map') {
    if (fan.distributed) {
      ctx.history.add('MapRunFailed');
      failure = { ...failure, error: ErrorNames.ExceedToleratedFailureThreshold, cause: 'The specified tolerated failure threshold was exceeded' };
    } else if (fan.spread) ctx.history.add('MapRunFailed');
  }
  await ctx.stateFailed(parent, state, failure);
}
