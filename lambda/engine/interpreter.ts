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
 */
import { StatesError, ErrorNames } from '../asl/errors';
import type { RandomSource } from '../asl/scope';
import { evaluateChoiceRule } from '../asl/choice';
import { parseTimestamp } from '../asl/timestamp';
import { evaluateIntrinsic, isIntrinsicCall } from '../asl/intrinsics';
import { applyResultPath, defineKey, selectInputOrOutputPath } from '../asl/jsonpath';
import { resolvePayloadTemplate } from '../asl/payload';
import { isJsonataExpression } from '../asl/jsonata';
import { HistoryWriter, isDirectLambdaArn } from './history';
import type { ContextExtras } from './context';
import { RunEnv } from './env';
import { exceedsDepth, payloadLimitProblem, MAX_PAYLOAD_BYTES, TOO_DEEP, effectiveLimits, DEFAULT_MAX_STATE_VISITS, DEFAULT_MAX_TRANSITIONS } from './limits';
import { failureTolerated } from './tolerance';
import { findCatcher, findRetrier, retryDelaySeconds } from './retry';
import {
  applyInputPath,
  effectiveInput,
  evaluateAssign,
  evaluateTemplate,
  pathScope,
  readPath,
  resultToOutput,
  type QueryLanguage,
  type StateEnv,
} from './dataflow';
import { isCallbackResource, machineAt, stateIn, mapProcessorKey, isDistributedMap, type Catcher, type StateDefinition, type StateMachineDefinition } from './definition';
import type { AdvanceResult, Effect, ExecutionSnapshot, FanOut, IncomingEvent, Run } from './types';
import { MAX_TASK_TOKEN_LENGTH, type TaskTokenSigner } from './task-tokens';

export interface AdvanceOptions {
  random: RandomSource;
  /** record state inputs and outputs in history events (default true; the durable engine needs them) */
  historyPayloads?: boolean;
  /**
   * Stop after running this many states and ask to be woken at once (a SetTimer for now): keeps one
   * worker invocation, and one stored outbox, bounded when a loop or a big inline Map runs long.
   */
  maxStatesPerStep?: number;
  /**
   * How Map items and Parallel branches run. 'inline' (default): as child runs inside this snapshot.
   * 'spread': each as an execution of its own (effect SpawnChildren), fanned in by the caller.
   * 'auto': spread where the items or branches contain a Task (work worth spreading), inline otherwise.
   */
  fanOut?: FanOutMode;
  /**
   * Signs the task tokens of `.waitForTaskToken` tasks with the deployment's secret (see
   * task-tokens.ts). Given by the caller so the interpreter reads no secret itself; required as soon
   * as a definition has a callback task.
   */
  taskTokens?: TaskTokenSigner;
}

export type FanOutMode = 'inline' | 'spread' | 'auto';

const ROOT = 'root';
/**
 * At most this many items of an inline Map run at once (MaxConcurrency 0 included), as on AWS, whose
 * inline Map runs up to 40 iterations concurrently: every running item is a run in the snapshot, so
 * starting 100,000 at once made one step write 100,000 runs and history events, and every later step
 * read and rewrite them all.
 */
export const INLINE_MAP_MAX_CONCURRENCY = 40;
const RETRYABLE_TYPES = new Set(['Task', 'Parallel', 'Map']);
const NUMERIC_TEXT = { integer: /^[-+]?\d+$/, float: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/ };

export async function advance(
  definition: StateMachineDefinition,
  snapshot: ExecutionSnapshot | undefined,
  event: IncomingEvent,
  now: Date,
  options: AdvanceOptions,
): Promise<AdvanceResult> {
  const step = new Step(definition, snapshot, event, now, options);
  await step.run(event);
  return { snapshot: step.snap, events: step.history.events, effects: step.effects, changed: step.changed || undefined };
}

/** An error while processing a state, before the engine adds AWS's "An error occurred..." prefix. */
interface StateFailure {
  error: string;
  cause?: string;
  /** raised by the task itself (States.TaskFailed matches it) */
  fromTask?: boolean;
}

class Step {
  snap!: ExecutionSnapshot;
  history: HistoryWriter;
  effects: Effect[] = [];
  /** the snapshot changed without an event or effect to show for it */
  changed = false;
  private ready: string[] = [];
  private readonly nowIso: string;
  private readonly nowMillis: number;

  constructor(
    private readonly def: StateMachineDefinition,
    snapshot: ExecutionSnapshot | undefined,
    event: IncomingEvent,
    now: Date,
    private readonly options: AdvanceOptions,
  ) {
    this.nowIso = now.toISOString();
    this.nowMillis = now.getTime();
    if (snapshot) this.snap = snapshot;
    else if (event.type !== 'StartExecution') throw new Error(`advance: no snapshot for event ${event.type}`);
    this.history = new HistoryWriter(snapshot ? snapshot.nextEventId : 1, this.nowIso, options.historyPayloads !== false);
  }

  async run(event: IncomingEvent): Promise<void> {
    if (event.type === 'StartExecution') this.start(event);
    else if (event.type === 'RedriveExecution') this.redrive();
    else if (this.snap.status !== 'RUNNING') return; // late answers to a finished execution change nothing
    else await this.dispatch(event);
    await this.drain();
    this.snap.nextEventId = this.history.nextEventId;
  }

  // ---------------------------------------------------------------- events

  private start(event: Extract<IncomingEvent, { type: 'StartExecution' }>): void {
    const ex = { ...event.execution, redriveCount: event.execution.redriveCount ?? 0 };
    this.snap = { formatVersion: 1, execution: ex, status: 'RUNNING', nextEventId: 1, nextToken: 1, transitions: 0, runs: {} };
    // every execution runs under limits: the machine's, or the defaults for what it leaves out (a spread
    // child gets its parent's, already complete)
    this.snap.limits = effectiveLimits(event.limits);
    if (event.traceId) this.snap.traceId = event.traceId;
    if (event.child) this.snap.child = event.child;
    // A spread child's own input is its item (or branch input); $$.Execution.Input stays the parent's.
    const input = event.child ? event.childInput : ex.input;
    // measured before the history event: input nested too deep would break its serialisation
    const problem = payloadLimitProblem(input);
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
    this.startRun({ id: ROOT, machinePath: event.child?.machinePath ?? [], input });
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
    if (event.type === 'ChildFailed' || event.type === 'ChildrenCompleted') return this.spreadAnswer(event);
    const found = this.findWaiting(event.token);
    if (!found) return; // stale or duplicate: acknowledged, nothing changes
    const { run, role } = found;
    const waiting = run.waiting!;
    const state = this.stateOf(run);
    if (event.type === 'TaskSucceeded' && role === 'task' && waiting.kind === 'task') {
      run.waiting = undefined;
      await this.taskSucceeded(run, state, waiting.resource, event.output);
    } else if (event.type === 'TaskFailed' && role === 'task' && waiting.kind === 'task') {
      run.waiting = undefined;
      this.taskEvent(waiting.resource, 'Failed', { error: event.error, cause: event.cause });
      await this.stateFailed(run, state, { error: event.error, cause: event.cause, fromTask: true });
    } else if (event.type === 'TaskHeartbeat' && role === 'task' && waiting.kind === 'task' && waiting.heartbeatSeconds) {
      waiting.heartbeatToken = this.newToken();
      this.effects.push({ type: 'SetTimer', token: waiting.heartbeatToken, at: this.after(waiting.heartbeatSeconds), purpose: 'heartbeat' });
    } else if (event.type === 'TimerFired' && waiting.kind === 'task' && (role === 'timeout' || role === 'heartbeat')) {
      run.waiting = undefined;
      const error = role === 'timeout' ? ErrorNames.Timeout : ErrorNames.HeartbeatTimeout;
      this.effects.push({ type: 'CancelTask', token: waiting.token });
      this.taskEvent(waiting.resource, 'TimedOut', { error, cause: undefined });
      await this.stateFailed(run, state, { error, fromTask: true });
    } else if (event.type === 'TimerFired' && waiting.kind === 'timer') {
      run.waiting = undefined;
      await this.finishWait(run, state);
    } else if (event.type === 'TimerFired' && waiting.kind === 'retry') {
      run.waiting = undefined;
      this.ready.push(run.id);
    }
  }

  /** The fan-in of a spread Map or Parallel reports a failed child, or that every child has ended. */
  private async spreadAnswer(event: Extract<IncomingEvent, { type: 'ChildFailed' | 'ChildrenCompleted' }>): Promise<void> {
    const parent = Object.values(this.snap.runs).find((r) => r.waiting?.kind === 'children' && r.waiting.token === event.token);
    const fan = parent?.fanOut;
    if (!parent || !fan?.spread) return; // the state has moved on (failed, caught, stopped): nothing to do
    // a report from before a redrive (a child aborted when the fan-out failed, counted late): not this run's
    if (event.generation !== fan.spread.generation) return;
    const state = this.stateOf(parent);
    if (event.type === 'ChildrenCompleted') {
      fan.results = event.results;
      fan.succeeded = fan.total - fan.failed;
      return this.finishFanOut(parent, state);
    }
    const failed = (fan.failedIndices ??= []);
    if (failed.includes(event.index)) return; // a duplicate report
    failed.push(event.index);
    fan.failed++;
    fan.firstError ??= { error: event.error, cause: event.cause };
    this.changed = true;
    if (this.failureTolerated(fan)) return;
    this.effects.push({ type: 'StopChildren', fanId: fan.spread.fanId, total: fan.total, generation: fan.spread.generation });
    await this.failFanOut(parent, state);
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

  private startRun(p: { id: string; parentId?: string; childIndex?: number; machinePath: string[]; input: unknown }): Run {
    const machine = machineAt(this.def, p.machinePath);
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
    this.snap.runs[run.id] = run;
    this.enterState(run, machine.StartAt, p.input);
    return run;
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
        if (await this.settleFanOuts()) continue;
        return;
      }
      const run = this.snap.runs[id];
      if (!run || run.status !== 'RUNNING' || run.waiting) continue;
      states++;
      await this.executeCurrent(run);
    }
  }

  private stateOf(run: Run): StateDefinition {
    return stateIn(machineAt(this.def, run.machinePath), run.stateName);
  }

  private languageOf(state: StateDefinition): QueryLanguage {
    return state.QueryLanguage ?? this.def.QueryLanguage ?? 'JSONPath';
  }

  private env(run: Run, state: StateDefinition, extras: ContextExtras = {}): StateEnv {
    if (RETRYABLE_TYPES.has(state.Type)) extras = { ...extras, retryable: true };
    return new RunEnv(this.snap, run, this.languageOf(state), extras, this.options.random, this.nowMillis);
  }

  /** The record this snapshot is stored under: the execution's, or a spread child's own. */
  private recordArn(): string {
    return this.snap.child?.recordArn ?? this.snap.execution.arn;
  }

  /** The signed token a callback task hands out for the wait `token` of this record. */
  private taskTokenFor(token: string): string {
    const signer = this.options.taskTokens;
    if (!signer) throw new Error('advance: a .waitForTaskToken task needs options.taskTokens (the signer holding the deployment\'s task token secret)');
    const taskToken = signer.sign(this.recordArn(), token);
    // Only reachable with long names in Maps spread several levels deep (each level adds to the child's ARN).
    if (taskToken.length > MAX_TASK_TOKEN_LENGTH) {
      throw new StatesError(ErrorNames.Runtime, `The task token of this state would be ${taskToken.length} characters, more than the ${MAX_TASK_TOKEN_LENGTH} a task token may have: shorten the execution, state machine or Map state names (record ${this.recordArn()}).`);
    }
    return taskToken;
  }

  private newToken(): string {
    return String(this.snap.nextToken++);
  }

  private after(seconds: number): string {
    return new Date(this.nowMillis + seconds * 1000).toISOString();
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
    run.enteredEventId = this.history.add(`${state.Type}StateEntered`, { name, input: this.history.payload(input), inputDetails: { truncated: false } });
    this.snap.transitions++;
    if (this.snap.limits && this.guardTripped(run, name)) return;
    this.ready.push(run.id);
  }

  /** Each redrive restarts the execution's clock; an older timer must not end the new run. */
  private timeoutToken(): string {
    const n = this.snap.execution.redriveCount;
    return n === 0 ? 'execution-timeout' : `execution-timeout#${n}`;
  }

  /** The runaway guard: fails the execution when a per-machine limit is passed. */
  private guardTripped(run: Run, name: string): boolean {
    const limits = this.snap.limits!;
    // "none" (or a snapshot from before the defaults, with the field left out) is no limit
    if (typeof limits.maxTransitions === 'number' && this.snap.transitions > limits.maxTransitions) {
      this.failExecution('Stepwright.TransitionLimitExceeded', `The execution exceeded ${limits.maxTransitions} state transitions, ${limitSource(limits.maxTransitions, DEFAULT_MAX_TRANSITIONS)}; the last state entered was '${name}'. Raise or lower it with settings.limits.maxTransitions on the state machine (a number, or "none" for no limit).`);
      return true;
    }
    if (typeof limits.maxStateVisits === 'number') {
      const visits = (run.visits ??= {});
      // own keys only: a state named 'constructor' or '__proto__' is counted like any other
      const count = (Object.hasOwn(visits, name) ? visits[name] : 0) + 1;
      Object.defineProperty(visits, name, { value: count, enumerable: true, writable: true, configurable: true });
      if (count > limits.maxStateVisits) {
        this.failExecution('Stepwright.StateVisitLimitExceeded', `The state '${name}' was entered more than ${limits.maxStateVisits} times in one run, ${limitSource(limits.maxStateVisits, DEFAULT_MAX_STATE_VISITS)}. Raise or lower it with settings.limits.maxStateVisits on the state machine (a number, or "none" for no limit).`);
        return true;
      }
    }
    return false;
  }

  /**
   * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution continues from where it stopped.
   * The run tree was kept when it ended: the state that failed runs again, a Map or Parallel runs
   * only the children that had not succeeded, and tasks or waits that were cut off start again.
   */
  private redrive(): void {
    const snap = this.snap;
    if (snap.status !== 'FAILED' && snap.status !== 'TIMED_OUT' && snap.status !== 'ABORTED') return;
    if (Object.keys(snap.runs).length === 0) return; // nothing kept to resume from
    snap.status = 'RUNNING';
    snap.execution.redriveCount++;
    delete snap.error;
    delete snap.cause;
    delete snap.stopDate;
    this.history.add('ExecutionRedriven', { redriveCount: snap.execution.redriveCount });
    const timeout = Math.min(this.def.TimeoutSeconds ?? Infinity, snap.limits?.maxDurationSeconds ?? Infinity);
    if (timeout !== Infinity) this.effects.push({ type: 'SetTimer', token: this.timeoutToken(), at: this.after(timeout), purpose: 'timeout' });
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
        this.effects.push({ type: 'RedriveChildren', fanId: fan.spread.fanId, token: fan.spread.token, total: fan.total, maxConcurrency: fan.maxConcurrency, generation: snap.execution.redriveCount });
      } else if (fan) {
        fan.failed = 0;
        fan.firstError = undefined;
        fan.running = this.childrenOf(run).length;
        fan.nextIndex = 0;
        run.waiting = { kind: 'children' };
        // every child had succeeded (the state failed after them): go straight to its result
        this.pendingFanOut.push({ parentId: run.id, more: fan.succeeded < fan.total });
      } else {
        run.waiting = undefined;
        this.ready.push(run.id);
      }
    }
  }

  /** Runs the current state of `run` from its start (also used to re-run it after a retry interval). */
  private async executeCurrent(run: Run): Promise<void> {
    const state = this.stateOf(run);
    try {
      switch (state.Type) {
        case 'Pass':
          return await this.execPass(run, state);
        case 'Task':
          return await this.execTask(run, state);
        case 'Choice':
          return await this.execChoice(run, state);
        case 'Wait':
          return await this.execWait(run, state);
        case 'Succeed':
          return await this.execSucceed(run, state);
        case 'Fail':
          return await this.execFail(run, state);
        case 'Parallel':
          return await this.execParallel(run, state);
        case 'Map':
          return await this.execMap(run, state);
        default:
          throw new StatesError(ErrorNames.Runtime, `Unsupported state type '${state.Type}'.`);
      }
    } catch (e) {
      await this.processingFailed(run, state, e);
    }
  }

  /** An error raised by the engine's own processing of a state (paths, intrinsics, JSONata...). */
  private async processingFailed(run: Run, state: StateDefinition, e: unknown): Promise<void> {
    if (!(e instanceof StatesError)) throw e;
    const cause = e.error === ErrorNames.DataLimitExceeded ? e.cause : `An error occurred while executing the state '${run.stateName}' (entered at the event id #${run.enteredEventId}). ${e.cause}`;
    if (e.error === ErrorNames.QueryEvaluationError) {
      this.history.add('EvaluationFailed', { error: e.error, cause, location: undefined, state: run.stateName });
    }
    if (e.error === ErrorNames.Runtime) {
      this.failExecution(e.error, cause);
      return;
    }
    await this.stateFailed(run, state, { error: e.error, cause });
  }

  /** Leaves a state with its output: history, Assign, then Next or the end of the run. */
  private leaveState(run: Run, state: StateDefinition, output: unknown, assigned: Record<string, unknown>, next?: string): void {
    const problem = payloadLimitProblem(output);
    if (problem !== undefined) {
      const what = problem === 'bytes' ? 'with a size exceeding the maximum number of bytes service limit.' : TOO_DEEP;
      throw new StatesError(ErrorNames.DataLimitExceeded, `The state/task '${run.stateName}' returned a result ${what}`);
    }
    // defineKey, not Object.assign: a variable named "__proto__" must be a variable, not the object's prototype
    for (const key of Object.keys(assigned)) defineKey(run.variables, key, assigned[key]);
    this.history.add(`${state.Type}StateExited`, { name: run.stateName, output: this.history.payload(output), outputDetails: { truncated: false } });
    // An explicit target (a Catcher's or a Choice rule's Next) wins over the state's own End: a Task with
    // "End": true and a Catch still goes to the catcher's Next when it fails.
    const target = next ?? (state.Type === 'Succeed' || state.End === true ? undefined : state.Next);
    if (target === undefined) this.completeRun(run, output);
    else this.enterState(run, target, output);
  }

  // ---------------------------------------------------------------- states

  private async execPass(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    if (env.language === 'JSONata') {
      const output = state.Output === undefined ? env.rawInput : await evaluateTemplate(state.Output, env, 'Output');
      const assigned = await evaluateAssign(state.Assign, env, undefined);
      return this.leaveState(run, state, output, assigned);
    }
    // The result's size is checked as part of the output (leaveState): same error, one walk fewer.
    const result = state.Result !== undefined ? state.Result : await effectiveInput(state, env);
    const assigned = await evaluateAssign(state.Assign, env, result);
    const { output } = await resultToOutput(state, env, result, { resultSelector: false });
    this.leaveState(run, state, output, assigned);
  }

  private async execTask(run: Run, state: StateDefinition): Promise<void> {
    const token = this.newToken();
    const resource: string = state.Resource;
    const waitForTaskToken = isCallbackResource(resource);
    const taskToken = waitForTaskToken ? this.taskTokenFor(token) : undefined;
    const env = this.env(run, state, { taskToken });
    const input = await effectiveInput(state, env, env.language === 'JSONata' ? 'Arguments' : 'Parameters');
    const timeoutSeconds = this.numberField(state, env, 'TimeoutSeconds');
    const heartbeatSeconds = this.numberField(state, env, 'HeartbeatSeconds');
    const attempt = run.retryCounts.reduce((a, b) => a + b, 0) + 1;
    // timeoutSeconds is kept so that a reconciler can send this very invoke again (lambda/runtime/reconciler.ts)
    run.waiting = { kind: 'task', token, resource, effectiveInput: input, heartbeatSeconds, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };
    if (isDirectLambdaArn(resource)) {
      this.history.add('LambdaFunctionScheduled', { resource, input: this.history.payload(input), inputDetails: { truncated: false }, ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}) });
      this.history.add('LambdaFunctionStarted');
    } else {
      const { resourceType, resourceName } = splitResource(resource);
      this.history.add('TaskScheduled', { resourceType, resource: resourceName, region: regionOf(this.snap.execution.arn), parameters: this.history.payload(input), ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}) });
      this.history.add('TaskStarted', { resourceType, resource: resourceName });
    }
    this.effects.push({
      type: 'InvokeTask',
      token,
      runId: run.id,
      stateName: run.stateName,
      resource,
      input,
      taskToken,
      waitForTaskToken,
      timeoutSeconds,
      heartbeatSeconds,
      attempt,
      executionArn: this.snap.execution.arn,
    });
    if (timeoutSeconds !== undefined) {
      run.waiting.timeoutToken = this.newToken();
      this.effects.push({ type: 'SetTimer', token: run.waiting.timeoutToken, at: this.after(timeoutSeconds), purpose: 'timeout' });
    }
    if (heartbeatSeconds !== undefined) {
      run.waiting.heartbeatToken = this.newToken();
      this.effects.push({ type: 'SetTimer', token: run.waiting.heartbeatToken, at: this.after(heartbeatSeconds), purpose: 'heartbeat' });
    }
  }

  /** TimeoutSeconds / HeartbeatSeconds: a literal, a ...Path (JSONPath) or a {% %} value (JSONata, sync subset). */
  private numberField(state: StateDefinition, env: StateEnv, field: 'TimeoutSeconds' | 'HeartbeatSeconds'): number | undefined {
    const literal = state[field];
    if (typeof literal === 'number') return literal;
    const path = state[`${field}Path`];
    if (typeof path === 'string') {
      const found = readPath(path, env, env.rawInput);
      if (!found.found || typeof found.value !== 'number' || !Number.isInteger(found.value) || found.value <= 0) {
        throw new StatesError(ErrorNames.Runtime, `The ${field}Path parameter does not reference a positive integer: ${path}`);
      }
      return found.value;
    }
    return undefined;
  }

  private taskEvent(resource: string, outcome: 'Succeeded' | 'Failed' | 'TimedOut', details: Record<string, unknown>): void {
    const clean = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
    if (isDirectLambdaArn(resource)) this.history.add(`LambdaFunction${outcome}`, clean);
    else {
      const { resourceType, resourceName } = splitResource(resource);
      this.history.add(`Task${outcome}`, { resourceType, resource: resourceName, ...clean });
    }
  }

  private async taskSucceeded(run: Run, state: StateDefinition, resource: string, result: unknown): Promise<void> {
    // depth too: a result nested too deep would break every walker after this one (history, paths, the store)
    const problem = payloadLimitProblem(result);
    if (problem !== undefined) {
      // AWS names a direct Lambda by its ARN and an integration by its service ("lambda").
      const culprit = isDirectLambdaArn(resource) ? resource : splitResource(resource).resourceType;
      const what = problem === 'bytes' ? 'with a size exceeding the maximum number of bytes service limit.' : TOO_DEEP;
      const failure = { error: ErrorNames.DataLimitExceeded, cause: `The state/task '${culprit}' returned a result ${what}`, fromTask: true };
      this.taskEvent(resource, 'Failed', failure);
      return this.stateFailed(run, state, failure);
    }
    this.taskEvent(resource, 'Succeeded', { output: this.history.payload(result), outputDetails: { truncated: false } });
    try {
      await this.finishWithResult(run, state, result);
    } catch (e) {
      await this.processingFailed(run, state, e);
    }
  }

  /** Task, Map and Parallel: result -> (ResultSelector, ResultPath, OutputPath | Output), Assign, leave. */
  private async finishWithResult(run: Run, state: StateDefinition, result: unknown): Promise<void> {
    const env = this.env(run, state);
    const { output, selected } = await resultToOutput(state, env, result);
    const assigned = await evaluateAssign(state.Assign, env, selected, { result });
    this.leaveState(run, state, output, assigned);
  }

  private async execChoice(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    if (env.language === 'JSONata') {
      for (const [i, rule] of (state.Choices as Record<string, unknown>[]).entries()) {
        const cond = await evaluateTemplate(rule.Condition, env, `Choices[${i}].Condition`);
        if (typeof cond !== 'boolean') {
          throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${rule.Condition}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(cond)}' for value: ${JSON.stringify(cond)}`);
        }
        if (cond) return this.leaveChoice(run, state, env, rule.Next as string, rule);
      }
    } else {
      const input = applyInputPath(state, env);
      const scope = pathScope(env, input);
      for (const rule of state.Choices as Record<string, unknown>[]) {
        if (evaluateChoiceRule(rule, scope)) return this.leaveChoice(run, state, env, rule.Next as string, rule, input);
      }
      if (state.Default !== undefined) return this.leaveChoice(run, state, env, state.Default, undefined, input);
    }
    if (state.Default !== undefined) return this.leaveChoice(run, state, env, state.Default, undefined);
    throw new StatesError(ErrorNames.NoChoiceMatched, `No Matches!`);
  }

  private async leaveChoice(run: Run, state: StateDefinition, env: StateEnv, next: string, rule: Record<string, unknown> | undefined, effective?: unknown): Promise<void> {
    if (env.language === 'JSONata') {
      const outputTemplate = rule?.Output !== undefined ? rule.Output : state.Output;
      const output = outputTemplate === undefined ? env.rawInput : await evaluateTemplate(outputTemplate, env, 'Output');
      const assigned = { ...(await evaluateAssign(state.Assign, env, undefined)), ...(await evaluateAssign(rule?.Assign, env, undefined)) };
      return this.leaveState(run, state, output, assigned, next);
    }
    const assigned = { ...(await evaluateAssign(state.Assign, env, effective)), ...(await evaluateAssign(rule?.Assign, env, effective)) };
    const output = selectInputOrOutputPath(state.OutputPath, pathScope(env, effective), 'OutputPath');
    this.leaveState(run, state, output, assigned, next);
  }

  private async execWait(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    const untilMillis = await this.waitUntil(run, state, env);
    if (untilMillis <= this.nowMillis) return this.finishWait(run, state);
    const token = this.newToken();
    const until = new Date(untilMillis).toISOString();
    run.waiting = { kind: 'timer', token, until };
    this.effects.push({ type: 'SetTimer', token, at: until, purpose: 'wait' });
  }

  private async waitUntil(run: Run, state: StateDefinition, env: StateEnv): Promise<number> {
    const prefixSeconds = (s: number) => this.nowMillis + s * 1000;
    if (env.language === 'JSONata') {
      if (state.Seconds !== undefined) {
        const s = await evaluateTemplate(state.Seconds, env, 'Seconds');
        if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
          throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${state.Seconds}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '${jsonTypeName(s)}' for value: ${JSON.stringify(s)}`);
        }
        return prefixSeconds(s);
      }
      const ts = await evaluateTemplate(state.Timestamp, env, 'Timestamp');
      const parsed = typeof ts === 'string' ? parseTimestamp(ts) : undefined;
      if (parsed === undefined) throw new StatesError(ErrorNames.QueryEvaluationError, `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(ts)}`);
      return parsed;
    }
    const input = applyInputPath(state, env);
    if (typeof state.Seconds === 'number') return prefixSeconds(state.Seconds);
    if (typeof state.Timestamp === 'string') {
      const parsed = parseTimestamp(state.Timestamp);
      if (parsed === undefined) throw new StatesError(ErrorNames.Runtime, `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${state.Timestamp}`);
      return parsed;
    }
    if (typeof state.SecondsPath === 'string') {
      const found = readPath(state.SecondsPath, env, input);
      if (!found.found) throw new StatesError(ErrorNames.Runtime, `The SecondsPath parameter does not reference an input value: ${state.SecondsPath}`);
      const v = found.value;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new StatesError(ErrorNames.Runtime, `The SecondsPath parameter cannot be parsed as a long value: ${state.SecondsPath} == ${JSON.stringify(v)}`);
      if (v < 0) throw new StatesError(ErrorNames.Runtime, `The SecondsPath parameter references a negative value: ${state.SecondsPath} == ${v}`);
      return prefixSeconds(v);
    }
    const found = readPath(state.TimestampPath, env, input);
    if (!found.found) throw new StatesError(ErrorNames.Runtime, `The TimestampPath parameter does not reference an input value: ${state.TimestampPath}`);
    const parsed = typeof found.value === 'string' ? parseTimestamp(found.value) : undefined;
    if (parsed === undefined) {
      throw new StatesError(ErrorNames.Runtime, `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${state.TimestampPath} == ${typeof found.value === 'string' ? found.value : JSON.stringify(found.value)}`);
    }
    return parsed;
  }

  private async finishWait(run: Run, state: StateDefinition): Promise<void> {
    try {
      await this.passThrough(run, state);
    } catch (e) {
      await this.processingFailed(run, state, e);
    }
  }

  /** Wait and Succeed: input -> output with no result (InputPath + OutputPath, or JSONata Output). */
  private async passThrough(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    if (env.language === 'JSONata') {
      const output = state.Output === undefined ? env.rawInput : await evaluateTemplate(state.Output, env, 'Output');
      return this.leaveState(run, state, output, await evaluateAssign(state.Assign, env, undefined));
    }
    const input = applyInputPath(state, env);
    const assigned = await evaluateAssign(state.Assign, env, input);
    const output = selectInputOrOutputPath(state.OutputPath, pathScope(env, input), 'OutputPath');
    this.leaveState(run, state, output, assigned);
  }

  private async execSucceed(run: Run, state: StateDefinition): Promise<void> {
    await this.passThrough(run, state);
  }

  private async execFail(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    let error: unknown = state.Error;
    let cause: unknown = state.Cause;
    if (env.language === 'JSONata') {
      if (error !== undefined) error = await evaluateTemplate(error, env, 'Error');
      if (cause !== undefined) cause = await evaluateTemplate(cause, env, 'Cause');
    } else {
      if (state.ErrorPath !== undefined) error = this.failField(state.ErrorPath, env, 'ErrorPath');
      if (state.CausePath !== undefined) cause = this.failField(state.CausePath, env, 'CausePath');
    }
    const failure: StateFailure = {
      error: error === undefined ? undefined! : typeof error === 'string' ? error : JSON.stringify(error),
      cause: cause === undefined ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause),
    };
    this.failRun(run, failure);
  }

  private failField(path: string, env: StateEnv, field: string): unknown {
    if (isIntrinsicCall(path)) return evaluateIntrinsic(path, pathScope(env, env.rawInput), env.random);
    const found = readPath(path, env, env.rawInput);
    if (!found.found) {
      throw new StatesError(ErrorNames.Runtime, `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(env.rawInput)}'`);
    }
    return found.value;
  }

  // ---------------------------------------------------------------- Parallel and Map

  private async execParallel(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    const input = await effectiveInput(state, env, env.language === 'JSONata' ? 'Arguments' : 'Parameters');
    this.history.add('ParallelStateStarted');
    const branches = state.Branches as unknown[];
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
      spread: this.spreadMark(run, state),
    };
    await this.beginFanOut(run, state, fan);
  }

  private async execMap(run: Run, state: StateDefinition): Promise<void> {
    const env = this.env(run, state);
    let items: unknown;
    let effective: unknown;
    if (env.language === 'JSONata') {
      effective = env.rawInput;
      items = state.Items === undefined ? env.rawInput : await evaluateTemplate(state.Items, env, 'Items');
      if (!Array.isArray(items)) {
        if (state.Items !== undefined && isJsonataExpression(state.Items)) {
          throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${state.Items.slice(2, -2).trim()}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonTypeName(items)}' for value: ${JSON.stringify(items)}`);
        }
        throw new StatesError(ErrorNames.QueryEvaluationError, `Map state input must be an array but was: ${JSON.stringify(items)}`);
      }
    } else {
      effective = applyInputPath(state, env);
      items = state.ItemsPath === undefined ? effective : selectInputOrOutputPath(state.ItemsPath, pathScope(env, effective), 'ItemsPath');
      if (!Array.isArray(items)) throw new StatesError(ErrorNames.Runtime, `Map state input must be an array but was: ${JSON.stringify(items)}`);
    }
    // Items are a state input: more than the payload limit is refused before a run is started for each
    const itemsProblem = payloadLimitProblem(items);
    if (itemsProblem !== undefined) {
      const what = itemsProblem === 'bytes' ? `exceed the maximum number of bytes service limit (${MAX_PAYLOAD_BYTES} bytes of JSON).` : `are ${TOO_DEEP}`;
      throw new StatesError(ErrorNames.DataLimitExceeded, `The items of the Map state '${run.stateName}' (${(items as unknown[]).length} items) ${what}`);
    }
    const distributed = isDistributedMap(state);
    const maxConcurrency = await this.mapNumber(state, env, effective, 'MaxConcurrency', 'integer');
    const toleratedCount = await this.mapNumber(state, env, effective, 'ToleratedFailureCount', 'integer');
    const toleratedPct = await this.mapNumber(state, env, effective, 'ToleratedFailurePercentage', 'float');
    if (toleratedCount !== undefined && toleratedCount < 0) throw new StatesError(ErrorNames.Runtime, 'ToleratedFailureCount cannot be negative.');
    if (toleratedPct !== undefined && (toleratedPct < 0 || toleratedPct > 100)) throw new StatesError(ErrorNames.Runtime, 'ToleratedFailurePercentage must be between 0 and 100.');
    let list = items as unknown[];
    const batcher = state.ItemBatcher;
    if (batcher) list = await this.batchItems(list, batcher, env, effective);
    this.history.add('MapStateStarted', { length: list.length });
    const fan: FanOut = {
      kind: 'map',
      effectiveInput: effective,
      items: list,
      total: list.length,
      nextIndex: 0,
      running: 0,
      maxConcurrency: maxConcurrency ?? 0,
      results: new Array(list.length).fill(null),
      succeeded: 0,
      failed: 0,
      toleratedFailureCount: toleratedCount,
      toleratedFailurePercentage: toleratedPct,
      distributed,
      spread: this.spreadMark(run, state),
    };
    if (fan.spread && state.ResultWriter !== undefined) fan.resultsKept = true;
    if (fan.spread) this.history.add('MapRunStarted', { mapRunArn: mapRunArnOf(fan.spread.fanId) });
    else if (distributed) this.history.add('MapRunStarted', { mapRunArn: `${this.snap.execution.arn.replace(':execution:', ':mapRun:')}/${run.stateName}` });
    await this.beginFanOut(run, state, fan);
  }

  /** MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage: literal, ...Path, or JSONata. */
  private async mapNumber(state: StateDefinition, env: StateEnv, input: unknown, field: string, kind: 'integer' | 'float'): Promise<number | undefined> {
    const literal = state[field];
    if (typeof literal === 'number') return literal;
    if (typeof literal === 'string' && env.language === 'JSONata') {
      const v = await evaluateTemplate(literal, env, field);
      if (typeof v !== 'number') throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${literal}' specified for the field '${field}' returned an unexpected result type. Expected 'number', but was '${jsonTypeName(v)}' for value: ${JSON.stringify(v)}`);
      return v;
    }
    const path = state[`${field}Path`];
    if (typeof path !== 'string') return undefined;
    const found = readPath(path, env, input);
    const v = found.value;
    // AWS parses the value as Java does: numbers, and strings holding a number ("1"), are accepted.
    const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC_TEXT[kind].test(v.trim()) ? Number(v) : NaN;
    if (!found.found || Number.isNaN(n) || (kind === 'integer' && !Number.isInteger(n))) {
      const shown = typeof v === 'string' ? v : JSON.stringify(v ?? null);
      throw new StatesError(ErrorNames.Runtime, `The ${field}Path field refers to value "${shown}" which is not a valid ${kind}: ${path}`);
    }
    return n;
  }

  private async batchItems(items: unknown[], batcher: Record<string, unknown>, env: StateEnv, input: unknown): Promise<unknown[]> {
    const maxItems = typeof batcher.MaxItemsPerBatch === 'number' ? batcher.MaxItemsPerBatch : typeof batcher.MaxItemsPerBatchPath === 'string' ? (readPath(batcher.MaxItemsPerBatchPath, env, input).value as number) : undefined;
    const maxBytes = typeof batcher.MaxInputBytesPerBatch === 'number' ? batcher.MaxInputBytesPerBatch : typeof batcher.MaxInputBytesPerBatchPath === 'string' ? (readPath(batcher.MaxInputBytesPerBatchPath, env, input).value as number) : undefined;
    let batchInput: unknown = batcher.BatchInput;
    if (batchInput !== undefined && env.language === 'JSONPath') {
      batchInput = resolvePayloadTemplate(batchInput, pathScope(env, input), env.random, 'BatchInput');
    } else if (batchInput !== undefined) batchInput = await evaluateTemplate(batchInput, env, 'ItemBatcher/BatchInput');
    const batches: unknown[] = [];
    let current: unknown[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = Buffer.byteLength(JSON.stringify(item));
      const full = (maxItems !== undefined && current.length >= maxItems) || (maxBytes !== undefined && current.length > 0 && bytes + size > maxBytes);
      if (full) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += size;
    }
    if (current.length) batches.push(current);
    return batches.map((b) => (batchInput !== undefined ? { BatchInput: batchInput, Items: b } : { Items: b }));
  }

  private async beginFanOut(run: Run, state: StateDefinition, fan: FanOut): Promise<void> {
    run.fanOut = fan;
    run.waiting = { kind: 'children' };
    if (fan.total === 0) return this.finishFanOut(run, state);
    if (fan.spread) return this.spreadChildren(run, state, fan);
    await this.startChildren(run, state);
  }

  /** Should this Map or Parallel state's children run as executions of their own? */
  private spreads(state: StateDefinition): boolean {
    const mode = this.options.fanOut ?? 'inline';
    if (mode === 'inline') return false;
    if (mode === 'spread') return true;
    // a ResultWriter asks for results kept outside the state: only a spread Map keeps them (with its children)
    return subtreeHasTask(state) || (state.Type === 'Map' && state.ResultWriter !== undefined);
  }

  /** Spread: every child's input is computed now and handed over with the children; none is kept here. */
  private async spreadChildren(parent: Run, state: StateDefinition, fan: FanOut): Promise<void> {
    const { fanId, token } = fan.spread!;
    const inputs: unknown[] = [];
    const machinePaths: string[][] = [];
    for (let index = 0; index < fan.total; index++) {
      if (fan.kind === 'parallel') {
        inputs.push(fan.effectiveInput);
        machinePaths.push([...parent.machinePath, 'States', parent.stateName, 'Branches', String(index)]);
      } else {
        inputs.push(await this.itemInput(parent, state, index, fan.items![index]));
        if (index === 0) machinePaths.push([...parent.machinePath, 'States', parent.stateName, mapProcessorKey(state)]);
      }
    }
    fan.items = undefined;
    fan.effectiveInput = undefined;
    fan.results = [];
    parent.waiting = { kind: 'children', token };
    const outerVariables = this.env(parent, state).visibleVariables();
    this.effects.push({ type: 'SpawnChildren', fanId, token, kind: fan.kind, stateName: parent.stateName, machinePaths, inputs, maxConcurrency: fan.maxConcurrency, outerVariables });
  }

  /** Marks a fan-out as spread (when it is) and names it: the children's records hang off `fanId`. */
  private spreadMark(run: Run, state: StateDefinition): FanOut['spread'] {
    if (!this.spreads(state)) return undefined;
    const token = this.newToken();
    return { fanId: `${this.recordArn()}/${run.stateName}/${token}`, token, generation: this.snap.execution.redriveCount };
  }

  /** Starts children up to MaxConcurrency (0 = all). Their item input is computed here (ItemSelector). */
  private async startChildren(parent: Run, state: StateDefinition): Promise<void> {
    const fan = parent.fanOut!;
    // Parallel branches all start at once, as on AWS
    const window = fan.kind === 'parallel' ? Infinity : fan.maxConcurrency === 0 ? INLINE_MAP_MAX_CONCURRENCY : Math.min(fan.maxConcurrency, INLINE_MAP_MAX_CONCURRENCY);
    while (fan.nextIndex < fan.total && fan.running < window) {
      const index = fan.nextIndex++;
      // after a redrive: children that succeeded keep their result, running ones go on
      if (fan.completed?.[index] || this.snap.runs[`${parent.id}/${parent.stateName}/${index}`]) continue;
      fan.running++;
      let input: unknown;
      let machinePath: string[];
      if (fan.kind === 'parallel') {
        input = fan.effectiveInput;
        machinePath = [...parent.machinePath, 'States', parent.stateName, 'Branches', String(index)];
      } else {
        input = await this.itemInput(parent, state, index, fan.items![index]);
        machinePath = [...parent.machinePath, 'States', parent.stateName, mapProcessorKey(state)];
        if (!fan.distributed) this.history.add('MapIterationStarted', { name: parent.stateName, index });
      }
      const id = `${parent.id}/${parent.stateName}/${index}`;
      this.startRun({ id, parentId: parent.id, childIndex: index, machinePath, input });
    }
  }

  /** A Map item's input: ItemSelector (or legacy Parameters) with $$.Map.Item, else the item itself. */
  private async itemInput(parent: Run, state: StateDefinition, index: number, value: unknown): Promise<unknown> {
    const selector = state.ItemSelector ?? state.Parameters;
    if (selector === undefined) return value;
    const env = this.env(parent, state, { mapItem: { index, value } });
    if (env.language === 'JSONata') return evaluateTemplate(selector, env, 'ItemSelector');
    return resolvePayloadTemplate(selector, pathScope(env, parent.fanOut!.effectiveInput), env.random, state.ItemSelector !== undefined ? 'ItemSelector' : 'Parameters');
  }

  private completeRun(run: Run, output: unknown): void {
    run.status = 'SUCCEEDED';
    run.output = output;
    if (!run.parentId) {
      this.finishExecution('SUCCEEDED', 'ExecutionSucceeded', { output: this.history.payload(output), outputDetails: { truncated: false } }, output);
      return;
    }
    this.childEnded(run);
  }

  private failRun(run: Run, failure: StateFailure): void {
    run.status = 'FAILED';
    run.error = failure.error;
    run.cause = failure.cause;
    if (!run.parentId) {
      this.finishExecution('FAILED', 'ExecutionFailed', { error: failure.error, cause: failure.cause });
      return;
    }
    this.childEnded(run);
  }

  /** A Map item or Parallel branch has ended: record it, start the next, finish the parent when all are done. */
  private childEnded(child: Run): void {
    const parent = this.snap.runs[child.parentId!];
    delete this.snap.runs[child.id];
    if (!parent || !parent.fanOut) return;
    const fan = parent.fanOut;
    fan.running--;
    const index = child.childIndex!;
    if (child.status === 'SUCCEEDED') {
      fan.succeeded++;
      fan.results[index] = child.output;
      (fan.completed ??= [])[index] = true;
      if (fan.kind === 'map' && !fan.distributed) this.history.add('MapIterationSucceeded', { name: parent.stateName, index });
    } else {
      fan.failed++;
      fan.firstError ??= { error: child.error!, cause: child.cause };
      if (fan.kind === 'map' && !fan.distributed) this.history.add('MapIterationFailed', { name: parent.stateName, index });
      if (!this.failureTolerated(fan)) {
        this.abortChildren(parent);
        this.pendingFanOut.push({ parentId: parent.id, failed: true });
        return;
      }
    }
    if (fan.succeeded + fan.failed >= fan.total) this.pendingFanOut.push({ parentId: parent.id, failed: false });
    else this.pendingFanOut.push({ parentId: parent.id, more: true });
  }

  /**
   * Parent continuations are queued and run by `drain` rather than called from inside a child's
   * completion, so a deep chain of nested Maps never recurses and async work stays in one loop.
   */
  private pendingFanOut: { parentId: string; failed?: boolean; more?: boolean }[] = [];

  /** Called once a child has failed: a Parallel fails at once, a Map within its tolerance goes on. */
  private failureTolerated(fan: FanOut): boolean {
    if (fan.kind === 'parallel') return false;
    return failureTolerated(fan.failed, fan.total, { count: fan.toleratedFailureCount, percentage: fan.toleratedFailurePercentage });
  }

  private abortChildren(parent: Run): void {
    const fan = parent.fanOut!;
    for (const child of this.childrenOf(parent)) {
      this.abortRunTree(child);
      if (fan.kind === 'map' && !fan.distributed) this.history.add('MapIterationAborted', { name: parent.stateName, index: child.childIndex });
    }
    fan.running = 0;
  }

  /** Running children of a run, in index order (a scan: only needed when a fan-out is aborted). */
  private childrenOf(parent: Run): Run[] {
    return Object.values(this.snap.runs)
      .filter((r) => r.parentId === parent.id)
      .sort((a, b) => (a.childIndex ?? 0) - (b.childIndex ?? 0));
  }

  private abortRunTree(run: Run): void {
    if (run.waiting?.kind === 'task') this.effects.push({ type: 'CancelTask', token: run.waiting.token });
    if (run.waiting?.kind === 'children' && run.fanOut?.spread) this.effects.push({ type: 'StopChildren', fanId: run.fanOut.spread.fanId, total: run.fanOut.total, generation: run.fanOut.spread.generation });
    for (const child of this.childrenOf(run)) this.abortRunTree(child);
    delete this.snap.runs[run.id];
  }

  private async finishFanOut(parent: Run, state: StateDefinition): Promise<void> {
    const fan = parent.fanOut!;
    parent.fanOut = undefined;
    parent.waiting = undefined;
    if (fan.kind === 'parallel') this.history.add('ParallelStateSucceeded');
    else {
      if (fan.distributed || fan.spread) this.history.add('MapRunSucceeded');
      this.history.add('MapStateSucceeded');
    }
    // With a ResultWriter the results are kept with the Map Run; as on AWS, the state's result says where.
    const mapRunArn = fan.resultsKept && fan.spread ? mapRunArnOf(fan.spread.fanId) : undefined;
    const result = mapRunArn ? { MapRunArn: mapRunArn, ResultWriterDetails: { Store: 'stepwright', MapRunArn: mapRunArn } } : fan.results;
    try {
      await this.finishWithResult(parent, state, result);
    } catch (e) {
      await this.processingFailed(parent, state, e);
    }
  }

  private async failFanOut(parent: Run, state: StateDefinition): Promise<void> {
    // The fan-out stays on the run: a redrive re-runs only the children that did not succeed.
    const fan = parent.fanOut!;
    parent.waiting = undefined;
    let failure: StateFailure = { error: fan.firstError!.error, cause: fan.firstError!.cause };
    if (fan.kind === 'parallel') this.history.add('ParallelStateFailed');
    else {
      if (fan.distributed) {
        this.history.add('MapRunFailed');
        failure = { error: ErrorNames.ExceedToleratedFailureThreshold, cause: 'The specified tolerated failure threshold was exceeded' };
      } else if (fan.spread) this.history.add('MapRunFailed');
      this.history.add('MapStateFailed');
    }
    await this.stateFailed(parent, state, failure);
  }

  // ---------------------------------------------------------------- errors

  /** A state failed with a catchable error: Retry, then Catch, else the run fails. */
  private async stateFailed(run: Run, state: StateDefinition, failure: StateFailure): Promise<void> {
    const fromTask = failure.fromTask === true;
    const ri = findRetrier(state.Retry, failure.error, fromTask);
    if (ri >= 0) {
      const retrier = state.Retry[ri];
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
    const catcher = findCatcher(state.Catch, failure.error, fromTask);
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

  private failExecution(error: string, cause: string | undefined): void {
    this.finishExecution('FAILED', 'ExecutionFailed', { error, cause });
  }

  private finishExecution(status: ExecutionSnapshot['status'], eventType: string, details: Record<string, unknown>, output?: unknown): void {
    if (this.snap.status !== 'RUNNING') return;
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
    const clean = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
    this.history.add(eventType, clean);
    // A succeeded execution keeps no runs; one that failed, timed out or was stopped keeps its run
    // tree (marked) so a redrive can continue from it. Nothing else can wake it any more.
    if (status === 'SUCCEEDED') this.snap.runs = {};
    else for (const run of Object.values(this.snap.runs)) if (run.status === 'RUNNING') run.status = 'FAILED';
    this.ready = [];
    this.pendingFanOut = [];
    this.effects.push({ type: 'ExecutionFinished', status });
  }

  /** Runs queued parent continuations; called by drain between runs. */
  private async settleFanOuts(): Promise<boolean> {
    let did = false;
    while (this.pendingFanOut.length > 0 && this.snap.status === 'RUNNING') {
      const p = this.pendingFanOut.shift()!;
      const parent = this.snap.runs[p.parentId];
      if (!parent || !parent.fanOut) continue;
      const state = this.stateOf(parent);
      did = true;
      if (p.failed) await this.failFanOut(parent, state);
      else if (p.more) await this.startChildren(parent, state);
      else await this.finishFanOut(parent, state);
    }
    return did;
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
    else if (run.fanOut?.kind === 'parallel' && (state.Branches?.length ?? 0) !== run.fanOut.total) problems.push(`${where}: the number of branches changed`);
  }
  return problems;
}

/** The Map Run ARN of a spread Map (AWS names Map Runs under :mapRun:). */
export function mapRunArnOf(fanId: string): string {
  return fanId.replace(':execution:', ':mapRun:');
}

/** A spread fan-out's id from its Map Run ARN. */
export function fanIdOfMapRun(mapRunArn: string): string {
  return mapRunArn.replace(':mapRun:', ':execution:');
}

const taskInside = new WeakMap<object, boolean>();

/** Does this Map or Parallel state's processor or branches (at any depth) contain a Task? */
function subtreeHasTask(state: StateDefinition): boolean {
  let known = taskInside.get(state);
  if (known === undefined) {
    const machines: StateMachineDefinition[] = state.Type === 'Parallel' ? (state.Branches ?? []) : [state.ItemProcessor ?? state.Iterator].filter(Boolean);
    known = machines.some((m) => Object.values(m.States ?? {}).some((s) => s.Type === 'Task' || ((s.Type === 'Map' || s.Type === 'Parallel') && subtreeHasTask(s))));
    taskInside.set(state, known);
  }
  return known;
}

/** How a guard's cause names the limit: the default one, or the one the state machine set. */
function limitSource(value: number, defaultValue: number): string {
  return value === defaultValue ? 'the default limit of the runaway guard' : 'the limit set on its state machine (runaway guard)';
}

/** "arn:aws:states:::lambda:invoke.waitForTaskToken" -> resourceType "lambda", resource "invoke.waitForTaskToken". */
function splitResource(resource: string): { resourceType: string; resourceName: string } {
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  if (m) return { resourceType: m[1], resourceName: m[2] };
  return { resourceType: 'activity', resourceName: resource };
}

function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}

export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

