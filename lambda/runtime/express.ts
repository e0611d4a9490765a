/**
 * EXPRESS executions: one runs from start to end inside one invocation (the API's for
 * StartSyncExecution, the worker's for StartExecution), with the interpreter's snapshot in memory
 * only: no per-step record, history item, claim or queue message. What is stored is the final result
 * (one write), and the history only for the machine's log at its logging level (logExpressHistory).
 * The price is AWS's Express semantics: at-least-once (a crash mid-run loses the run's
 * progress; a retried StartExecution message runs it again from the start, tasks included), at most
 * five minutes (then States.Timeout, as AWS), no .waitForTaskToken, Map and Parallel inline.
 * See docs/cost.md.
 */
import type { StateMachineDefinition } from '../engine/definition';
import { advance } from '../engine/interpreter';
import type { HistoryEvent } from '../engine/history';
import type { Effect, ExecutionSnapshot, IncomingEvent } from '../engine/types';
import type { ExecutionRecord, StateMachineRecord, TaskRequest } from '../ports';
import type { EngineDeps } from './deps';
import { answersLater, integrationFor } from './integrations';
import { eventsToLog } from './execution-logging';
import { logger } from './logger';

/** AWS: an Express execution runs at most five minutes (of execution time: scaled by deps.timeScale, as Waits are). */
export const EXPRESS_MAX_SECONDS = 300;

export interface ExpressOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: string;
  error?: string;
  cause?: string;
  stopDate: string;
  history: HistoryEvent[];
  /** wall time of the run, for billingDetails */
  durationMs: number;
}

type InvokeEffect = Extract<Effect, { type: 'InvokeTask' }>;
type Pending = Promise<IncomingEvent>;

async function invoke(deps: EngineDeps, rec: ExecutionRecord, task: InvokeEffect): Promise<IncomingEvent> {
  if (task.waitForTaskToken || answersLater(task.resource)) {
    return { type: 'TaskFailed', token: task.token, error: 'States.Runtime', cause: `EXPRESS state machines do not support the callback pattern, .sync nested executions or activities (${task.resource})` };
  }
  const req: TaskRequest = {
    resource: task.resource,
    input: task.input,
    executionArn: rec.executionArn,
    stateName: task.stateName,
    attempt: task.attempt,
    idempotencyKey: `${rec.executionArn}#${task.token}`,
    traceId: rec.traceId,
    timeoutSeconds: task.timeoutSeconds,
  };
  const integration = integrationFor(task.resource);
  try {
    const outcome = await (integration ? integration(deps, req, task.token) : deps.invoker.invoke(req));
    return outcome.ok ? { type: 'TaskSucceeded', token: task.token, output: outcome.output } : { type: 'TaskFailed', token: task.token, error: outcome.error, cause: outcome.cause };
  } catch (e) {
    return { type: 'TaskFailed', token: task.token, error: 'States.TaskFailed', cause: String((e as Error)?.message ?? e) };
  }
}

/** A pause that can be called off: a run's answer usually wins the race, and its timer (up to the
 * 5-minute limit) must not keep the process alive after the run. */
function napFor(ms: number): { done: Promise<void>; cancel(): void } {
  let handle: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => (handle = setTimeout(resolve, Math.max(0, ms))));
  return { done, cancel: () => clearTimeout(handle) };
}

/**
 * Runs `rec` (RUNNING, not started) of `sm` to its end. Tasks run as the interpreter asks for them
 * (several at once for Parallel and Map), timers on real time scaled by deps.timeScale (0: waits
 * end at once; task timeouts keep real time, as on the durable path). A run still going after
 * EXPRESS_MAX_SECONDS ends TIMED_OUT (States.Timeout); its tasks still running are left unanswered.
 */
export async function runExpress(deps: EngineDeps, rec: ExecutionRecord, sm: StateMachineRecord, definition: StateMachineDefinition): Promise<ExpressOutcome> {
  const started = Date.now();
  // the five minutes pass as fast as the run's Waits do (timeScale 0 ends Waits at once: then real time)
  const deadline = started + EXPRESS_MAX_SECONDS * 1000 * ((deps.timeScale ?? 1) > 0 ? (deps.timeScale ?? 1) : 1);
  const history: HistoryEvent[] = [];
  const timeScale = deps.timeScale ?? 1;
  let snap: ExecutionSnapshot | undefined;
  const queue: IncomingEvent[] = [{
    type: 'StartExecution',
    execution: { arn: rec.executionArn, name: rec.name, input: JSON.parse(rec.input) as unknown, startTime: rec.startDate, roleArn: sm.roleArn, stateMachineArn: rec.stateMachineArn, stateMachineName: rec.stateMachineName },
    limits: sm.settings?.limits,
    traceId: rec.traceId,
  }];
  const running = new Map<string, Pending>();
  const timers: { token: string; due: number }[] = [];

  const step = async (event: IncomingEvent) => {
    const r = await advance(definition, snap, event, deps.clock.now(), { random: deps.random, fanOut: 'inline' });
    snap = r.snapshot;
    history.push(...r.events);
    for (const eff of r.effects) {
      if (eff.type === 'InvokeTask') running.set(eff.token, invoke(deps, rec, eff));
      else if (eff.type === 'SetTimer') {
        const scale = timeScale === 0 && (eff.purpose === 'timeout' || eff.purpose === 'heartbeat') ? 1 : timeScale;
        timers.push({ token: eff.token, due: Date.now() + Math.max(0, Date.parse(eff.at) - deps.clock.now().getTime()) * scale });
      } else if (eff.type === 'SpawnChildren' || eff.type === 'StopChildren' || eff.type === 'RedriveChildren') {
        throw new Error(`EXPRESS execution ${rec.executionArn}: the interpreter asked for a spread fan-out (${eff.type})`);
      }
    }
  };

  while (true) {
    const next = queue.shift();
    if (next) {
      await step(next);
      if (snap?.status !== 'RUNNING') break;
      continue;
    }
    timers.sort((a, b) => a.due - b.due);
    const timer = timers[0];
    const wake = Math.min(timer?.due ?? Infinity, deadline);
    if (!running.size && wake === Infinity) break; // nothing left to wait for (cannot happen while RUNNING)
    const answered = running.size ? Promise.race([...running.entries()].map(([token, p]) => p.then((ev) => ({ token, ev })))) : undefined;
    const nap = napFor(wake - Date.now());
    const woke = await Promise.race([...(answered ? [answered] : []), nap.done.then(() => undefined)]);
    nap.cancel();
    if (woke) {
      running.delete(woke.token);
      queue.push(woke.ev);
    } else if (timer && timer.due <= deadline) {
      timers.shift();
      queue.push({ type: 'TimerFired', token: timer.token });
    } else break; // the five minutes are up
  }

  const stopDate = deps.clock.now().toISOString();
  const durationMs = Date.now() - started;
  if (!snap || snap.status === 'RUNNING') {
    const id = snap?.nextEventId ?? history.length + 1;
    const cause = `The execution ran longer than the ${EXPRESS_MAX_SECONDS} seconds an EXPRESS execution may run`;
    history.push({ timestamp: stopDate, type: 'ExecutionTimedOut', id, previousEventId: id - 1, executionTimedOutEventDetails: { error: 'States.Timeout', cause } });
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause, stopDate, history, durationMs };
  }
  return {
    status: snap.status,
    output: snap.status === 'SUCCEEDED' ? JSON.stringify(snap.output ?? null) : undefined,
    error: snap.error,
    cause: snap.cause,
    stopDate: snap.stopDate ?? stopDate,
    history,
    durationMs,
  };
}

/** The record of a finished EXPRESS run: what is stored of it (one write), history left out. */
export function finishedRecord(rec: ExecutionRecord, out: ExpressOutcome): ExecutionRecord {
  return { ...rec, status: out.status, stopDate: out.stopDate, output: out.output, error: out.error, cause: out.cause, snapshot: undefined, outbox: undefined };
}

/** Is `sm` an EXPRESS machine? */
export function isExpress(sm: Pick<StateMachineRecord, 'type'> | undefined): boolean {
  return sm?.type === 'EXPRESS';
}

/**
 * The finished run's history as Express keeps it: in the machine's log group only, at its logging
 * level (ALL: every event; ERROR, FATAL: those the level lets through; OFF or none: nothing written).
 * The events go through the store's appendHistory, the path of every commit's history, which the
 * worker and `stepwright serve` watch (execution-logging.ts observeHistory/machineLogListener) to write
 * the machine's log. Call it after the result is stored (the watcher learns the execution from that
 * write). GetExecutionHistory refuses Express executions, as AWS does (service.ts). A failure here is
 * logged, never the run's: its result is stored, and the caller must not run it again.
 */
export async function logExpressHistory(deps: EngineDeps, executionArn: string, sm: StateMachineRecord, out: ExpressOutcome): Promise<void> {
  const events = eventsToLog(out.history, sm.settings?.loggingConfiguration?.level ?? 'OFF');
  if (events.length === 0) return;
  try {
    await deps.store.appendHistory(executionArn, events);
  } catch (e) {
    logger.warn('could not write an EXPRESS execution\'s history to its log', { executionArn, error: String((e as Error)?.message ?? e) });
  }
}
