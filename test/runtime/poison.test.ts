/**
 * A message that can never be processed ends in the dead-letter list after the configured receives,
 * and its execution fails with a clear cause instead of hanging; once fixed, a redrive resumes it.
 */
import { expectContiguousIds, startTestEngine, until, FN } from './harness';
import { redriveExecution } from '../../lambda/runtime/service';

it('poison message: dead-letter after maxReceiveCount, execution FAILED with the cause, redrivable', async () => {
  let broken = true;
  // (tasks through invoke messages, not inline in the start message: the invoke message is the poisoned one)
  const t = await startTestEngine({ timeScale: 0, visibilityTimeoutSeconds: 0.05, maxReceiveCount: 3, inlineTasks: false });
  // an invoker bug (it throws instead of reporting a task failure) makes the invoke message fail every time
  const real = t.deps.invoker;
  t.deps.invoker = {
    invoke: async (req) => {
      if (broken) throw new Error('invoker exploded');
      return real.invoke(req);
    },
  };
  t.deps.taskLeaseSeconds = 0;
  try {
    const sm = await t.machine('poisoned', { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('missing'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true }, Caught: { Type: 'Pass', End: true } } });
    const arn = await t.start(sm, { a: 1 });
    const rec = await t.finished(arn, 20_000);
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toBe('Stepwright.WorkerFailure');
    expect(rec.cause).toMatch(/A work message \(invoke\) for this execution failed 3 times and went to the dead-letter queue\. Last error: invoker exploded/);
    // (with a 50 ms visibility timeout a slow machine may also redeliver the start message past its
    // receive count, as SQS would: look for the invoke message among the dead letters)
    const invokeLetter = () => t.engine.queue.deadLetters().find((d) => (d.body as { kind?: string }).kind === 'invoke');
    await until('the dead letter', () => (invokeLetter() ? true : undefined));
    expect(invokeLetter()!.body).toMatchObject({ kind: 'invoke', executionArn: arn });

    broken = false;
    await redriveExecution(t.deps, { executionArn: arn });
    const again = await t.finished(arn, 20_000);
    // the task has no local function: it fails as a task, which the Catch handles
    expect(again.status).toBe('SUCCEEDED');
    expect(JSON.parse(again.output!)).toMatchObject({ Error: 'States.TaskFailed' });
  } finally {
    await t.close();
  }
});

it('a failing message is retried after growing backoffs, not the visibility timeout, then dead-lettered with its execution FAILED', async () => {
  // A visibility timeout of 10 s: three redeliveries that waited for it would outlast the 20 s guard below.
  // (tasks through invoke messages: a task run inline fails its start message once before its invoke is sent)
  const t = await startTestEngine({ timeScale: 0.01, visibilityTimeoutSeconds: 10, maxReceiveCount: 4, inlineTasks: false });
  const real = t.deps.invoker;
  const attempts: number[] = [];
  t.deps.invoker = {
    invoke: async (req) => {
      attempts.push(attempts.length + 1);
      if (attempts.length > 0) throw new Error('DynamoDB says: ProvisionedThroughputExceededException');
      return real.invoke(req);
    },
  };
  t.deps.taskLeaseSeconds = 0;
  // the jitter's draw fixed near its top, so each delay is (almost) its ceiling
  t.deps.random = { ...t.deps.random, random: () => 0.9 };
  const queue = t.engine.queue;
  const realRetryAfter = queue.retryAfter.bind(queue);
  const delays: number[] = [];
  queue.retryAfter = async (handle: string, seconds: number) => {
    delays.push(seconds);
    return realRetryAfter(handle, seconds);
  };
  try {
    const sm = await t.machine('throttled', { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('anything'), End: true } } });
    const arn = await t.start(sm, {});
    const rec = await t.finished(arn, 20_000);
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toBe('Stepwright.WorkerFailure');
    expect(rec.cause).toMatch(/A work message \(invoke\) for this execution failed 4 times and went to the dead-letter queue\. Last error: DynamoDB says/);
    expect(attempts).toEqual([1, 2, 3, 4]);
    // (the execution is FAILED before its last delivery is settled: wait for the dead letter)
    await until('the dead letter', () => queue.deadLetters().find((d) => d.body.kind === 'invoke'));
    // 0.9 x min(300, 2 x 2^(n-1)) s, times the engine's time scale; the last delivery: visible at once, for the dead letters
    expect(delays).toHaveLength(4);
    [0.9 * 2 * 0.01, 0.9 * 4 * 0.01, 0.9 * 8 * 0.01, 0].forEach((d, i) => expect(delays[i]).toBeCloseTo(d, 10));
    expect(queue.deadLetters()).toEqual([expect.objectContaining({ receiveCount: 4, body: expect.objectContaining({ kind: 'invoke', executionArn: arn }) })]);
  } finally {
    await t.close();
  }
});

it('the last delivery ends the execution FAILED even when the execution itself is what fails (the interpreter throws on every read)', async () => {
  let poisoned = false;
  const t = await startTestEngine({
    timeScale: 0.01,
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 3,
    // as a snapshot that makes the engine throw RangeError would: every applyEvent on it fails, FailExecution's too
    fault: (point) => {
      if (poisoned && point === 'after-read') throw new RangeError('Invalid array length');
    },
  });
  try {
    const NAP = { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 5, Next: 'Woke' }, Woke: { Type: 'Pass', End: true } } };
    const sm = await t.machine('napper', NAP);
    const arn = await t.start(sm, { a: 1 });
    await until('the Wait to be entered', async () => {
      const rec = await t.get(arn);
      return rec.snapshot && !rec.outbox && Object.values(rec.snapshot.runs).some((r) => r.waiting?.kind === 'timer') ? rec : undefined;
    });
    poisoned = true; // the timer's message, 50 ms away, fails on each of its 3 deliveries

    const rec = await t.finished(arn, 20_000);
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toBe('Stepwright.WorkerFailure');
    expect(rec.cause).toBe('A work message (event) for this execution failed 3 times and went to the dead-letter queue. Last error: Invalid array length');
    expect(rec.stopDate).toBeDefined();
    expect(rec.snapshot).toMatchObject({ status: 'FAILED', error: 'Stepwright.WorkerFailure', stopDate: rec.stopDate });
    const events = await t.history(arn);
    expectContiguousIds(events);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionFailed']);
    expect(events.at(-1)).toMatchObject({ executionFailedEventDetails: { error: 'Stepwright.WorkerFailure', cause: rec.cause } });
    await until('the dead letter', () => t.engine.queue.deadLetters().find((d) => d.body.kind === 'event'));
    expect(t.engine.queue.deadLetters()).toEqual([expect.objectContaining({ receiveCount: 3, body: expect.objectContaining({ kind: 'event', executionArn: arn }) })]);

    // kept redrivable: once the fault is gone, a redrive continues from the Wait
    poisoned = false;
    await redriveExecution(t.deps, { executionArn: arn });
    const again = await t.finished(arn, 20_000);
    expect(again.status).toBe('SUCCEEDED');
    expect(JSON.parse(again.output!)).toEqual({ a: 1 });
  } finally {
    await t.close();
  }
});
