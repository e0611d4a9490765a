/**
 * Inline tasks (lambda/runtime/inline-task.ts): a worker that commits a step scheduling one task runs
 * that task itself instead of sending an invoke message. Shown on the real local engine (dynalite,
 * journaled queue): the same results and history as through invoke messages with one message per
 * execution; the reconciler and other readers leave a running inline task to its worker within its
 * lease; a stop during an inline task wins; and on AWS's terms (no sole claim holder) a worker that dies
 * in the task leaves it to the lease, as a claim item would.
 */
import * as svc from '../../lambda/runtime/service';
import { reconcileRecord } from '../../lambda/runtime/reconciler';
import { outboxSettled } from '../../lambda/runtime/advance-execution';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import { inlineTasks, INLINE_MARGIN_MS } from '../../lambda/runtime/inline-task';
import type { EngineDeps } from '../../lambda/runtime/deps';
import type { OutgoingMessage } from '../../lambda/ports';
import { expectContiguousIds, FN, startTestEngine, type TestEngine, type TestEngineOptions } from './harness';

const engines: TestEngine[] = [];
async function engine(opts: TestEngineOptions = {}): Promise<TestEngine> {
  const t = await startTestEngine({ reconcileAfterSeconds: 0, ...opts });
  engines.push(t);
  return t;
}
let afterRelease: (() => void) | undefined;
afterEach(async () => {
  afterRelease?.(); // a test that failed while its task was held
  afterRelease = undefined;
  await Promise.all(engines.splice(0).map((t) => t.close()));
});

/** Counts the messages the engine sends, by kind. */
function countSends(t: TestEngine): Map<string, number> {
  const counts = new Map<string, number>();
  const real = t.engine.queue.send.bind(t.engine.queue);
  t.engine.queue.send = async (messages) => {
    for (const m of messages) counts.set(m.body.kind, (counts.get(m.body.kind) ?? 0) + 1);
    return real(messages);
  };
  return counts;
}

function later(deps: EngineDeps, ms: number): EngineDeps {
  return { ...deps, clock: { now: () => new Date(Date.now() + ms) } };
}

const CHAIN = {
  StartAt: 'A',
  States: {
    A: { Type: 'Task', Resource: FN('Add'), ResultPath: '$.a', Next: 'Check' },
    Check: { Type: 'Choice', Choices: [{ Variable: '$.a.n', NumericGreaterThan: 100, Next: 'Big' }], Default: 'B' },
    B: { Type: 'Task', Resource: FN('Add'), InputPath: '$.a', ResultPath: '$.b', Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2 }], Next: 'C' },
    C: { Type: 'Task', Resource: FN('Add'), InputPath: '$.b', TimeoutSeconds: 30, End: true },
    Big: { Type: 'Fail', Error: 'TooBig' },
  },
};

it('a chain of Lambda tasks runs in the start message: the same result and history as through invoke messages, one message', async () => {
  let flaky = 0;
  const tasks = {
    Add: (input: unknown) => {
      // the second task fails once: its retry is delayed, so it goes through a (timer) message
      if ((input as { n: number }).n === 2 && flaky++ === 0) throw Object.assign(new Error('once'), { name: 'Flaky' });
      return { n: (input as { n: number }).n + 1 };
    },
  };
  const runs = [];
  for (const inline of [true, false]) {
    flaky = 0;
    const t = await engine({ tasks, timeScale: 0, inlineTasks: inline });
    const sends = countSends(t);
    const historyWrites = jest.spyOn(t.deps.store, 'appendHistory');
    const sm = await t.machine('chain', CHAIN);
    const arn = await t.start(sm, { n: 1 });
    const rec = await t.finished(arn);
    const events = await t.history(arn);
    expectContiguousIds(events);
    runs.push({ status: rec.status, output: JSON.parse(rec.output!) as unknown, events: events.map((e) => `${e.type}:${(e as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails?.name ?? ''}`), sends: Object.fromEntries(sends), attempts: [...t.invoker.countsFor(arn).values()], historyWrites: historyWrites.mock.calls.filter(([a]) => a === arn).length });
  }
  const [inline, messages] = runs;
  expect(inline.status).toBe('SUCCEEDED');
  expect(inline.output).toEqual({ n: 4 });
  expect(inline.events).toEqual(messages.events);
  expect(inline.attempts).toEqual(messages.attempts);
  expect(inline.attempts).toEqual([1, 1, 1, 1]); // A, B (failed), B (retried), C: each attempt once
  // through messages: a start, an invoke per attempt, the retry's timer (and C's timeout timer)
  expect(messages.sends).toMatchObject({ start: 1, invoke: 4 });
  // inline: the start, the retry's timer, C's timeout timer; the retried attempt runs in the timer's message
  expect(inline.sends).toEqual({ start: 1, event: 2 });
  // one history item per step through messages; inline, a step that runs its task inline leaves its events
  // to the next commit of the chain, which writes both steps as one item
  expect(inline.historyWrites).toBeLessThan(messages.historyWrites);
});

it('the chooser: only one immediate plain task, and only when the invocation has time for its longest run', async () => {
  const timeouts = new Map<string, number>([[FN('Quick'), 3]]);
  const looked: string[] = [];
  const deps = {
    taskLeaseSeconds: undefined,
    soleClaimHolder: 'me',
    // a Lambda function's configured timeout, as GetFunctionConfiguration reads it on AWS
    invoker: { invoke: () => Promise.reject(new Error('not here')), longestRunSeconds: async (r: { resource: string }) => (looked.push(r.resource), timeouts.get(r.resource)) },
  } as unknown as EngineDeps;
  const invoke = (token: string, extra: Record<string, unknown> = {}): OutgoingMessage => ({
    body: { kind: 'invoke', executionArn: 'arn:x', task: { type: 'InvokeTask', token, runId: 'r', stateName: 'S', resource: FN('F'), input: {}, waitForTaskToken: false, attempt: 1, executionArn: 'arn:x', ...extra } },
  });
  const timer: OutgoingMessage = { body: { kind: 'event', executionArn: 'arn:x', event: { type: 'TimerFired', token: 't' } }, delaySeconds: 30 };
  const unbounded = inlineTasks(deps, undefined)!;
  const chosen = await unbounded.choose([invoke('a', { timeoutSeconds: 30 }), timer], 1_000);
  expect(chosen?.message.body).toMatchObject({ kind: 'invoke', task: { token: 'a' } });
  // the claim lasts the task's timeout plus a minute, as a claim item's lease
  expect(chosen?.claim).toEqual({ token: 'a', leaseUntil: 1_000 + 90_000, holder: 'me' });
  expect(await unbounded.choose([invoke('a'), invoke('b')], 0)).toBeUndefined(); // two at once: both go through messages
  expect(await unbounded.choose([{ ...invoke('a'), delaySeconds: 2 }], 0)).toBeUndefined(); // a retry's delayed invoke
  expect(await unbounded.choose([invoke('a', { resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken' })], 0)).toBeUndefined(); // answers later
  expect(looked).toEqual([]); // no time limit locally: no look-up
  // on AWS, the invocation's remaining time must hold the task's longest run and a margin
  const budget = (ms: number) => inlineTasks(deps, { remainingMs: () => ms })!;
  expect(await budget(30_000 + INLINE_MARGIN_MS).choose([invoke('a', { timeoutSeconds: 30 })], 0)).toBeDefined();
  expect(await budget(30_000 + INLINE_MARGIN_MS - 1).choose([invoke('a', { timeoutSeconds: 30 })], 0)).toBeUndefined();
  // without TimeoutSeconds: the function's configured timeout (3 s here)...
  expect(await budget(3_000 + INLINE_MARGIN_MS).choose([invoke('a', { resource: FN('Quick') })], 0)).toBeDefined();
  expect(await budget(3_000 + INLINE_MARGIN_MS - 1).choose([invoke('a', { resource: FN('Quick') })], 0)).toBeUndefined();
  // ...and when it cannot be read, Lambda's 15-minute maximum, which a 15-minute worker never has in hand
  expect(await budget(900_000).choose([invoke('a')], 0)).toBeUndefined();
  expect(looked).toEqual([FN('Quick'), FN('Quick'), FN('F')]);
  expect(inlineTasks({ ...deps, inlineTasks: false }, undefined)).toBeUndefined();
});

/** A task that waits until released; `started` resolves once it runs. */
function heldTask() {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const gate = new Promise<void>((r) => (release = r));
  return { running, release: () => release(), fn: async (input: unknown) => { started(); await gate; return { held: input }; } };
}

it('while an inline task runs, the reconciler, a history reader and the lease leave it to its worker; a stop wins over its answer', async () => {
  const held = heldTask();
  const t = await engine({ tasks: { Hold: held.fn }, timeScale: 0 });
  const sm = await t.machine('held', { StartAt: 'Hold', States: { Hold: { Type: 'Task', Resource: FN('Hold'), Next: 'After' }, After: { Type: 'Pass', End: true } } });
  const arn = await t.start(sm, { x: 1 });
  await held.running;
  afterRelease = held.release;
  const rec = await t.get(arn);
  expect(rec.outbox?.inline).toMatchObject({ token: expect.any(String), holder: t.deps.soleClaimHolder });
  // a stale record whose inline task runs here: nothing to do, even past the lease (this process runs it)
  expect(await reconcileRecord(later(t.deps, 20 * 60_000), rec, { staleAfterMs: 0 })).toMatchObject({ flushed: 0, resent: 0 });
  // the history shows the step's events and the record does not move (no clearing under the worker)
  const events = (await svc.getExecutionHistory(t.deps, { executionArn: arn })).items;
  expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted']);
  expect((await t.get(arn)).version).toBe(rec.version);
  // a stop while the task runs: the execution is ABORTED, and the task's late answer changes nothing
  await svc.stopExecution(t.deps, { executionArn: arn, error: 'Halt' });
  held.release();
  await t.engine.idle();
  const stopped = await t.finished(arn);
  expect(stopped.status).toBe('ABORTED');
  const after = await t.history(arn);
  expectContiguousIds(after);
  expect(after.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'ExecutionAborted']);
  expect([...t.invoker.countsFor(arn).values()]).toEqual([1]);
});

it("on AWS's terms (no sole holder), a worker that dies in an inline task leaves it to the lease: the reconciler waits, then a claim item holds it", async () => {
  let arn = '';
  let withinLease: unknown;
  const t = await engine({
    tasks: {
      Once: async () => {
        // while the task runs, the reconciler finds a stale record with an inline task: its lease is on
        withinLease ??= await reconcileRecord(t.deps, await t.get(arn), { staleAfterMs: 0 });
        return { ran: true };
      },
    },
    timeScale: 0,
  });
  t.deps.soleClaimHolder = undefined; // as on AWS: nobody can tell a dead worker from a slow one
  t.deps.taskLeaseSeconds = 1;
  let crashed = false;
  t.deps.fault = (point) => {
    if (point === 'after-invoke' && !crashed) {
      crashed = true;
      throw new Error('the worker dies after the inline invoke');
    }
  };
  const sends = countSends(t);
  const sm = await t.machine('dies', { StartAt: 'Once', States: { Once: { Type: 'Task', Resource: FN('Once'), End: true } } });
  arn = await t.start(sm, {});
  const done = await t.finished(arn);
  expect(withinLease).toMatchObject({ flushed: 0, resent: 0 });
  expect(done.status).toBe('SUCCEEDED');
  expect(JSON.parse(done.output!)).toEqual({ ran: true });
  expect([...t.invoker.countsFor(arn).values()]).toEqual([2]); // the crash window: the attempt ran twice
  // the redelivered start flushed the outbox: a claim item took over the commit's claim, so the invoke it
  // sent found the attempt held and came back once the lease was over (two invoke messages, not one)
  expect(sends.get('invoke')).toBe(2);
  expectContiguousIds(await t.history(arn));
});

it('a worker failing after an inline task ran: the redelivered message sends its invoke again at once (the local engine is the sole holder)', async () => {
  const t = await engine({ tasks: { Add: (input: unknown) => ({ n: (input as { n: number }).n + 1 }) }, timeScale: 0, visibilityTimeoutSeconds: 0.1 });
  let crashed = false;
  t.deps.fault = (point) => {
    if (point === 'after-invoke' && !crashed) {
      crashed = true;
      throw new Error('injected crash after the inline invoke');
    }
  };
  const sends = countSends(t);
  const sm = await t.machine('crash', { StartAt: 'A', States: { A: { Type: 'Task', Resource: FN('Add'), End: true } } });
  const arn = await t.start(sm, { n: 1 });
  const done = await t.finished(arn);
  expect(crashed).toBe(true);
  expect(done.status).toBe('SUCCEEDED');
  expect(JSON.parse(done.output!)).toEqual({ n: 2 });
  expect([...t.invoker.countsFor(arn).values()]).toEqual([2]);
  expect(sends.get('invoke')).toBe(1); // the flush of the redelivered start sent it
  expectContiguousIds(await t.history(arn));
});

describe("a finished execution's last outbox stays in its record", () => {
  it('another process reading the history finds the last step written and writes nothing; a last step whose history write died is written by the redelivery', async () => {
    const t = await engine({ tasks: { Add: (input: unknown) => ({ n: (input as { n: number }).n + 1 }) }, timeScale: 0, visibilityTimeoutSeconds: 0.1 });
    const sm = await t.machine('ends', { StartAt: 'A', States: { A: { Type: 'Task', Resource: FN('Add'), Next: 'B' }, B: { Type: 'Pass', End: true } } });
    const arn = await t.start(sm, { n: 1 });
    const done = await t.finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.outbox?.events.at(-1)?.type).toBe('ExecutionSucceeded');
    // another process (its own store object: none of this one's memory of flushes) on the same table
    const other = { ...t.deps, store: new DynamoExecutionStore({ client: t.engine.dynamo.client, tableName: t.engine.dynamo.tableName }) };
    const writes = jest.spyOn(other.store, 'appendHistory');
    const updates = jest.spyOn(other.store, 'updateExecution');
    expect(await outboxSettled(other, done)).toBe(true);
    const events = (await svc.getExecutionHistory(other, { executionArn: arn })).items;
    expect(events.map((e) => e.type).slice(-3)).toEqual(['PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expectContiguousIds(events);
    expect(writes).not.toHaveBeenCalled();
    expect(updates).not.toHaveBeenCalled();
    // a record whose last step's events are not in the history (as if that write had been lost): not settled
    const last = done.outbox!.events.at(-1)!;
    expect(await outboxSettled(other, { ...done, outbox: { ...done.outbox!, events: [{ ...last, id: last.id + 1 }] } })).toBe(false);

    // the worker dies right after the last commit (the second: the start's, then A's answer's), before that
    // step's history is written: its message comes back, finishes the outbox and clears it
    let commits = 0;
    t.deps.fault = (point) => {
      if (point === 'after-commit' && ++commits === 2) throw new Error('the worker dies right after the last commit');
    };
    const crashed = await t.start(sm, { n: 5 }, 'crashed');
    const recovered = await t.finished(crashed);
    expect(commits).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(recovered.output!)).toEqual({ n: 6 });
    const after = await t.history(crashed);
    expectContiguousIds(after);
    expect(after.at(-1)?.type).toBe('ExecutionSucceeded');
  });
});
