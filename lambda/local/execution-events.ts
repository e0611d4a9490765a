/**
 * What happens to executions in this process, as events: the local server's log lines, its
 * /metrics and `GET /executions/{arn}?waitSeconds=N` all listen here instead of polling the store.
 *
 * Attached to an engine's deps after it starts: the runtime's own hooks (onExecutionStarted,
 * onExecutionFinished, told after each commit) give starts and ends, and the store's appendHistory,
 * wrapped, gives every history event once it is written (state transitions, task attempts). The
 * worker reads deps through a getter (createWorkerHandler(() => deps)), so replacing `deps.store`
 * here reaches it. History may be flushed twice (a reconciler re-flush is idempotent): events whose
 * id was seen already are dropped, so nothing is counted twice.
 */
import { EventEmitter } from 'node:events';
import type { ExecutionRecord, ExecutionStore } from '../ports';
import type { EngineDeps } from '../runtime/deps';
import type { HistoryEvent } from '../engine/history';
import { executionWaiters } from '../handlers/api-rest-routes';

/** What is known of one execution while it runs (the record's fields every log line needs). */
export interface ExecutionInfo {
  executionArn: string;
  stateMachineArn: string;
  traceId?: string;
  /** the execution's start (ISO), for the duration its end reports */
  startedAt?: string;
  /** a spread child (Map item, Parallel branch) rather than an execution a user started */
  child: boolean;
  /** the state last entered, for the lines that come from events naming no state */
  currentState?: string;
  /** the highest history event id handled */
  lastEventId: number;
  /** when each state's current task attempt started (ms), by state name */
  taskStarted: Map<string, number>;
}

export interface ExecutionEventMap {
  started: [record: ExecutionRecord];
  finished: [status: string, record: ExecutionRecord];
  /**
   * new history events of one execution, in id order, with what is known of it and the state each
   * event belongs to (the state last entered before it, or that it enters)
   */
  history: [events: HistoryEvent[], info: ExecutionInfo, states: (string | undefined)[]];
}

export class ExecutionEvents extends EventEmitter<ExecutionEventMap> {
  private readonly known = new Map<string, ExecutionInfo>();

  constructor(private readonly store: ExecutionStore) {
    super();
    // every waiting GET adds a listener for its wait: many clients waiting at once are expected
    this.setMaxListeners(0);
  }

  /** The execution's info, from the store when this process has not seen it yet (e.g. after a restart). */
  async infoOf(executionArn: string): Promise<ExecutionInfo | undefined> {
    const hit = this.known.get(executionArn);
    if (hit) return hit;
    const rec = await this.store.getExecution(executionArn);
    return rec ? this.remember(rec) : undefined;
  }

  remember(rec: ExecutionRecord): ExecutionInfo {
    let info = this.known.get(rec.executionArn);
    if (!info) {
      info = { executionArn: rec.executionArn, stateMachineArn: rec.stateMachineArn, traceId: rec.traceId, startedAt: rec.startDate, child: rec.child !== undefined, lastEventId: 0, taskStarted: new Map() };
      this.known.set(rec.executionArn, info);
    }
    return info;
  }

  /** Forgets a finished execution once its last events were told (the map holds running ones only). */
  forget(executionArn: string): void {
    this.known.delete(executionArn);
  }

  /**
   * Resolves when `executionArn` ends (a commit with a status other than RUNNING), or after `ms`.
   * The caller reads the record again either way: this is a wake-up, not an answer.
   */
  waitForEnd(executionArn: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('finished', onFinished);
        resolve();
      };
      const onFinished = (_status: string, rec: ExecutionRecord) => {
        if (rec.executionArn === executionArn) done();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.on('finished', onFinished);
    });
  }

  /** Hands one appended batch to the listeners, without the events handled already. */
  async appended(executionArn: string, events: HistoryEvent[]): Promise<void> {
    if (this.listenerCount('history') === 0 || events.length === 0) return;
    const info = await this.infoOf(executionArn);
    if (!info) return;
    const fresh = events.filter((e) => e.id > info.lastEventId).sort((a, b) => a.id - b.id);
    if (fresh.length === 0) return;
    info.lastEventId = fresh[fresh.length - 1].id;
    const states = fresh.map((e) => {
      if (e.type.endsWith('StateEntered')) info.currentState = String((e.stateEnteredEventDetails as { name?: unknown } | undefined)?.name);
      return info.currentState;
    });
    this.emit('history', fresh, info, states);
    if (fresh.some((e) => /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(e.type))) this.forget(executionArn);
  }
}

const attached = new WeakMap<EngineDeps, ExecutionEvents>();

/** The events of an engine whose deps were attached (undefined otherwise: a plain test engine, AWS). */
export function executionEventsOf(deps: EngineDeps): ExecutionEvents | undefined {
  return attached.get(deps);
}

/**
 * Starts telling `deps`' executions' events (once per deps: a second call returns the same object).
 * Hooks already set on deps are kept and called first.
 */
export function attachExecutionEvents(deps: EngineDeps): ExecutionEvents {
  const existing = attached.get(deps);
  if (existing) return existing;
  const inner = deps.store;
  const events = new ExecutionEvents(inner);
  const onStarted = deps.onExecutionStarted;
  const onFinished = deps.onExecutionFinished;
  deps.onExecutionStarted = (rec) => {
    onStarted?.(rec);
    events.remember(rec);
    events.emit('started', rec);
  };
  deps.onExecutionFinished = (status, arn, rec) => {
    onFinished?.(status, arn, rec);
    events.emit('finished', status, rec);
  };
  // A Proxy rather than a class listing every method: the store port grows, and only one method
  // is watched. Binding keeps `this` the real store.
  const observedAppend = async (executionArn: string, evs: HistoryEvent[]) => {
    await inner.appendHistory(executionArn, evs);
    // a listener's failure must not fail the commit that wrote the history
    await events.appended(executionArn, evs).catch(() => undefined);
  };
  // Code that wraps the store's appendHistory in place (a test slowing history writes: read it,
  // assign a wrapper that calls what it read) replaces the observed method, not the real store's:
  // written through to the target, the wrapper would call the observer, which calls the wrapper...
  let replacedAppend: typeof observedAppend | undefined;
  deps.store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'appendHistory') return replacedAppend ?? observedAppend;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, prop, value, receiver) {
      if (prop !== 'appendHistory') return Reflect.set(target, prop, value, receiver);
      replacedAppend = value === observedAppend ? undefined : (value as typeof observedAppend);
      return true;
    },
  });
  attached.set(deps, events);
  executionWaiters.set(deps, (arn, ms) => events.waitForEnd(arn, ms));
  return events;
}
