/** The definition of a run that holds a fan-out: a Map or Parallel state, by construction. */
import type { FanOutState, MapState } from '../definition';
import type { StepContext } from '../step-context';
import type { Run } from '../types';

export function fanOutStateOf(ctx: StepContext, run: Run): FanOutState {
  const state = ctx.stateOf(run);
  if (state.Type !== 'Map' && state.Type !== 'Parallel') throw new Error(`advance: the run ${run.id} holds a fan-out in its ${state.Type} state '${run.stateName}'`);
  return state;
}

/** A fan-out of kind 'map' belongs to a Map state (its kind was taken from the state's Type). */
export function asMapState(state: FanOutState): MapState {
  if (state.Type !== 'Map') throw new Error(`advance: a Map fan-out in a ${state.Type} state`);
  return state;
}
