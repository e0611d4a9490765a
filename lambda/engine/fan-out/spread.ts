/**
 * Spread fan-out: a Map's items or a Parallel's branches run as executions of their own (effect
 * SpawnChildren); the caller's fan-in answers with ChildFailed / ChildrenCompleted.
 */
import { mapProcessorKey, type FanOutState, type ItemProcessor, type StateDefinition, type StateMachineDefinition } from '../definition';
import { itemInput } from '../states/map-items';
import type { StepContext } from '../step-context';
import type { FanOut, IncomingEvent, Run } from '../types';
import { childFailureTolerated } from './children';
import { asMapState, fanOutStateOf } from './fan-out-state';
import { failFanOut, finishFanOut } from './finish';

/** Should this Map or Parallel state's children run as executions of their own? */
function spreads(ctx: StepContext, state: FanOutState): boolean {
  const mode = ctx.options.fanOut ?? 'inline';
  if (mode === 'inline') return false;
  if (mode === 'spread') return true;
  // a ResultWriter asks for results kept outside the state: only a spread Map keeps them (with its children)
  return subtreeHasTask(state) || (state.Type === 'Map' && state.ResultWriter !== undefined);
}

/** Marks a fan-out as spread (when it is) and names it: the children's records hang off `fanId`. */
export function spreadMark(ctx: StepContext, run: Run, state: FanOutState): FanOut['spread'] {
  if (!spreads(ctx, state)) return undefined;
  const token = ctx.newToken();
  return { fanId: `${ctx.recordArn()}/${run.stateName}/${token}`, token, generation: ctx.snap.execution.redriveCount };
}

/**
 * The detail of a spread Parallel's ParallelStateStarted that names its children's fan-out: the
 * stored history keeps it so that GetExecutionHistory (runtime/history-view.ts) can show the branches'
 * events where AWS shows them; the view never shows the detail itself.
 */
export const SPREAD_FAN_ID = 'stepwrightSpreadFanId';

/** Spread: every child's input is computed now and handed over with the children; none is kept here. */
export async function spreadChildren(ctx: StepContext, parent: Run, state: FanOutState, fan: FanOut): Promise<void> {
  const { fanId, token } = fan.spread!;
  const inputs: unknown[] = [];
  const machinePaths: string[][] = [];
  for (let index = 0; index < fan.total; index++) {
    if (fan.kind === 'parallel') {
      inputs.push(fan.effectiveInput);
      machinePaths.push([...parent.machinePath, 'States', parent.stateName, 'Branches', String(index)]);
    } else {
      const map = asMapState(state);
      inputs.push(await itemInput(ctx, parent, map, index, fan.items![index]));
      if (index === 0) machinePaths.push([...parent.machinePath, 'States', parent.stateName, mapProcessorKey(map)]);
    }
  }
  if (fan.kind === 'parallel') {
    // the ParallelStateStarted this step has just written (states/parallel.ts) learns where the branches went
    const events = ctx.history.events;
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].type !== 'ParallelStateStarted') continue;
      events[i].parallelStateStartedEventDetails = { [SPREAD_FAN_ID]: fanId };
      break;
    }
  }
  fan.items = undefined;
  fan.effectiveInput = undefined;
  fan.results = [];
  parent.waiting = { kind: 'children', token };
  const outerVariables = ctx.env(parent, state).visibleVariables();
  ctx.effects.push({ type: 'SpawnChildren', fanId, token, kind: fan.kind, stateName: parent.stateName, machinePaths, inputs, maxConcurrency: fan.maxConcurrency, outerVariables });
}

/** The fan-in of a spread Map or Parallel reports a failed child, or that every child has ended. */
export async function spreadAnswer(ctx: StepContext, event: Extract<IncomingEvent, { type: 'ChildFailed' | 'ChildrenCompleted' }>): Promise<void> {
  const parent = Object.values(ctx.snap.runs).find((r) => r.waiting?.kind === 'children' && r.waiting.token === event.token);
  const fan = parent?.fanOut;
  if (!parent || !fan?.spread) return; // the state has moved on (failed, caught, stopped): nothing to do
  // a report from before a redrive (a child aborted when the fan-out failed, counted late): not this run's
  if (event.generation !== fan.spread.generation) return;
  ctx.attribute(parent);
  const state = fanOutStateOf(ctx, parent);
  if (event.type === 'ChildrenCompleted') {
    fan.results = event.results;
    fan.succeeded = fan.total - fan.failed;
    return finishFanOut(ctx, parent, state);
  }
  const failed = (fan.failedIndices ??= []);
  if (failed.includes(event.index)) return; // a duplicate report
  failed.push(event.index);
  fan.failed++;
  fan.firstError ??= { error: event.error, cause: event.cause };
  ctx.markChanged();
  // A child ended by an error that fails the whole execution (States.Runtime): inline it would have
  // failed this execution, past the Map's or Parallel's Catch. A DISTRIBUTED Map's item is an execution
  // of its own on AWS too, so there it is one more failed item.
  if (event.failsExecution && !fan.distributed) {
    if (fan.kind === 'map') ctx.history.add('MapRunFailed'); // the stored summary's pair (the view drops both)
    ctx.failExecution(event.error, event.cause);
    return;
  }
  if (childFailureTolerated(fan)) return;
  ctx.effects.push({ type: 'StopChildren', fanId: fan.spread.fanId, total: fan.total, generation: fan.spread.generation });
  await failFanOut(ctx, parent, state);
}

const taskInside = new WeakMap<object, boolean>();

/** Does this Map or Parallel state's processor or branches (at any depth) contain a Task? */
function subtreeHasTask(state: FanOutState): boolean {
  let known = taskInside.get(state);
  if (known === undefined) {
    const machines: StateMachineDefinition[] = state.Type === 'Parallel' ? (state.Branches ?? []) : [state.ItemProcessor ?? state.Iterator].filter((m): m is ItemProcessor => Boolean(m));
    known = machines.some((m) => Object.values(m.States ?? {}).some((s: StateDefinition) => s.Type === 'Task' || ((s.Type === 'Map' || s.Type === 'Parallel') && subtreeHasTask(s))));
    taskInside.set(state, known);
  }
  return known;
}
