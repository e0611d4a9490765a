/**
 * Timers of the durable runtime: task timeouts and heartbeats, execution timeouts, Waits and retry
 * intervals, all carried by delayed queue messages. Time scales shrink the waits to milliseconds; the
 * tests wait for outcomes, never for a given duration. Waits beyond SQS's 900 s limit (re-delayed
 * through `notBefore`) are unit-tested with a fake clock.
 */
import { effectsToMessages, MAX_QUEUE_DELAY_SECONDS } from '../../lambda/runtime/effects';
import { processMessage } from '../../lambda/runtime/process-message';
import * as svc from '../../lambda/runtime/service';
import type { EngineDeps } from '../../lambda/runtime/deps';
import type { Effect } from '../../lambda/engine/types';
import type { Clock, ExecutionStore, OutgoingMessage, WorkMessage } from '../../lambda/ports';
import { deferred, FN, perRecord, startTestEngine, type TestEngine, type TestEngineOptions, until } from './harness';

const engines: TestEngine[] = [];
async function engine(opts: TestEngineOptions): Promise<TestEngine> {
  const t = await startTestEngine(opts);
  engines.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((t) => t.close()));
});

type EventMessage = Extract<WorkMessage, { kind: 'event' }>;

/** Timer messages, one per timer token (a message may legitimately be sent twice). */
function timersOf(sent: OutgoingMessage[]): { token: string; delaySeconds: number; notBefore?: string }[] {
  const byToken = new Map<string, { token: string; delaySeconds: number; notBefore?: string }>();
  for (const m of sent) {
    if (m.body.kind !== 'event' || m.body.event.type !== 'TimerFired') continue;
    const body = m.body as EventMessage & { event: { token: string } };
    if (!byToken.has(body.event.token)) byToken.set(body.event.token, { token: body.event.token, delaySeconds: m.delaySeconds ?? 0, notBefore: body.notBefore });
  }
  return [...byToken.values()];
}

/** Records what the runtime sends to the queue (it still goes to the real queue). */
function recordSends(t: TestEngine): OutgoingMessage[] {
  const sent: OutgoingMessage[] = [];
  const real = t.engine.queue.send.bind(t.engine.queue);
  t.engine.queue.send = async (messages) => {
    sent.push(...messages);
    return real(messages);
  };
  return sent;
}

const callbackTask = (extra: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: 'Park', Payload: { 'token.$': '$$.Task.Token' } },
  ...extra,
});

function parking() {
  const tokens = new Map<string, string>();
  return {
    tasks: { Park: (input: unknown, ctx: { executionArn: string }) => void tokens.set(ctx.executionArn, (input as { token: string }).token) },
    token: (arn: string) => until(`the task token of ${arn}`, () => tokens.get(arn)),
  };
}

const types = (events: { type: string }[]) => events.map((e) => e.type);

describe('task timeouts and heartbeats', () => {
  it('TimeoutSeconds: a task that does not answer in time fails with States.Timeout; its late answer is ignored', async () => {
    const gate = deferred();
    const t = await engine({ timeScale: 0.01, tasks: { Slow: async () => (await gate.promise, { late: true }) } });
    const sm = await t.machine('slow', { StartAt: 'Slow', States: { Slow: { Type: 'Task', Resource: FN('Slow'), TimeoutSeconds: 5, End: true } } });
    const arn = await t.start(sm, {});
    const rec = await t.finished(arn);
    expect(rec).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const before = await t.history(arn);
    expect(types(before).slice(-2)).toEqual(['LambdaFunctionTimedOut', 'ExecutionFailed']);
    expect(before.at(-2)!.lambdaFunctionTimedOutEventDetails).toEqual({ error: 'States.Timeout' });

    gate.resolve();
    await t.engine.idle();
    expect(await t.history(arn)).toEqual(before);
    expect((await t.get(arn)).status).toBe('FAILED');
  });

  it('TimeoutSeconds is catchable like any task error', async () => {
    const gate = deferred();
    const t = await engine({ timeScale: 0.01, tasks: { Slow: async () => gate.promise } });
    const sm = await t.machine('slow-caught', {
      StartAt: 'Slow',
      States: {
        Slow: { Type: 'Task', Resource: FN('Slow'), TimeoutSeconds: 3, Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Recovered' }], End: true },
        Recovered: { Type: 'Pass', End: true },
      },
    });
    const arn = await t.start(sm, { job: 1 });
    const rec = await t.finished(arn);
    gate.resolve();
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({ job: 1, error: { Error: 'States.Timeout' } });
  });

  it('HeartbeatSeconds: a callback task with no heartbeat fails with States.HeartbeatTimeout', async () => {
    const park = parking();
    const t = await engine({ timeScale: 0.01, tasks: park.tasks });
    const sm = await t.machine('no-heartbeat', { StartAt: 'Park', States: { Park: callbackTask({ HeartbeatSeconds: 5, End: true }) } });
    const arn = await t.start(sm, {});
    const token = await park.token(arn);
    const rec = await t.finished(arn);
    expect(rec).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    const events = await t.history(arn);
    expect(events.at(-2)).toMatchObject({ type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.HeartbeatTimeout' } });
    await expect(svc.sendTaskSuccess(t.deps, { taskToken: token, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
  });

  it('SendTaskHeartbeat keeps a callback task alive past several heartbeat periods', async () => {
    const park = parking();
    // The heartbeat timers reach the worker only when the test lets them, so the order is the same
    // however slow the machine is (no heartbeat has to beat a real-time period): each heartbeat is
    // sent once the period armed by the one before has run out, before that timer is handled.
    const arrived = new Map<string, () => void>();
    const handled = new Set<string>();
    const t = await engine({
      timeScale: 0.01,
      visibilityTimeoutSeconds: 3600, // a held timer is not redelivered meanwhile
      tasks: park.tasks,
      wrapWorker: (worker) => (event) =>
        perRecord(event, async (one) => {
          const body = JSON.parse(one.Records[0].body) as WorkMessage;
          const token = body.kind === 'event' && body.event.type === 'TimerFired' ? (body.event as { token: string }).token : undefined;
          if (token !== undefined) await new Promise<void>((go) => arrived.set(token, go));
          const out = await worker(one);
          if (token !== undefined) handled.add(token);
          return out;
        }),
    });
    const sent = recordSends(t);
    // 50 s -> 0.5 s per period; three heartbeats, each one period after the one before.
    const sm = await t.machine('heartbeats', { StartAt: 'Park', States: { Park: callbackTask({ HeartbeatSeconds: 50, ResultPath: '$.answer', End: true }) } });
    const arn = await t.start(sm, { n: 1 });
    const token = await park.token(arn);
    const beats = 3;
    for (let beat = 1; beat <= beats; beat++) {
      const armed = timersOf(sent);
      const previous = armed[armed.length - 1].token;
      await until(`the timer armed before heartbeat ${beat} to fire`, () => (arrived.has(previous) ? true : undefined), { engine: t.engine });
      await svc.sendTaskHeartbeat(t.deps, { taskToken: token });
      arrived.get(previous)!();
      await until(`the timer armed before heartbeat ${beat} to be handled`, () => (handled.has(previous) ? true : undefined), { engine: t.engine });
      expect((await t.get(arn)).status).toBe('RUNNING');
    }
    await svc.sendTaskSuccess(t.deps, { taskToken: token, output: '"done"' });
    const rec = await t.finished(arn);
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({ n: 1, answer: 'done' });
    // Every heartbeat armed a new timer; the last one fires after the end and changes nothing.
    expect(timersOf(sent)).toHaveLength(beats + 1);
    const last = timersOf(sent)[beats].token;
    await until('the last timer to fire', () => (arrived.has(last) ? true : undefined), { engine: t.engine });
    arrived.get(last)!();
    await t.engine.idle();
    const events = await t.history(arn);
    expect(types(events)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
  });
});

describe('execution timeouts, Waits and retries', () => {
  it('execution TimeoutSeconds ends a long execution TIMED_OUT', async () => {
    const t = await engine({ timeScale: 0.01 });
    const sm = await t.machine('timeout', { TimeoutSeconds: 10, StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } });
    const arn = await t.start(sm, {});
    const rec = await t.finished(arn);
    expect(rec).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const events = await t.history(arn);
    expect(types(events)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
    expect(events[2].executionTimedOutEventDetails).toMatchObject({ error: 'States.Timeout' });
  });

  it('a Wait of 3600 s at time scale 0.001 completes, through one delayed message', async () => {
    const t = await engine({ timeScale: 0.001 });
    const sent = recordSends(t);
    const sm = await t.machine('hour', { StartAt: 'Hour', States: { Hour: { Type: 'Wait', Seconds: 3600, Next: 'Done' }, Done: { Type: 'Pass', Result: 'woke', End: true } } });
    const arn = await t.start(sm, {});
    const rec = await t.finished(arn);
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toBe('woke');
    const timers = timersOf(sent);
    expect(timers).toHaveLength(1);
    expect(timers[0].delaySeconds).toBeCloseTo(3.6, 1);
    expect(timers[0].notBefore).toBeUndefined();
    expect(types(await t.history(arn))).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  it('retry intervals are timers too; each attempt gets its own stable idempotency key', async () => {
    const t2 = await engine({
      timeScale: 0.01,
      tasks: {
        // attempts 1 and 2 fail, 3 succeeds
        Flaky: (_input, ctx) => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
          if (ctx.attempt < 3) throw { error: 'Flaky.Error', cause: `attempt ${ctx.attempt}` };
          return { attempt: ctx.attempt };
        },
      },
    });
    const sm2 = await t2.machine('flaky', { StartAt: 'Flaky', States: { Flaky: { Type: 'Task', Resource: FN('Flaky'), Retry: [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 1 }], End: true } } });
    const arn2 = await t2.start(sm2, {});
    const rec = await t2.finished(arn2);
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({ attempt: 3 });
    const calls = t2.invoker.calls.filter((c) => c.executionArn === arn2);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(3);
    expect(calls.every((c) => c.idempotencyKey.startsWith(`${arn2}#`))).toBe(true);
    expect(types(await t2.history(arn2)).filter((x) => x.startsWith('LambdaFunction'))).toEqual([
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded',
    ]);
  });

  it('time scale 0: Waits and retries end at once, but deadlines keep real time (a callback task can still be answered)', async () => {
    const park = parking();
    const t = await engine({ timeScale: 0, tasks: park.tasks });
    const sent = recordSends(t);
    const sm = await t.machine('scale-zero', {
      TimeoutSeconds: 3600,
      StartAt: 'Nap',
      States: {
        Nap: { Type: 'Wait', Seconds: 3600, Next: 'Park' },
        Park: callbackTask({ TimeoutSeconds: 60, HeartbeatSeconds: 30, ResultPath: '$.answer', End: true }),
      },
    });
    const arn = await t.start(sm, {});
    const token = await park.token(arn);
    const timers = timersOf(sent);
    // execution timeout (real: 3600 s, so 900 s and a notBefore), Wait (none), task timeout and heartbeat (real)
    expect(timers.map((m) => Math.round(m.delaySeconds))).toEqual([900, 0, 60, 30]);
    expect(timers[0].notBefore).toBeDefined();
    await svc.sendTaskSuccess(t.deps, { taskToken: token, output: '{"ok":true}' });
    const rec = await t.finished(arn);
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({ answer: { ok: true } });
  });
});

describe('waits beyond the queue delay limit (notBefore), with a fake clock', () => {
  const T0 = Date.parse('2030-01-01T00:00:00.000Z');
  const ARN = 'arn:aws:states:us-east-1:123456789012:execution:sm:long';
  const timer = (seconds: number, purpose: 'wait' | 'timeout' = 'wait'): Effect => ({ type: 'SetTimer', token: '7', at: new Date(T0 + seconds * 1000).toISOString(), purpose });

  it('effectsToMessages: up to 900 s one delayed message; beyond, 900 s plus notBefore at the due time', () => {
    expect(effectsToMessages(ARN, [timer(900)], T0)).toEqual([{ body: { kind: 'event', executionArn: ARN, event: { type: 'TimerFired', token: '7' } }, delaySeconds: 900 }]);
    const [long] = effectsToMessages(ARN, [timer(2000)], T0);
    expect(long).toEqual({
      body: { kind: 'event', executionArn: ARN, event: { type: 'TimerFired', token: '7' }, notBefore: new Date(T0 + 2000_000).toISOString() },
      delaySeconds: MAX_QUEUE_DELAY_SECONDS,
    });
    // Scaled: 2 h at 0.1 is 720 s, one hop; 5 h at 0.1 is 1800 s, two.
    expect(effectsToMessages(ARN, [timer(7200)], T0, 0.1)[0]).toEqual({ body: expect.not.objectContaining({ notBefore: expect.anything() }), delaySeconds: 720 });
    expect(effectsToMessages(ARN, [timer(18000)], T0, 0.1)[0]).toMatchObject({ delaySeconds: 900, body: { notBefore: new Date(T0 + 1800_000).toISOString() } });
    // Time scale 0: a Wait is due now; a deadline keeps real time.
    expect(effectsToMessages(ARN, [timer(2000)], T0, 0)[0].delaySeconds).toBe(0);
    expect(effectsToMessages(ARN, [timer(2000, 'timeout')], T0, 0)[0]).toMatchObject({ delaySeconds: 900, body: { notBefore: new Date(T0 + 2000_000).toISOString() } });
  });

  it('processMessage re-delays an early message until its notBefore, then applies it', async () => {
    let now = T0;
    const clock: Clock = { now: () => new Date(now) };
    const sent: OutgoingMessage[] = [];
    const getExecution = jest.fn(async () => undefined);
    const deps = {
      clock,
      queue: { send: async (m: OutgoingMessage[]) => void sent.push(...m) },
      store: { getExecution } as unknown as ExecutionStore,
      timeScale: 1,
    } as unknown as EngineDeps;

    let [msg] = effectsToMessages(ARN, [timer(2000)], T0);
    // The queue hands it over 900 s later: still 1100 s early -> another 900 s hop.
    now = T0 + 900_000;
    await processMessage(deps, msg.body);
    expect(getExecution).not.toHaveBeenCalled();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({ body: msg.body, delaySeconds: 900 });

    // 1800 s: 200 s left -> the last hop, a plain delay.
    msg = sent.shift()!;
    now = T0 + 1800_000;
    await processMessage(deps, msg.body);
    expect(getExecution).not.toHaveBeenCalled();
    expect(sent).toHaveLength(1);
    expect(sent[0].delaySeconds).toBeCloseTo(200, 6);
    expect(JSON.parse(JSON.stringify(sent[0].body))).toEqual({ kind: 'event', executionArn: ARN, event: { type: 'TimerFired', token: '7' } });

    // Due: the event goes to the execution.
    msg = sent.shift()!;
    now = T0 + 2000_000;
    await processMessage(deps, JSON.parse(JSON.stringify(msg.body)));
    expect(getExecution).toHaveBeenCalledWith(ARN);
    expect(sent).toHaveLength(0);

    // A message carrying a notBefore that has passed is applied at once.
    getExecution.mockClear();
    await processMessage(deps, { kind: 'event', executionArn: ARN, event: { type: 'TimerFired', token: '7' }, notBefore: new Date(T0 + 1000).toISOString() });
    expect(getExecution).toHaveBeenCalledWith(ARN);
    expect(sent).toHaveLength(0);
  });
});
