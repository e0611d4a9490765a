/**
 * Test harness for the durable runtime on the local engine: real embedded DynamoDB (dynalite, in
 * memory or in a folder), the real LocalQueue and the real worker handler; tasks are plain functions
 * answered by the LocalTaskInvoker. Waiting is done by polling the store, with no deadline of its own:
 * a wait follows the work, however slowly a loaded machine does it. It ends when the condition holds,
 * when the engine it watches has had nothing to do for a while (the condition can no longer come
 * true), or when jest's per-test timeout ends the test (then the wait names what it was waiting for).
 * No test asserts on timing.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from '../../lambda/local/local-engine';
import { startHttpServer } from '../../lambda/local/http-server';
import { LocalTaskInvoker } from '../../lambda/local/local-invoker';
import { resolverFromTable } from '../../lambda/local/tasks';
import type { BatchConsumer } from '../../lambda/local/memory-queue';
import type { TaskFunction } from '../../lambda/local/runner';
import { createWorkerHandler } from '../../lambda/handlers/worker';
import * as svc from '../../lambda/runtime/service';
import { outboxSettled } from '../../lambda/runtime/advance-execution';
import type { HistoryEvent } from '../../lambda/engine/history';
import { SPREAD_FAN_ID } from '../../lambda/engine/fan-out/spread';
import type { ExecutionRecord, TaskInvoker, TaskRequest } from '../../lambda/ports';

// The SDK's notice about Node 20 support says nothing about the code under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
export const ROLE = 'arn:aws:iam::123456789012:role/test';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a wait watches besides its condition. */
export interface WaitOptions {
  /**
   * The engine doing the work. With it, the wait fails (naming what it waited for) once the engine's
   * queue has held nothing, pending, delayed or in flight, for `idleMs` while the condition is still
   * unmet: no message is left to change anything, so the run is stuck. A busy engine is waited for
   * however slow it is; a timer or a retry is a delayed message, so it counts as work. Leave it out
   * where something outside the queue is expected to move the run (an answer the test sends later, the
   * reconciler's periodic sweep): then jest's per-test timeout is the only bound.
   */
  engine?: Pick<LocalEngine, 'queue'>;
  /** default 2000: idleness is not slowed by load (nothing is scheduled), this only spans the gaps between a message's settling and its successor's send */
  idleMs?: number;
}

/** Waits in progress, so that a test ended by jest's timeout says what it was still waiting for. */
const waiting = new Set<{ what: string; abandoned: boolean }>();
if (typeof afterEach === 'function') {
  afterEach(() => {
    for (const w of waiting) {
      w.abandoned = true; // stops its polling: the engine it polls is about to be closed
      console.error(`the test ended while still waiting for ${w.what}`);
    }
    waiting.clear();
  });
}

/** True when the queue holds no message at all; unknown (a queue without stats) counts as busy. */
function engineIdle(engine: Pick<LocalEngine, 'queue'>): boolean {
  const s = (engine.queue as Partial<Pick<LocalEngine['queue'], 'stats'>>).stats?.();
  return !!s && s.pending === 0 && s.inFlightBatches === 0;
}

/**
 * Polls `probe` until it returns something other than undefined. There is no deadline: see
 * WaitOptions for when it gives up. A number (the fixed guard this once took) is accepted and
 * ignored, for callers not yet changed.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, opts: WaitOptions | number = {}): Promise<T> {
  const { engine, idleMs = 2000 } = typeof opts === 'number' ? {} : opts;
  const me = { what, abandoned: false };
  waiting.add(me);
  try {
    let idleSince: number | undefined;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (me.abandoned) throw new Error(`gave up waiting for ${what}: the test ended first`);
      if (engine && engineIdle(engine)) {
        idleSince ??= Date.now();
        if (Date.now() - idleSince >= idleMs) throw new Error(`stuck waiting for ${what}: the engine has had no message pending, delayed or in flight for ${idleMs} ms`);
      } else idleSince = undefined;
      await sleep(10);
    }
  } finally {
    waiting.delete(me);
  }
}

/** A promise with its resolve function, for tasks that hold until the test lets them go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Records every task invocation (by idempotency key) on its way to the real invoker. */
export class RecordingInvoker implements TaskInvoker {
  readonly calls: TaskRequest[] = [];
  /** called after each invocation returned, in the invoking message's async context */
  onInvoked?: (req: TaskRequest) => void;
  constructor(private readonly inner: TaskInvoker) {}
  async invoke(req: TaskRequest) {
    this.calls.push(req);
    const out = await this.inner.invoke(req);
    this.onInvoked?.(req);
    return out;
  }
  /** how many times each task attempt ran, for one execution (and the children it spread) */
  countsFor(executionArn: string): Map<string, number> {
    const counts = new Map<string, number>();
    // a spread Map item or Parallel branch runs as a child execution named under its parent's ARN
    for (const c of this.calls) if (c.executionArn === executionArn || c.executionArn.startsWith(`${executionArn}/`)) counts.set(c.idempotencyKey, (counts.get(c.idempotencyKey) ?? 0) + 1);
    return counts;
  }
}

export interface TestEngineOptions extends Omit<LocalEngineOptions, 'invoker'> {
  tasks?: Record<string, TaskFunction>;
  /** wraps the real worker handler (to shuffle batches, split them, set an async context...) */
  wrapWorker?: (worker: BatchConsumer) => BatchConsumer;
}

export interface TestEngine {
  engine: LocalEngine;
  deps: LocalEngine['deps'];
  invoker: RecordingInvoker;
  machine(name: string, definition: unknown): Promise<string>;
  start(stateMachineArn: string, input: unknown, name?: string): Promise<string>;
  get(executionArn: string): Promise<ExecutionRecord>;
  /**
   * Waits until the execution has left RUNNING and its last commit's outbox (history, messages) is
   * written. `{ stuck: true }` also watches the engine (WaitOptions.engine): the wait then fails as soon
   * as the queue has stayed empty with the execution unfinished. A number (an old fixed guard) is ignored.
   */
  finished(executionArn: string, opts?: { stuck?: boolean; idleMs?: number } | number): Promise<ExecutionRecord>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  close(): Promise<void>;
}

export async function startTestEngine(opts: TestEngineOptions = {}): Promise<TestEngine> {
  const { tasks, wrapWorker, ...engineOpts } = opts;
  const invoker = new RecordingInvoker(new LocalTaskInvoker(resolverFromTable(tasks ?? {}), undefined, { onCallbackError: () => {} }));
  // A visibility timeout far above any batch's run time: redelivery only where a test asks for it.
  const engine = await startLocalEngine({ timeScale: 0.01, visibilityTimeoutSeconds: 10, ...engineOpts, invoker });
  if (wrapWorker) {
    // Nothing has been sent yet: swap the consumer for the wrapped real worker.
    await engine.queue.stop();
    engine.queue.start(wrapWorker(createWorkerHandler(() => engine.deps)));
  }
  const deps = engine.deps;
  const get = async (arn: string) => {
    const rec = await deps.store.getExecution(arn);
    if (!rec) throw new Error(`no execution ${arn}`);
    return rec;
  };
  return {
    engine,
    deps,
    invoker,
    machine: async (name, definition) => (await svc.createStateMachine(deps, { name, definition: JSON.stringify(definition), roleArn: ROLE })).stateMachineArn,
    start: async (smArn, input, name) => (await svc.startExecution(deps, { stateMachineArn: smArn, input: JSON.stringify(input), name })).executionArn,
    get,
    finished: (arn, opts) => {
      const o = typeof opts === 'number' ? {} : (opts ?? {});
      return until(`${arn} to finish`, async () => {
        const rec = await get(arn);
        // (a finished execution's worker leaves its last outbox in the record once it is written)
        return rec.status === 'RUNNING' || !(await outboxSettled(deps, rec)) ? undefined : rec;
      }, o.stuck ? { engine, idleMs: o.idleMs } : {});
    },
    history: (arn) => allHistory(deps, arn),
    close: () => engine.close(),
  };
}

export async function allHistory(deps: LocalEngine['deps'], executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.store.getHistory(executionArn, { maxResults: 1000, nextToken });
    events.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The engine plus its HTTP server on a free port. */
export async function startTestServer(opts: TestEngineOptions = {}) {
  const t = await startTestEngine(opts);
  const http = await startHttpServer(t.deps, 0, '127.0.0.1');
  return {
    ...t,
    url: http.url,
    close: async () => {
      await http.close();
      await t.close();
    },
  };
}

/**
 * Events without what legitimately differs between two runs of the same input (ids, timestamps, and
 * the stored name of a spread Parallel's fan-out, which holds the execution's ARN and which
 * GetExecutionHistory never shows), as text: two histories tell the same story when their sorted
 * canonical forms are equal, whatever order concurrent branches happened to interleave in.
 */
export function canonical(events: HistoryEvent[]): string[] {
  return events
    .map(({ id: _id, previousEventId: _prev, timestamp: _ts, ...rest }) => JSON.stringify(rest, (key, value: unknown) => (key === SPREAD_FAN_ID ? undefined : value)))
    .sort();
}

/** Ids are 1..N, each once, in order: nothing was written twice under a new id, and nothing is missing. */
export function expectContiguousIds(events: HistoryEvent[]): void {
  expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
}

/** Combines single-record worker calls into one batch response (a failed call fails its record only). */
export async function perRecord(event: SQSEvent, handle: (one: SQSEvent) => Promise<SQSBatchResponse | void>): Promise<SQSBatchResponse> {
  const failed = await Promise.all(
    event.Records.map(async (r) => {
      try {
        const res = await handle({ Records: [r] });
        return res && res.batchItemFailures.length > 0 ? r.messageId : undefined;
      } catch {
        return r.messageId; // all of a one-record batch failed (Powertools throws then)
      }
    }),
  );
  return { batchItemFailures: failed.filter((id): id is string => id !== undefined).map((itemIdentifier) => ({ itemIdentifier })) };
}
