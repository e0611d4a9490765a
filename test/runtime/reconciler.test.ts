/**
 * The reconciler (lambda/runtime/reconciler.ts) resumes executions that a crash left without pending
 * work. Each test loses exactly the piece of work a crash would lose (a message dropped on its way to
 * the queue, a process dying right after a commit) on the real local engine, then shows that a sweep or
 * the API's watchdog message brings the execution to the same end as a clean run, with no transition
 * written twice.
 */
import * as svc from '../../lambda/runtime/service';
import { sweep, reconcileRecord } from '../../lambda/runtime/reconciler';
import type { OutgoingMessage, WorkMessage } from '../../lambda/ports';
import type { EngineDeps } from '../../lambda/runtime/deps';
import { expectContiguousIds, startTestEngine, type TestEngine, type TestEngineOptions, until } from './harness';

const engines: TestEngine[] = [];
async function engine(opts: TestEngineOptions = {}): Promise<TestEngine> {
  // the periodic sweep is off: each test runs the sweep itself, at the moment it means
  const t = await startTestEngine({ reconcileAfterSeconds: 0, ...opts });
  engines.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((t) => t.close()));
});

/** Drops the messages `lose` picks on their way to the (real) queue, as a crash before they were sent would. */
function losing(t: TestEngine, lose: (body: WorkMessage) => boolean): OutgoingMessage[] {
  const lost: OutgoingMessage[] = [];
  const real = t.engine.queue.send.bind(t.engine.queue);
  t.engine.queue.send = async (messages) => {
    const kept = messages.filter((m) => {
      if (!lose(m.body)) return true;
      lost.push(m);
      return false;
    });
    return real(kept);
  };
  return lost;
}

/** The crash is over (the queue takes messages again); then a sweep as it would run `ms` from now. */
function healedSweep(t: TestEngine, ms: number, staleAfterMs: number) {
  t.engine.queue.send = Object.getPrototypeOf(t.engine.queue).send.bind(t.engine.queue);
  return sweep(later(t.deps, ms), { staleAfterMs });
}

/** The same deps, `ms` later: what a sweep sees once the bound has passed. */
function later(deps: EngineDeps, ms: number): EngineDeps {
  return { ...deps, clock: { now: () => new Date(Date.now() + ms) } };
}

const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const TASK_WAIT_TASK = {
  StartAt: 'First',
  States: {
    First: { Type: 'Task', Resource: FN('Double'), ResultPath: '$.first', Next: 'Nap' },
    Nap: { Type: 'Wait', Seconds: 2, Next: 'Second' },
    Second: { Type: 'Task', Resource: FN('Double'), InputPath: '$.first', ResultPath: '$.second', End: true },
  },
};
const tasks = { Double: (input: unknown) => ({ n: ((input as { n: number }).n ?? 0) * 2 }) };

it('an execution whose start message was lost (the API died after its put) is started by the sweep', async () => {
  const t = await engine({ tasks });
  const sm = await t.machine('lost-start', TASK_WAIT_TASK);
  const lost = losing(t, (b) => b.kind === 'start');
  const arn = await t.start(sm, { n: 3 });
  expect(lost).toHaveLength(1);
  await t.engine.idle();
  const stranded = await t.get(arn);
  expect(stranded.status).toBe('RUNNING');
  expect(stranded.snapshot).toBeUndefined();
  t.engine.queue.send = Object.getPrototypeOf(t.engine.queue).send.bind(t.engine.queue);

  // Within the bound nothing happens: the start may still be on its way.
  expect(await sweep(t.deps, { staleAfterMs: 60_000 })).toMatchObject({ started: 0 });
  const report = await sweep(later(t.deps, 61_000), { staleAfterMs: 60_000 });
  expect(report).toMatchObject({ started: 1 });
  const rec = await t.finished(arn);
  expect(rec.status).toBe('SUCCEEDED');
  expect(JSON.parse(rec.output!)).toEqual({ n: 3, first: { n: 6 }, second: { n: 12 } });
  const events = await t.history(arn);
  expectContiguousIds(events);
  expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
});

it('a lost timer message: the sweep fires the timer once it is past due, and only then', async () => {
  const t = await engine({ tasks, timeScale: 1 });
  const sm = await t.machine('lost-timer', TASK_WAIT_TASK);
  const lost = losing(t, (b) => b.kind === 'event' && b.event.type === 'TimerFired');
  const arn = await t.start(sm, { n: 1 });
  await until('the timer to be lost', () => (lost.length ? true : undefined));
  await until('the Wait to be committed', async () => ((await t.get(arn)).outbox ? undefined : true));
  // not yet due: a sweep must not cut the Wait short
  expect(await sweep(later(t.deps, 0), { staleAfterMs: 0 })).toMatchObject({ resent: 0 });
  expect((await t.get(arn)).status).toBe('RUNNING');
  const report = await healedSweep(t, 3_000, 0);
  expect(report.resent).toBeGreaterThanOrEqual(1);
  const rec = await t.finished(arn);
  expect(rec.status).toBe('SUCCEEDED');
  expect(JSON.parse(rec.output!).second).toEqual({ n: 4 });
  const events = await t.history(arn);
  expectContiguousIds(events);
  expect(events.filter((e) => e.type === 'WaitStateExited')).toHaveLength(1);
});

it('a lost invoke: re-sent once the task lease has run out, and the task runs once', async () => {
  // real time: the task's 30 s timeout must not run out during the test; tasks through invoke messages
  const t = await engine({ tasks, timeScale: 1, inlineTasks: false });
  const sm = await t.machine('lost-invoke', { StartAt: 'Only', States: { Only: { Type: 'Task', Resource: FN('Double'), TimeoutSeconds: 30, End: true } } });
  const lost = losing(t, (b) => b.kind === 'invoke');
  const arn = await t.start(sm, { n: 5 });
  await until('the invoke to be lost', () => (lost.length ? true : undefined));
  await until('the task to be committed', async () => ((await t.get(arn)).outbox ? undefined : true));
  t.engine.queue.send = Object.getPrototypeOf(t.engine.queue).send.bind(t.engine.queue);
  const rec = await t.get(arn);
  // within the lease (30 s + 60 s), a task may still be running: left alone
  expect((await reconcileRecord(later(t.deps, 60_000), rec, { staleAfterMs: 0 })).resent).toBe(0);
  expect((await reconcileRecord(later(t.deps, 91_000), rec, { staleAfterMs: 0 })).resent).toBe(1);
  const done = await t.finished(arn);
  expect(done.status).toBe('SUCCEEDED');
  expect(JSON.parse(done.output!)).toEqual({ n: 10 });
  expect([...t.invoker.countsFor(arn).values()]).toEqual([1]);
});

it('the API dying between a SendTaskSuccess commit and its flush: the watchdog message finishes the execution', async () => {
  const tokens = new Map<string, string>();
  const t = await engine({
    tasks: { Park: (input: unknown, ctx: { executionArn: string }) => void tokens.set(ctx.executionArn, (input as { token: string }).token) },
    reconcileAfterSeconds: 2,
    timeScale: 0.01,
  });
  const sm = await t.machine('callback', {
    StartAt: 'Park',
    States: {
      Park: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'Park', Payload: { 'token.$': '$$.Task.Token' } }, ResultPath: '$.answer', Next: 'Done' },
      Done: { Type: 'Pass', End: true },
    },
  });
  const arn = await t.start(sm, { who: 'me' });
  const token = await until('the token', () => tokens.get(arn));
  await until('the task to be waiting', async () => ((await t.get(arn)).outbox ? undefined : true));
  // the API process "dies" right after its commit: nothing after it runs
  t.deps.fault = (point) => {
    if (point === 'after-commit') throw new Error('crash after commit');
  };
  await expect(svc.sendTaskSuccess(t.deps, { taskToken: token, output: '{"ok":true}' })).rejects.toThrow('crash after commit');
  t.deps.fault = undefined;
  const crashed = await t.get(arn);
  expect(crashed.status).toBe('SUCCEEDED');
  expect(crashed.outbox).toBeDefined();
  expect((await t.history(arn)).map((e) => e.type)).not.toContain('ExecutionSucceeded');
  // the watchdog, sent before the commit, arrives after the bound and flushes what was left
  await until('the outbox to be flushed', async () => ((await t.get(arn)).outbox ? undefined : true));
  const events = await t.history(arn);
  expectContiguousIds(events);
  expect(events.map((e) => e.type).slice(-3)).toEqual(['PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  expect(JSON.parse((await t.get(arn)).output!)).toEqual({ who: 'me', answer: { ok: true } });
});

it('a spread Map whose collect message was lost: the stale parent is found and its fan-in completed', async () => {
  const t = await engine({ tasks, fanOut: 'spread' });
  const sm = await t.machine('lost-collect', {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'D', States: { D: { Type: 'Task', Resource: FN('Double'), End: true } } }, End: true } },
  });
  const lost = losing(t, (b) => b.kind === 'collect');
  const arn = await t.start(sm, { items: [{ n: 1 }, { n: 2 }, { n: 3 }] });
  await until('the collect to be lost', () => (lost.length ? true : undefined));
  await t.engine.idle();
  expect((await t.get(arn)).status).toBe('RUNNING');
  const report = await healedSweep(t, 61_000, 60_000);
  expect(report.resent).toBeGreaterThanOrEqual(1);
  const rec = await t.finished(arn);
  expect(rec.status).toBe('SUCCEEDED');
  expect(JSON.parse(rec.output!)).toEqual([{ n: 2 }, { n: 4 }, { n: 6 }]);
  expectContiguousIds(await t.history(arn));
});

it('a spread Map whose children end within the bound is left alone, even with none running (a backlog of starts); once nothing moves, the lost start is re-sent', async () => {
  // The items' task runs inline: a child goes from unstarted to ended in its startChild message, so at a
  // sweep none may be running while the queue still holds starts. Item 1's start is lost here.
  const slow = { Double: async (input: unknown) => (await new Promise((r) => setTimeout(r, 30)), { n: (input as { n: number }).n * 2 }) };
  const t = await engine({ tasks: slow, fanOut: 'spread' });
  const sm = await t.machine('backlog', {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'D', States: { D: { Type: 'Task', Resource: FN('Double'), End: true } } }, End: true } },
  });
  const lost = losing(t, (b) => b.kind === 'startChild' && b.executionArn.endsWith('/1'));
  const arn = await t.start(sm, { items: [{ n: 1 }, { n: 2 }] });
  await until('item 1 to be lost', () => (lost.length ? true : undefined));
  await t.engine.idle();
  t.engine.queue.send = Object.getPrototypeOf(t.engine.queue).send.bind(t.engine.queue);
  const parent = await t.get(arn);
  const ended = await t.get(`${arn}/Each/1/0`);
  expect(ended.status).toBe('SUCCEEDED');
  const gap = Date.parse(ended.updatedAt!) - Date.parse(parent.updatedAt!);
  expect(gap).toBeGreaterThan(2); // the task took 30 ms after the parent's last write
  // a sweep right after item 0 ended, with a bound that makes the parent stale but item 0 fresh: moving
  const at = (ms: number): EngineDeps => ({ ...t.deps, clock: { now: () => new Date(ms) } });
  const justAfter = Date.parse(ended.updatedAt!) + 1;
  expect(await reconcileRecord(at(justAfter), parent, { staleAfterMs: gap - 1 })).toMatchObject({ resent: 0 });
  // nothing written for the bound since: item 1's lost start is sent again (and item 0's end reported
  // again: the fan-in is idempotent)
  expect(await reconcileRecord(at(justAfter + gap), parent, { staleAfterMs: gap - 1 })).toMatchObject({ resent: 2 });
  const rec = await t.finished(arn);
  expect(JSON.parse(rec.output!)).toEqual([{ n: 2 }, { n: 4 }]);
});

it('a healthy running execution is left alone: nothing is sent while it is within the bound', async () => {
  const t = await engine({ tasks, timeScale: 1 });
  const sm = await t.machine('healthy', TASK_WAIT_TASK);
  const arn = await t.start(sm, { n: 1 });
  await until('the Wait', async () => {
    const rec = await t.get(arn);
    return !rec.outbox && Object.values(rec.snapshot?.runs ?? {}).some((r) => r.waiting?.kind === 'timer') ? true : undefined;
  });
  expect(await sweep(t.deps, { staleAfterMs: 60_000 })).toEqual({ checked: 1, flushed: 0, started: 0, resent: 0 });
  expect((await t.finished(arn)).status).toBe('SUCCEEDED');
});
