/**
 * Redrive (AWS: RedriveExecution): a FAILED, TIMED_OUT or ABORTED execution continues from where it
 * stopped, and the check that a (possibly corrected) definition can take over its kept run tree.
 */
import { machineAt, type StateMachineDefinition } from './definition';
import { childrenOf } from './fan-out/children';
import type { StepContext } from './step-context';
import type { ExecutionSnapshot } from './types';

/**
 * The run tree was kept when the execution ended: the state that failed runs again, a Map or Parallel
 * runs only the children that had not succeeded, and tasks or waits that were cut off start again.
 */
export function redriveExecution(ctx: StepContext): void {
  const snap = ctx.snap;
  if (snap.status !== 'FAILED' && snap.status !== 'TIMED_OUT' && snap.status !== 'ABORTED') return;
  if (Object.keys(snap.runs).length === 0) return; // nothing kept to resume from
  snap.status = 'RUNNING';
  snap.execution.redriveCount++;
  snap.execution.redriveTime = ctx.nowIso;
  delete snap.error;
  delete snap.cause;
  delete snap.stopDate;
  ctx.history.add('ExecutionRedriven', { redriveCount: snap.execution.redriveCount });
  const timeout = Math.min(ctx.def.TimeoutSeconds ?? Infinity, snap.limits?.maxDurationSeconds ?? Infinity);
  if (timeout !== Infinity) ctx.effects.push({ type: 'SetTimer', token: ctx.timeoutToken(), at: ctx.after(timeout), purpose: 'timeout' });
  const runs = Object.values(snap.runs).sort((a, b) => a.id.split('/').length - b.id.split('/').length);
  for (const run of runs) {
    run.status = 'RUNNING';
    run.retryCounts = [];
    run.visits = undefined;
    delete run.error;
    delete run.cause;
    const fan = run.fanOut;
    if (fan?.spread) {
      // The children are executions of their own: the caller re-runs those that did not succeed.
      fan.failed = 0;
      fan.failedIndices = undefined;
      fan.firstError = undefined;
      fan.spread.generation = snap.execution.redriveCount;
      run.waiting = { kind: 'children', token: fan.spread.token };
      ctx.effects.push({ type: 'RedriveChildren', fanId: fan.spread.fanId, token: fan.spread.token, total: fan.total, maxConcurrency: fan.maxConcurrency, generation: snap.execution.redriveCount });
    } else if (fan) {
      fan.failed = 0;
      fan.firstError = undefined;
      fan.running = childrenOf(ctx, run).length;
      fan.nextIndex = 0;
      run.waiting = { kind: 'children' };
      // every child had succeeded (the state failed after them): go straight to its result
      ctx.pendingFanOut.push({ parentId: run.id, more: fan.succeeded < fan.total });
    } else {
      run.waiting = undefined;
      ctx.ready.push(run.id);
    }
  }
}

/**
 * Can `snapshot` (a failed execution) be redriven onto `definition`? Every state its kept runs stand
 * in must still exist, with the same type, at the same place. Returns the problems, none when it can.
 */
export function redriveProblems(definition: StateMachineDefinition, snapshot: ExecutionSnapshot): string[] {
  const problems: string[] = [];
  for (const run of Object.values(snapshot.runs)) {
    let machine: StateMachineDefinition | undefined;
    try {
      machine = machineAt(definition, run.machinePath);
    } catch {
      machine = undefined;
    }
    const where = run.machinePath.length ? `/${run.machinePath.join('/')}/States/${run.stateName}` : `/States/${run.stateName}`;
    const state = machine?.States && Object.hasOwn(machine.States, run.stateName) ? machine.States[run.stateName] : undefined;
    if (!state) problems.push(`${where}: the state this execution stopped in does not exist in the new definition`);
    else if (run.fanOut && state.Type !== (run.fanOut.kind === 'map' ? 'Map' : 'Parallel')) problems.push(`${where}: was a ${run.fanOut.kind === 'map' ? 'Map' : 'Parallel'} state, is now ${state.Type}`);
    else if (run.fanOut?.kind === 'parallel' && state.Type === 'Parallel' && (state.Branches?.length ?? 0) !== run.fanOut.total) problems.push(`${where}: the number of branches changed`);
  }
  return problems;
}
