/**
 * The ASL interpreter: a pure step function.
 *
 *   advance(definition, snapshot, event, now, options) -> { snapshot, events (history), effects }
 *
 * It never performs I/O, never reads the clock (only `now`), never draws random numbers except from
 * `options.random`. It runs Pass, Choice, Succeed, Fail and data processing inline and stops at the
 * next thing that needs the outside world: a Task (effect InvokeTask), a Wait or a Retry interval
 * (effect SetTimer). Map items and Parallel branches are child runs inside the same snapshot; each
 * is advanced like the execution itself, so a caller may also hand them to other workers.
 *
 * Ownership: the snapshot passed in is consumed (updated in place and returned); a caller that
 * needs the old one keeps a copy. Stored snapshots are JSON, so a load yields a fresh object anyway.
 *
 * Shape: the Step class below is the core of one call — the events that wake it, the drain loop, the
 * life of a run (enter, leave, complete, fail), Retry/Catch, the end of the execution — and it owns
 * the step's mutable state (snapshot, history, effects, token counter, ready queue). What each state
 * kind does lives in states/ (one module per kind, picked by `executeCurrent`'s switch on Type), the
 * children of Map and Parallel in fan-out/, redrive in redrive.ts. Those modules are plain functions
 * that receive the Step through the narrow StepContext interface (step-context.ts): one object to
 * pass instead of a dozen callbacks, and no module imports this file, so there are no import cycles.
 */
import { StatesError, ErrorNames } from '../asl/errors';
import { applyResultPath, defineKey } from '../asl/jsonpath';
import type { AdvanceOptions } from './advance-options';
import type { ContextExtras } from './context';
import { evaluateAssign, evaluateTemplate, resultToOutput, type QueryLanguage, type StateEnv } from './dataflow';
import { errorHandlingOf, machineAt, stateIn, transitionOf, type Catcher, type StateDefinition, type StateMachineDefinition, type StateOfType, type StateType, type WorkState } from './definition';
import { RunEnv } from './env';
import { childEnded, failDistributedItem, settleFanOuts } from './fan-out/children';
import { spreadAnswer } from './fan-out/spread';
import { HistoryWriter, STATE_ENTERED_DETAILS, STATE_EXITED_DETAILS, stateEventType } from './history';
import { exceedsDepth, TOO_DEEP, effectiveLimits } from './limits';
import { limitProblemOf, measurePayload, PayloadSizes, type WrittenResult } from './payload-sizes';
import { redriveExecution } from './redrive';
import { findCatcher, findRetrier, retryDelaySeconds } from './retry';
import { guardTripped } from './runaway-guard';
import { execChoice } from './states/choice';
import { execFail, execSucceed } from './states/fail-succeed';
import { execMap } from './states/map';
import { execParallel } from './states/parallel';
import { execPass } from './states/pass';
import { execTask, taskFailed, taskSucceeded, taskTimedOut } from './states/task';
import { execWait, finishWait } from './states/wait';
import type { PendingFanOut, StateFailure, StepContext } from './step-context';
import { MAX_TASK_TOKEN_LENGTH } from './task-tokens';
import type { AdvanceResult, Effect, ExecutionInfo, ExecutionSnapshot, IncomingEvent, Run } from './types';

// The interpreter's public surface, besides advance (callers import these from here).
export type { AdvanceOptions, FanOutMode } from './advance-options';
export { INLINE_MAP_MAX_CONCURRENCY } from './fan-out/children';

const ROOT = 'root';
const RETRYABLE_TYPES = new Set(['Task', 'Parallel', 'Map']);

/**
 * The ISO text of the last clock reading seen: toISOString costs about as much as running a Pass
 * state, and a busy process advances many executions within one millisecond.
 */
const lastNow = { millis: NaN, iso: '' };
function isoText(millis: number, now: Date): string {
  if (millis !== lastNow.millis) {
    lastNow.iso = now.toISOString(); // an invalid Date (NaN) throws here every time, as before
    lastNow.millis = millis;
  }
  return lastNow.iso;
}

export async function advance(
  definition: StateMachineDefinition,
  snapshot: ExecutionSnapshot | undefined,
  event: IncomingEvent,
  now: Date,
  options: AdvanceOptions,
): Promise<AdvanceResult> {
  const step = new Step(definition, snapshot, event, now, options);
  await step.run(event);
  // events written to a Distributed Map item's own history are changes too (a caller keeps the snapshot)
  return { snapshot: step.snap, events: step.history.events, effects: step.effects, changed: step.changed || step.history.wroteElsewhere || undefined };
}

class Step implements StepContext {
  snap!: ExecutionSnapshot;
  readonly history: HistoryWriter;
  readonly effects: Effect[] = [];
  /** the snapshot changed without an event or effect to show for it */
  changed = false;
  readonly ready: string[] = [];
  readonly pendingFanOut: PendingFanOut[] = [];
  /** the sizes of the runs' inputs, to check their states' outputs cheaply */
  private readonly sizes = new PayloadSizes();
  /** whose events are being written (attribute) */
  private attributed: Run | undefined;
  readonly nowIso: string;
  readonly nowMillis: number;

  constructor(
    readonly def: StateMachineDefinition,
    snapshot: ExecutionSnapshot | undefined,
    event: IncomingEvent,
    now: Date,
    readonly options: AdvanceOptions,
  ) {
    this.nowMillis = now.getTime();
    this.nowIso = isoText(this.nowMillis, now);
    if (snapshot) this.snap = snapshot;
    else if (event.type !== 'StartExecution') throw new Error(`advance: no snapshot for event ${event.type}`);
    this.history = new HistoryWriter(snapshot ? snapshot.nextEventId : 1, this.nowIso, options.historyPayloads !== false);
  }

  async run(event: IncomingEvent): Promise<void> {
    if (event.type === 'StartExecution') this.start(event);
    else if (event.type === 'RedriveExecution') {
      this.snap.failedExecution = undefined;
      redriveExecution(this);
    }
    else if (this.snap.status !== 'RUNNING') return; // late answers to a finished execution change nothing
    else await this.dispatch(event);
    await this.drain();
    this.snap.nextEventId = this.history.nextEventId;
  }

  markChanged(): void {
    this.changed = true;
  }

  // ---------------------------------------------------------------- events

  private start(event: Extract<IncomingEvent, { type: 'StartExecution' }>): void {
    // Field by field: a spread followed by a field the source lacks (redriveCount) makes V8 build the
    // object the slow way, which cost more than the rest of a one-state execution.
    const e = event.execution;
    const ex: ExecutionInfo = { arn: e.arn, name: e.name, input: e.input, startTime: e.startTime, roleArn: e.roleArn, stateMachineArn: e.stateMachineArn, stateMachineName: e.stateMachineName, redriveCount: e.redriveCount ?? 0 };
    if (e.redriveTime !== undefined) ex.redriveTime = e.redriveTime;
    this.snap = { formatVersion: 1, execution: ex, status: 'RUNNING', nextEventId: 1, nextToken: 1, transitions: 0, runs: {} };
    // every execution runs under limits: the machine's, or the defaults for what it leaves out (a spread
    // child gets its parent's, already complete)
    this.snap.limits = effectiveLimits(event.limits);
    if (event.traceId) this.snap.traceId = event.traceId;
    if (event.child) this.snap.child = event.child;
    // A spread child's own input is its item (or branch input); $$.Execution.Input stays the parent's.
    const input = event.child ? event.childInput : ex.input;
    // measured before the history event: input nested too deep would break its serialisation
    const measure = measurePayload(input);
    const problem = limitProblemOf(measure);
    const tooDeep = problem !== undefined && exceedsDepth(input);
    this.history.add('ExecutionStarted', {
      input: tooDeep ? undefined : this.history.payload(input),
      inputDetails: { truncated: false },
      roleArn: ex.roleArn,
    });
    if (problem !== undefined) {
      this.failExecution(ErrorNames.DataLimitExceeded, problem === 'bytes' ? 'The execution input exceeds the maximum number of bytes service limit.' : `The execution input is ${TOO_DEEP}`);
      return;
    }
    // The execution's deadline is kept by the parent execution, which stops its children when it passes.
    const timeout = event.child ? Infinity : Math.min(this.def.TimeoutSeconds ?? Infinity, this.snap.limits?.maxDurationSeconds ?? Infinity);
    if (timeout !== Infinity) this.effects.push({ type: 'SetTimer', token: this.timeoutToken(), at: this.after(timeout), purpose: 'timeout' });
    const root = this.startRun({ id: ROOT, machinePath: event.child?.machinePath ?? [], input });
    this.sizes.note(root, input, measure);
  }

  private async dispatch(event: Exclude<IncomingEvent, { type: 'StartExecution' } | { type: 'RedriveExecution' }>): Promise<void> {
    if (event.type === 'FailExecution') {
      this.failExecution(event.error, event.cause);
      return;
    }
    if (event.type === 'StopExecution') {
      this.finishExecution('ABORTED', 'ExecutionAborted', { error: event.error, cause: event.cause });
      return;
    }
    if (event.type === 'TimerFired' && event.token.startsWith('execution-timeout')) {
      if (event.token !== this.timeoutToken()) return; // the timer of a run before a redrive
      const byLimit = this.snap.limits?.maxDurationSeconds !== undefined && !(typeof this.def.TimeoutSeconds === 'number' && this.def.TimeoutSeconds <= this.snap.limits.maxDurationSeconds);
      const cause = byLimit ? `The execution ran longer than the ${this.snap.limits!.maxDurationSeconds} seconds its state machine allows (runaway guard).` : 'The execution timed out.';
      this.finishExecution('TIMED_OUT', 'ExecutionTimedOut', { error: ErrorNames.Timeout, cause });
      return;
    }
    if (event.type === 'TimerFired' && event.token === this.snap.continueToken) {
      this.snap.continueToken = undefined;
      const runnable = Object.values(this.snap.runs).filter((r) => r.status === 'RUNNING' && !r.waiting);
      for (const r of runnable.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) this.ready.push(r.id);
      return;
    }
    if (event.type === 'ChildFailed' || event.type === 'ChildrenCompleted') return spreadAnswer(this, event);
    const found = this.findWaiting(event.token);
    if (!found) return; // stale or duplicate: acknowledged, nothing changes
    const { run, role } = found;
    this.attribute(run);
    const waiting = run.waiting!;
    if (event.type === 'TaskSucceeded' && role === 'task' && waiting.kind === 'task') {
      run.waiting = undefined;
      await taskSucceeded(this, run, this.stateOfKind(run, 'Task'), waiting.resource, event.output);
    } else if (event.type === 'TaskFailed' && role === 'task' && waiting.kind === 'task') {
      run.waiting = undefined;
      await taskFailed(this, run, this.stateOfKind(run, 'Task'), waiting.resource, event.error, event.cause);
    } else if (event.type === 'ActivityStarted' && role === 'task' && waiting.kind === 'task' && !waiting.activityStarted) {
      // written once, however often a worker's poll delivers it
      waiting.activityStarted = true;
      this.history.add('ActivityStarted', event.workerName !== undefined ? { workerName: event.workerName } : {});
    } else if (event.type === 'TaskHeartbeat' && role === 'task' && waiting.kind === 'task' && waiting.heartbeatSeconds) {
      waiting.heartbeatToken = this.newToken();
      this.effects.push({ type: 'SetTimer', token: waiting.heartbeatToken, at: this.after(waiting.heartbeatSeconds), purpose: 'heartbeat' });
    } else if (event.type === 'TimerFired' && waiting.kind === 'task' && (role === 'timeout' || role === 'heartbeat')) {
      run.waiting = undefined;
      await taskTimedOut(this, run, this.stateOfKind(run, 'Task'), waiting.token, waiting.resource, role);
    } else if (event.type === 'TimerFired' && waiting.kind === 'timer') {
      run.waiting = undefined;
      await finishWait(this, run, this.stateOfKind(run, 'Wait'));
    } else if (event.type === 'TimerFired' && waiting.kind === 'retry') {
      run.waiting = undefined;
      this.ready.push(run.id);
    }
  }

  private findWaiting(token: string): { run: Run; role: 'task' | 'timeout' | 'heartbeat' | 'timer' } | undefined {
    for (const run of Object.values(this.snap.runs)) {
      const w = run.waiting;
      if (!w || w.kind === 'children') continue;
      if (w.token === token) return { run, role: w.kind === 'task' ? 'task' : 'timer' };
      if (w.kind === 'task' && w.timeoutToken === token) return { run, role: 'timeout' };
      if (w.kind === 'task' && w.heartbeatToken === token) return { run, role: 'heartbeat' };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- runs

  startRun(p: { id: string; parentId?: string; childIndex?: number; machinePath: string[]; input: unknown }): Run {
    const machine = machineAt(this.def, p.machinePath);
    const parent = p.parentId === undefined ? undefined : this.snap.runs[p.parentId];
    const run: Run = {
      id: p.id,
      parentId: p.parentId,
      childIndex: p.childIndex,
      machinePath: p.machinePath,
      status: 'RUNNING',
      stateName: machine.StartAt,
      stateInput: p.input,
      enteredEventId: 0,
      enteredTime: this.nowIso,
      retryCounts: [],
      variables: {},
    };
    // An item of a Distributed Map run inline is the Map Run's child execution: its events, and those of
    // the runs below it, belong to its own history, not to this one.
    if (parent?.itemHistory) run.itemHistory = { root: parent.itemHistory.root };
    else if (parent?.fanOut?.distributed) run.itemHistory = { root: run.id };
    this.snap.runs[run.id] = run;
    const before = this.attributed;
    this.attribute(run);
    this.enterState(run, machine.StartAt, p.input);
    this.attribute(before);
    return run;
  }

  /** The run the events written from here on belong to: they go to its history (see Run.itemHistory). */
  attribute(run: Run | undefined): void {
    this.attributed = run;
    const root = run?.itemHistory ? this.snap.runs[run.itemHistory.root] : undefined;
    this.history.writeTo(root?.itemHistory);
  }

  /** Runs every ready run until it waits or ends. Children are pushed as their parents fan out. */
  private async drain(): Promise<void> {
    let states = 0;
    const max = this.options.maxStatesPerStep ?? Infinity;
    while (this.snap.status === 'RUNNING') {
      if (states >= max && this.ready.length > 0 && this.pendingFanOut.length === 0) {
        // Runnable runs are exactly those RUNNING and not waiting: the continuation finds them again.
        this.snap.continueToken = `continue-${this.newToken()}`;
        this.effects.push({ type: 'SetTimer', token: this.snap.continueToken, at: this.nowIso, purpose: 'wait' });
        return;
      }
      const id = this.ready.shift();
      if (id === undefined) {
        if (await settleFanOuts(this)) continue;
        return;
      }
      const run = this.snap.runs[id];
      if (!run || run.status !== 'RUNNING' || run.waiting) continue;
      states++;
      this.attribute(run);
      const pending = this.executeCurrent(run);
      if (pending !== undefined) await pending;
    }
  }

  stateOf(run: Run): StateDefinition {
    return stateIn(machineAt(this.def, run.machinePath), run.stateName);
  }

  /** The state of a run waiting on a task or a timer: of that kind, since the wait was made by it. */
  private stateOfKind<T extends StateType>(run: Run, type: T): StateOfType<T> {
    const state = this.stateOf(run);
    if (state.Type !== type) throw new Error(`advance: the run ${run.id} waits in its ${state.Type} state '${run.stateName}' as a ${type} state would`);
    return state as StateOfType<T>;
  }

  private languageOf(state: StateDefinition): QueryLanguage {
    return state.QueryLanguage ?? this.def.QueryLanguage ?? 'JSONPath';
  }

  env(run: Run, state: StateDefinition, extras: ContextExtras = {}): StateEnv {
    if (RETRYABLE_TYPES.has(state.Type)) {
      // field by field (the type makes a new field be listed): a spread adding a field its source lacks
      // is V8's slow way to build an object, about as slow as running a Pass state
      extras = { taskToken: extras.taskToken, mapItem: extras.mapItem, retryable: true } satisfies Record<keyof ContextExtras, unknown>;
    }
    return new RunEnv(this.snap, run, this.languageOf(state), extras, this.options.random, this.nowMillis);
  }

  recordArn(): string {
    return this.snap.child?.recordArn ?? this.snap.execution.arn;
  }

  taskTokenFor(token: string): string {
    const signer = this.options.taskTokens;
    if (!signer) throw new Error('advance: a .waitForTaskToken task needs options.taskTokens (the signer holding the deployment\'s task token secret)');
    const taskToken = signer.sign(this.recordArn(), token);
    // Only reachable with long names in Maps spread several levels deep (each level adds to the child's ARN).
    if (taskToken.length > MAX_TASK_TOKEN_LENGTH) {
      throw new StatesError(ErrorNames.Runtime, `The task token of this state would be ${taskToken.length} characters, more than the ${MAX_TASK_TOKEN_LENGTH} a task token may have: shorten the execution, state machine or Map state names (record ${this.recordArn()}).`);
    }
    return taskToken;
  }

  newToken(): string {
    return String(this.snap.nextToken++);
  }

  after(seconds: number): string {
    return new Date(this.nowMillis + seconds * 1000).toISOString();
  }

  /** Each redrive restarts the execution's clock; an older timer must not end the new run. */
  timeoutToken(): string {
    const n = this.snap.execution.redriveCount;
    return n === 0 ? 'execution-timeout' : `execution-timeout#${n}`;
  }

  // ---------------------------------------------------------------- state lifecycle

  private enterState(run: Run, name: string, input: unknown): void {
    const state = stateIn(machineAt(this.def, run.machinePath), name);
    run.stateName = name;
    run.stateInput = input;
    run.enteredTime = this.nowIso;
    run.retryCounts = [];
    run.waiting = undefined;
    run.fanOut = undefined;
    run.enteredEventId = this.history.add(stateEventType(state.Type, 'entered'), { name, input: this.history.payload(input), inputDetails: { truncated: false } }, STATE_ENTERED_DETAILS);
    this.snap.transitions++;
    if (this.snap.limits && guardTripped(this, run, name)) return;
    this.ready.push(run.id);
  }

  /**
   * Runs the current state of `run` from its start (also used to re-run it after a retry interval).
   * A promise only when the state awaits something (JSONata, a Task, Map, Parallel, Wait): a JSONPath
   * Pass, Choice, Succeed or Fail runs to its end synchronously, without a promise or a microtask per
   * state. Either way its errors reach processingFailed, in the same order of events.
   */
  private executeCurrent(run: Run): Promise<void> | undefined {
    const state = this.stateOf(run);
    let pending: void | Promise<void>;
    try {
      pending = this.execState(run, state);
    } catch (e) {
      return this.processingFailed(run, state, e);
    }
    return pending === undefined ? undefined : pending.catch((e: unknown) => this.processingFailed(run, state, e));
  }

  private execState(run: Run, state: StateDefinition): void | Promise<void> {
    switch (state.Type) {
      case 'Pass':
        return execPass(this, run, state);
      case 'Task':
        return execTask(this, run, state);
      case 'Choice':
        return execChoice(this, run, state);
      case 'Wait':
        return execWait(this, run, state);
      case 'Succeed':
        return execSucceed(this, run, state);
      case 'Fail':
        return execFail(this, run, state);
      case 'Parallel':
        return execParallel(this, run, state);
      case 'Map':
        return execMap(this, run, state);
      default:
        // an unvalidated definition may name any type
        throw new StatesError(ErrorNames.Runtime, `Unsupported state type '${(state as { Type: string }).Type}'.`);
    }
  }

  async processingFailed(run: Run, state: StateDefinition, e: unknown, failedEvent?: string): Promise<void> {
    if (!(e instanceof StatesError)) throw e;
    const cause = e.error === ErrorNames.DataLimitExceeded ? e.cause : `An error occurred while executing the state '${run.stateName}' (entered at the event id #${run.enteredEventId}). ${e.cause}`;
    if (e.error === ErrorNames.QueryEvaluationError) {
      this.history.add('EvaluationFailed', { error: e.error, cause, location: undefined, state: run.stateName });
    }
    if (e.error === ErrorNames.Runtime) {
      // in a Distributed Map's item, "the execution" is the item's own child execution
      const item = run.itemHistory ? this.snap.runs[run.itemHistory.root] : undefined;
      if (item) failDistributedItem(this, item, { error: e.error, cause });
      else this.failExecution(e.error, cause);
      return;
    }
    await this.stateFailed(run, state, { error: e.error, cause, failedEvent });
  }

  leaveState(run: Run, state: StateDefinition, output: unknown, assigned: Record<string, unknown>, next?: string, written?: WrittenResult): void {
    const problem = this.sizes.check(run, output, written);
    if (problem !== undefined) {
      const what = problem === 'bytes' ? 'with a size exceeding the maximum number of bytes service limit.' : TOO_DEEP;
      throw new StatesError(ErrorNames.DataLimitExceeded, `The state/task '${run.stateName}' returned a result ${what}`);
    }
    // defineKey, not Object.assign: a variable named "__proto__" must be a variable, not the object's prototype
    for (const key of Object.keys(assigned)) defineKey(run.variables, key, assigned[key]);
    this.history.add(stateEventType(state.Type, 'exited'), { name: run.stateName, output: this.history.payload(output), outputDetails: { truncated: false } }, STATE_EXITED_DETAILS);
    // An explicit target (a Catcher's or a Choice rule's Next) wins over the state's own End: a Task with
    // "End": true and a Catch still goes to the catcher's Next when it fails.
    const own = transitionOf(state);
    const target = next ?? (state.Type === 'Succeed' || own.End === true ? undefined : own.Next);
    if (target === undefined) this.completeRun(run, output);
    else this.enterState(run, target, output);
  }

  async finishWithResult(run: Run, state: WorkState, result: unknown): Promise<void> {
    const env = this.env(run, state);
    const { output, written } = await resultToOutput(state, env, result);
    const assigned = await evaluateAssign(state.Assign, env, result, { result }); // JSONPath: $ is the raw result, before ResultSelector (Developer Guide)
    this.leaveState(run, state, output, assigned, undefined, written);
  }

  private completeRun(run: Run, output: unknown): void {
    this.sizes.forget(run);
    run.status = 'SUCCEEDED';
    run.output = output;
    if (!run.parentId) {
      this.finishExecution('SUCCEEDED', 'ExecutionSucceeded', { output: this.history.payload(output), outputDetails: { truncated: false } }, output);
      return;
    }
    childEnded(this, run);
  }

  failRun(run: Run, failure: StateFailure): void {
    this.sizes.forget(run);
    run.status = 'FAILED';
    run.error = failure.error;
    run.cause = failure.cause;
    if (!run.parentId) {
      this.finishExecution('FAILED', 'ExecutionFailed', { error: failure.error, cause: failure.cause });
      return;
    }
    childEnded(this, run);
  }

  // ---------------------------------------------------------------- errors

  async stateFailed(run: Run, state: StateDefinition, failure: StateFailure): Promise<void> {
    const fromTask = failure.fromTask === true;
    const { Retry: retriers, Catch: catchers } = errorHandlingOf(state);
    const ri = findRetrier(retriers, failure.error, fromTask);
    if (ri >= 0) {
      const retrier = retriers![ri];
      const used = run.retryCounts[ri] ?? 0;
      if (used < (retrier.MaxAttempts ?? 3)) {
        run.retryCounts[ri] = used + 1;
        const delay = retryDelaySeconds(retrier, used, () => this.options.random.random());
        const token = this.newToken();
        const until = this.after(delay);
        run.waiting = { kind: 'retry', token, until };
        this.effects.push({ type: 'SetTimer', token, at: until, purpose: 'retry' });
        return;
      }
    }
    // Not retried: the state has failed (a retried Map or Parallel shows only its next Started event).
    if (failure.failedEvent) this.history.add(failure.failedEvent);
    const catcher = findCatcher(catchers, failure.error, fromTask);
    if (catcher) {
      try {
        await this.applyCatcher(run, state, catcher, failure);
      } catch (e) {
        if (!(e instanceof StatesError)) throw e;
        this.failExecution(e.error, `An error occurred while executing the state '${run.stateName}' (entered at the event id #${run.enteredEventId}). ${e.cause}`);
      }
      return;
    }
    this.failRun(run, failure);
  }

  private async applyCatcher(run: Run, state: StateDefinition, catcher: Catcher, failure: StateFailure): Promise<void> {
    const env = this.env(run, state);
    const errorOutput: Record<string, unknown> = { Error: failure.error };
    if (failure.cause !== undefined) errorOutput.Cause = failure.cause;
    let output: unknown;
    let assigned: Record<string, unknown>;
    if (env.language === 'JSONata') {
      output = catcher.Output === undefined ? errorOutput : await evaluateTemplate(catcher.Output, env, 'Output', { errorOutput });
      assigned = await evaluateAssign(catcher.Assign, env, undefined, { errorOutput });
    } else {
      assigned = await evaluateAssign(catcher.Assign, env, errorOutput);
      output = applyResultPath(env.rawInput, catcher.ResultPath === undefined ? '$' : catcher.ResultPath, errorOutput);
    }
    this.leaveState(run, state, output, assigned, catcher.Next);
  }

  failExecution(error: string, cause: string | undefined): void {
    if (this.snap.status === 'RUNNING') this.snap.failedExecution = true;
    this.finishExecution('FAILED', 'ExecutionFailed', { error, cause });
  }

  private finishExecution(status: ExecutionSnapshot['status'], eventType: string, details: Record<string, unknown>, output?: unknown): void {
    if (this.snap.status !== 'RUNNING') return;
    this.attribute(undefined); // the execution's own end, whichever run brought it
    for (const run of Object.values(this.snap.runs)) {
      if (run.waiting?.kind === 'task') this.effects.push({ type: 'CancelTask', token: run.waiting.token });
      // Stopping (or failing) an execution stops the children it spread.
      if (run.waiting?.kind === 'children' && run.fanOut?.spread) this.effects.push({ type: 'StopChildren', fanId: run.fanOut.spread.fanId, total: run.fanOut.total, generation: run.fanOut.spread.generation });
    }
    this.snap.status = status;
    this.snap.stopDate = this.nowIso;
    if (status === 'SUCCEEDED') this.snap.output = output;
    else {
      this.snap.error = details.error as string | undefined;
      this.snap.cause = details.cause as string | undefined;
    }
    const clean: Record<string, unknown> = {};
    for (const key of Object.keys(details)) if (details[key] !== undefined) clean[key] = details[key];
    this.history.add(eventType, clean);
    // A succeeded execution keeps no runs; one that failed, timed out or was stopped keeps its run
    // tree (marked) so a redrive can continue from it. Nothing else can wake it any more.
    if (status === 'SUCCEEDED') this.snap.runs = {};
    else for (const run of Object.values(this.snap.runs)) if (run.status === 'RUNNING') run.status = 'FAILED';
    this.ready.length = 0;
    this.pendingFanOut.length = 0;
    this.effects.push({ type: 'ExecutionFinished', status });
  }
}
