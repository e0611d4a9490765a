/**
 * Runs one execution to its end inside this process: the driver the CLI (`stepwright run`) and the
 * conformance runner use. It feeds the pure interpreter its events and carries out its effects:
 * tasks through a local task table, timers on a real clock or on a virtual one (--fast-timers), where
 * time jumps to the next timer as soon as nothing else can happen.
 */
import { randomUUID } from 'node:crypto';
import { advance } from '../engine/interpreter';
import type { StateMachineDefinition } from '../engine/definition';
import type { Effect, ExecutionSnapshot, IncomingEvent } from '../engine/types';
import type { HistoryEvent } from '../engine/history';
import type { RandomSource } from '../asl/scope';
import { processTaskTokens } from './task-token-secret';
import { missingTaskCause } from './tasks';

export interface TaskContext {
  resource: string;
  attempt: number;
  executionArn: string;
  stateName: string;
  taskToken?: string;
  /** waits on the runner's clock (virtual under fast timers) */
  sleep(ms: number): Promise<void>;
}

/** A local task: returns the result (or a promise of it), or throws {error, cause} (any other throw is error "Error"). */
export type TaskFunction = (input: unknown, context: TaskContext) => unknown;

/** Finds the function for a Task's Resource; undefined when there is none. */
export type TaskResolver = (resource: string, input: unknown) => { fn: TaskFunction; input: unknown; wrap?: (result: unknown) => unknown } | undefined;

export interface RunOptions {
  definition: StateMachineDefinition;
  input: unknown;
  tasks?: TaskResolver;
  /** virtual time: Waits and retry intervals end at once, in order */
  fastTimers?: boolean;
  name?: string;
  stateMachineName?: string;
  random?: RandomSource;
  /** the virtual clock's start (default: now) */
  startTime?: Date;
  /** keep state inputs and outputs in the history events (default false: only what is asked for is paid for) */
  historyPayloads?: boolean;
  /** told after every step of the interpreter: the events it wrote and the snapshot it left (`run`'s live line) */
  onEvents?: (events: HistoryEvent[], snapshot: ExecutionSnapshot) => void;
}

export interface RunResult {
  status: ExecutionSnapshot['status'];
  output?: unknown;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  executionArn: string;
}

export const defaultRandom: RandomSource = { random: () => Math.random(), uuid: () => randomUUID() };

/** Error thrown by a task as `{error, cause}`, or anything else (reported as error "Error"). */
export function taskFailureOf(e: unknown): { error: string; cause?: string } {
  if (e && typeof e === 'object' && 'error' in e && typeof e.error === 'string' && !(e instanceof Error)) {
    const c = (e as { cause?: unknown }).cause;
    return { error: e.error, cause: c === undefined ? undefined : typeof c === 'string' ? c : JSON.stringify(c) };
  }
  if (e instanceof Error) return { error: e.name && e.name !== 'Error' ? e.name : 'Error', cause: e.message };
  return { error: 'Error', cause: String(e) };
}

interface Timer {
  at: number;
  fire: () => void;
}

export async function runExecution(opts: RunOptions): Promise<RunResult> {
  const random = opts.random ?? defaultRandom;
  const fast = opts.fastTimers === true;
  let virtualNow = (opts.startTime ?? new Date()).getTime();
  const now = () => (fast ? virtualNow : Date.now());

  const smName = opts.stateMachineName ?? 'local';
  const name = opts.name ?? random.uuid();
  const stateMachineArn = `arn:aws:states:us-east-1:111111111111:stateMachine:${smName}`;
  const executionArn = `arn:aws:states:us-east-1:111111111111:execution:${smName}:${name}`;

  const queue: IncomingEvent[] = [];
  const timers: Timer[] = [];
  const cancelled = new Set<string>();
  let activeTasks = 0;
  let notify: () => void = () => {};
  const changed = () => new Promise<void>((resolve) => (notify = resolve));

  const addTimer = (at: number, fire: () => void) => {
    timers.push({ at, fire });
    timers.sort((a, b) => a.at - b.at);
    notify();
  };
  const sleep = (ms: number) =>
    fast
      ? new Promise<void>((resolve) => {
          activeTasks--;
          addTimer(now() + ms, () => {
            activeTasks++;
            resolve();
          });
        })
      : new Promise<void>((resolve) => setTimeout(resolve, ms));

  const invoke = (e: Extract<Effect, { type: 'InvokeTask' }>) => {
    const found = opts.tasks?.(e.resource, e.input);
    activeTasks++;
    const settle = (ev: IncomingEvent) => {
      activeTasks--;
      if (!cancelled.has(e.token)) queue.push(ev);
      notify();
    };
    if (!found) {
      settle({ type: 'TaskFailed', token: e.token, error: 'States.TaskFailed', cause: missingTaskCause(e.resource, e.input) });
      return;
    }
    const ctx: TaskContext = { resource: e.resource, attempt: e.attempt, executionArn, stateName: e.stateName, taskToken: e.taskToken, sleep };
    Promise.resolve()
      .then(() => found.fn(found.input, ctx))
      .then(
        (result) => settle({ type: 'TaskSucceeded', token: e.token, output: found.wrap ? found.wrap(result) : result === undefined ? null : result }),
        (err) => settle({ type: 'TaskFailed', token: e.token, ...taskFailureOf(err) }),
      );
  };

  let snapshot: ExecutionSnapshot | undefined;
  const history: HistoryEvent[] = [];
  const apply = async (event: IncomingEvent) => {
    const r = await advance(opts.definition, snapshot, event, new Date(now()), { random, historyPayloads: opts.historyPayloads === true, taskTokens: processTaskTokens() });
    snapshot = r.snapshot;
    for (const e of r.events) history.push(e);
    opts.onEvents?.(r.events, r.snapshot);
    for (const eff of r.effects) {
      if (eff.type === 'InvokeTask') invoke(eff);
      else if (eff.type === 'SetTimer') addTimer(Date.parse(eff.at), () => queue.push({ type: 'TimerFired', token: eff.token }));
      else if (eff.type === 'CancelTask') cancelled.add(eff.token);
    }
  };

  await apply({
    type: 'StartExecution',
    execution: { arn: executionArn, name, input: opts.input, startTime: new Date(now()).toISOString(), roleArn: 'arn:aws:iam::111111111111:role/stepwright-local', stateMachineArn, stateMachineName: smName },
  });

  while (snapshot!.status === 'RUNNING') {
    const next = queue.shift();
    if (next) {
      await apply(next);
      continue;
    }
    if (activeTasks > 0) {
      await waitFor(changed(), fast || timers.length === 0 ? undefined : timers[0].at - Date.now());
      continue;
    }
    const timer = timers.shift();
    if (!timer) break; // nothing can wake the execution any more
    if (!fast && timer.at > Date.now()) {
      timers.unshift(timer);
      await waitFor(changed(), timer.at - Date.now());
      continue;
    }
    virtualNow = Math.max(virtualNow, timer.at);
    timer.fire();
  }
  const s = snapshot!;
  if (s.status === 'RUNNING') {
    return { status: 'FAILED', error: 'Stepwright.Stuck', cause: 'The execution is waiting for something no local task or timer will deliver.', history, executionArn };
  }
  return { status: s.status, output: s.output, error: s.error, cause: s.cause, history, executionArn };
}

/** Waits for `p`, or at most `ms`; the timer is cleared so a far-off timer never keeps the process alive. */
function waitFor(p: Promise<void>, ms: number | undefined): Promise<void> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
