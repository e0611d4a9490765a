/**
 * The runtime's guarantees on the local engine (real dynalite, LocalQueue, worker handler):
 *   (a) every message delivered twice and out of order changes nothing;
 *   (b) a worker that dies at any step of a commit loses and repeats nothing (a task may run twice
 *       only when the crash came after it ran and before its answer was committed);
 *   (c) workers racing on one execution lose no update.
 * "Nothing changed" means: the right status and output, history ids 1..N with no event twice, and
 * the same events as a clean run of the same input (concurrent branches may interleave differently).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SQSEvent } from 'aws-lambda';
import type { FaultPoint } from '../../lambda/runtime/deps';
import type { HistoryEvent } from '../../lambda/engine/history';
import type { OutgoingMessage, WorkMessage } from '../../lambda/ports';
import { canonical, deferred, expectContiguousIds, FN, perRecord, seeded, shuffle, startTestEngine, type TestEngine } from './harness';
import { outboxSettled } from '../../lambda/runtime/advance-execution';

// ------------------------------------------------------------------ the workflow under test

/** Pass, Choice, Task (with a Retry), Wait, Parallel with a Map, a Wait + Task branch and a Pass branch. */
const WORKFLOW = {
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Parameters: { 'n.$': '$.n', 'items.$': '$.items' }, Next: 'Route' },
    Route: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 0, Next: 'Double' }], Default: 'Skip' },
    Skip: { Type: 'Pass', Result: 0, ResultPath: '$.doubled', Next: 'Pause' },
    Double: { Type: 'Task', Resource: FN('Double'), InputPath: '$.n', ResultPath: '$.doubled', Next: 'Check' },
    Check: {
      Type: 'Task',
      Resource: FN('Flaky'),
      InputPath: '$.doubled',
      ResultPath: '$.checked',
      Retry: [{ ErrorEquals: ['Flaky.Again'], IntervalSeconds: 1, MaxAttempts: 2 }],
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', Seconds: 5, Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Each', States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Square', States: { Square: { Type: 'Task', Resource: FN('Square'), End: true } } }, End: true } } },
        { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3, Next: 'Sum' }, Sum: { Type: 'Task', Resource: FN('Sum'), InputPath: '$.items', End: true } } },
        { StartAt: 'Echo', States: { Echo: { Type: 'Pass', OutputPath: '$.n', End: true } } },
      ],
      ResultSelector: { 'squares.$': '$[0]', 'sum.$': '$[1]', 'n.$': '$[2]' },
      ResultPath: '$.fan',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

const TASKS = {
  Double: (n: unknown) => (n as number) * 2,
  // The first attempt of every Check fails: each execution takes its Retry path once.
  Flaky: (x: unknown, ctx: { attempt: number }) => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
    if (ctx.attempt === 1) throw { error: 'Flaky.Again', cause: 'first attempts always fail' };
    return (x as number) + 1;
  },
  Square: (x: unknown) => (x as number) ** 2,
  Sum: (xs: unknown) => (xs as number[]).reduce((a, b) => a + b, 0),
};

interface Input {
  n: number;
  items: number[];
}

const INPUTS: Input[] = [
  { n: 3, items: [1, 2, 3, 4] },
  { n: 0, items: [] },
  { n: 5, items: [7, 8] },
  { n: 2, items: [10, 20, 30, 40, 50, 60] },
];

function expectedOutput({ n, items }: Input) {
  const fan = { squares: items.map((x) => x * x), sum: items.reduce((a, b) => a + b, 0), n };
  return n > 0 ? { n, items, doubled: 2 * n, checked: 2 * n + 1, fan } : { n, items, doubled: 0, fan };
}

/** How many task attempts a clean run of `input` makes (Check runs twice: its first attempt fails). */
const attemptsOf = ({ n, items }: Input) => (n > 0 ? 3 : 0) + items.length + 1;

const key = (input: Input) => JSON.stringify(input);

const enteredStates = (events: HistoryEvent[]) => events.filter((e) => e.type.endsWith('StateEntered'));

/** The events outside the Parallel state, whose order does not depend on how the branches interleave. */
function outsideFan(events: HistoryEvent[]): string[] {
  const from = events.findIndex((e) => e.type === 'ParallelStateStarted');
  const to = events.findIndex((e) => e.type === 'ParallelStateSucceeded');
  return [...events.slice(0, from), ...events.slice(to)].map((e) => e.type);
}

/**
 * Both ways a Map or Parallel can run: inside the parent's record, or spread over child executions
 * (each item and branch its own record and messages, fanned in through sets). Each guarantee must hold for both.
 */
const MODES = ['inline', 'spread'] as const;
type Mode = (typeof MODES)[number];

/** The execution a message is about: a spread child's ARN is its parent's, followed by /state/token/index. */
const rootOf = (arn: string) => arn.split('/')[0];

/** Runs each input once on a plain engine: the histories every other run must match. */
async function cleanRuns(fanOut: Mode): Promise<Map<string, HistoryEvent[]>> {
  const t = await startTestEngine({ tasks: TASKS, fanOut });
  try {
    const sm = await t.machine('workflow', WORKFLOW);
    const arns = await Promise.all(INPUTS.map((input, i) => t.start(sm, input, `clean-${i}`)));
    const out = new Map<string, HistoryEvent[]>();
    for (const [i, arn] of arns.entries()) {
      const rec = await t.finished(arn);
      expect(rec.status).toBe('SUCCEEDED');
      expect(JSON.parse(rec.output!)).toEqual(expectedOutput(INPUTS[i]));
      const events = await t.history(arn);
      expectContiguousIds(events);
      out.set(key(INPUTS[i]), events);
    }
    return out;
  } finally {
    await t.close();
  }
}

/** The checks every run gets, against the clean run of the same input. */
async function expectSameAsClean(t: TestEngine, arn: string, input: Input, reference: HistoryEvent[]): Promise<HistoryEvent[]> {
  const rec = await t.finished(arn);
  expect({ arn, status: rec.status, error: rec.error, cause: rec.cause }).toEqual({ arn, status: 'SUCCEEDED', error: undefined, cause: undefined });
  expect(JSON.parse(rec.output!)).toEqual(expectedOutput(input));
  expect(await outboxSettled(t.deps, rec)).toBe(true);
  const events = await t.history(arn);
  expectContiguousIds(events);
  expect(enteredStates(events)).toHaveLength(enteredStates(reference).length);
  expect(canonical(events)).toEqual(canonical(reference));
  expect(outsideFan(events)).toEqual(outsideFan(reference));
  return events;
}

const references = new Map<Mode, Map<string, HistoryEvent[]>>();
beforeAll(async () => {
  for (const mode of MODES) references.set(mode, await cleanRuns(mode));
});

const engines: TestEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((t) => t.close()));
});

// ------------------------------------------------------------------ (a) duplicates, out of order

describe.each(MODES)('(a) every message delivered twice, batches shuffled (%s)', (fanOut) => {
  it('ends every execution right, with the clean history, and runs each task attempt once', async () => {
    const reference = references.get(fanOut)!;
    const rng = seeded(20240611);
    const t = await startTestEngine({
      tasks: TASKS,
      fanOut,
      // longer than any task takes to run and be answered: a duplicate never runs a task again
      taskLeaseSeconds: 10,
      wrapWorker: (worker) => (event: SQSEvent) => worker({ Records: shuffle([...event.Records], rng) }),
    });
    engines.push(t);
    // Each message goes out twice, the copy a little later, the whole send in random order.
    const send = t.engine.queue.send.bind(t.engine.queue);
    let duplicated = 0;
    t.engine.queue.send = async (messages: OutgoingMessage[]) => {
      const twice = messages.flatMap((m) => [m, { ...m, delaySeconds: (m.delaySeconds ?? 0) + rng() * 0.03 }]);
      duplicated += messages.length;
      await send(shuffle(twice, rng));
    };

    const sm = await t.machine('workflow', WORKFLOW);
    const runs = INPUTS.flatMap((input, i) => [0, 1].map((copy) => ({ input, name: `dup-${i}-${copy}` })));
    const arns = await Promise.all(runs.map((r) => t.start(sm, r.input, r.name)));
    for (const [i, arn] of arns.entries()) {
      await expectSameAsClean(t, arn, runs[i].input, reference.get(key(runs[i].input))!);
      const counts = t.invoker.countsFor(arn);
      expect(counts.size).toBe(attemptsOf(runs[i].input));
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
    }
    expect(duplicated).toBeGreaterThan(50);
  });
});

// ------------------------------------------------------------------ (b) crashes

interface Delivery {
  msg: WorkMessage;
  /** the task of this invoke message has run: a crash from here on is in the crash window */
  invoked: boolean;
}

interface CrashPlan {
  point: FaultPoint;
  /** crash only while handling this kind of message */
  kind?: WorkMessage['kind'];
  /** crash at the at-th eligible pass through `point` */
  at: number;
  hits: number;
  fired?: string;
}

describe.each(MODES)('(b) a worker crashing once at each step of a commit (%s)', (fanOut) => {
  const POINTS: FaultPoint[] = ['after-read', 'after-commit', 'after-history', 'after-send', 'after-invoke'];
  const NTH = [1, 2, 4];

  it('recovers through redelivery: right result, clean history, a task repeated only in the crash window', async () => {
    const reference = references.get(fanOut)!;
    const als = new AsyncLocalStorage<Delivery>();
    const t = await startTestEngine({
      tasks: TASKS,
      fanOut,
      visibilityTimeoutSeconds: 0.2,
      // longer than the visibility timeout: a redelivery after a crash 'after-invoke' finds the claim
      // still held and must come back once it has run out (a shorter one would merely be found expired)
      taskLeaseSeconds: 2,
      // one record per worker call, so a crash fails its own message only, with the message in context
      wrapWorker: (worker) => (event) => perRecord(event, (one) => als.run({ msg: JSON.parse(one.Records[0].body), invoked: false }, () => worker(one))),
    });
    engines.push(t);
    t.invoker.onInvoked = () => {
      const d = als.getStore();
      if (d) d.invoked = true;
    };
    const plans = new Map<string, CrashPlan>();
    t.deps.fault = (point) => {
      const d = als.getStore();
      const plan = d && plans.get(rootOf(d.msg.executionArn));
      // A plan for 'invoke' messages is about handling a task's answer: a task run inline (in the message that
      // scheduled it, runtime/inline-task.ts) has its answer handled in that message instead.
      const kindMatches = !plan?.kind || plan.kind === d?.msg.kind || (plan.kind === 'invoke' && d?.invoked === true);
      if (!d || !plan || plan.fired || plan.point !== point || !kindMatches) return;
      // 'after-read' in an invoke message whose task has run, before its answer is committed, is in the
      // crash window too: only the plans that ask for it crash there (they may repeat the task).
      if (point === 'after-read' && d.invoked && plan.kind !== 'invoke') return;
      if (++plan.hits < plan.at) return;
      plan.fired = `${d.msg.kind}${d.msg.kind === 'event' ? `:${d.msg.event.type}` : ''}`;
      throw new Error(`injected crash ${point}`);
    };

    const sm = await t.machine('workflow', WORKFLOW);
    const input = INPUTS[0];
    const runs = [
      // the at-th time the point is passed, whatever the message
      ...POINTS.flatMap((point) => NTH.map((at) => ({ point, at, kind: undefined }))),
      // the first time in an invoke message: the task has run, its answer is being committed
      ...POINTS.filter((p) => p !== 'after-invoke').map((point) => ({ point, at: 1, kind: 'invoke' as const })),
      // spread: the first time in each fan-out message (starting a child, gathering results, counting an end)
      ...(fanOut === 'spread'
        ? [
            ...(['startChild', 'collect'] as const).flatMap((kind) => POINTS.filter((p) => p !== 'after-invoke').map((point) => ({ point, at: 1, kind }))),
            ...[1, 2].map((at) => ({ point: 'after-count' as const, at, kind: 'fanIn' as const })),
          ]
        : []),
    ].map((r) => ({ ...r, name: `crash-${r.kind ?? 'any'}-${r.point}-${r.at}` }));
    /** the crash window: after the task ran, before its answer was committed */
    const repeats = (r: (typeof runs)[number]) => r.point === 'after-invoke' || (r.point === 'after-read' && r.kind === 'invoke');
    const arns: string[] = [];
    for (const r of runs) {
      const arn = `arn:aws:states:us-east-1:123456789012:execution:workflow:${r.name}`;
      plans.set(arn, { point: r.point, kind: r.kind, at: r.at, hits: 0 });
      arns.push(await t.start(sm, input, r.name));
    }
    // All plans at once, summarised, so that a failure shows every plan that went wrong.
    const ref = reference.get(key(input))!;
    const outcomes = await Promise.all(
      arns.map(async (arn, i) => {
        // No deadline: a loaded machine only makes the redeliveries slower. A plan that strands its
        // execution shows as "still RUNNING" once the queue has held no message for a while.
        const rec = await t.finished(arn, { stuck: true }).catch(() => undefined);
        const events = await t.history(arn);
        const counts = [...t.invoker.countsFor(arn).values()];
        return {
          name: runs[i].name,
          status: rec?.status ?? `still ${(await t.get(arn)).status}`,
          output: rec?.output && JSON.parse(rec.output),
          sameHistory: canonical(events).join('\n') === canonical(ref).join('\n') && outsideFan(events).join() === outsideFan(ref).join(),
          contiguousIds: events.every((e, n) => e.id === n + 1),
          crashed: plans.get(arn)!.fired !== undefined,
          attempts: counts.length,
          repeated: counts.filter((c) => c > 1),
        };
      }),
    );
    expect(outcomes).toEqual(
      runs.map((r) => ({
        name: r.name,
        status: 'SUCCEEDED',
        output: expectedOutput(input),
        sameHistory: true,
        contiguousIds: true,
        crashed: true,
        attempts: attemptsOf(input),
        repeated: repeats(r) ? [2] : [],
      })),
    );
    // every kind of message crashed somewhere
    const kinds = new Set([...plans.values()].map((p) => p.fired!.split(':')[0]));
    // (spread: every item's one task runs inline in its startChild message, so no invoke message exists;
    // inline fan-out schedules several tasks in one commit, and those go through invoke messages)
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['event', 'start', ...(fanOut === 'inline' ? ['invoke'] : [])]));
    if (fanOut === 'spread') expect([...kinds]).toEqual(expect.arrayContaining(['fanIn', 'startChild', 'collect']));
  }, 300_000); // generous on purpose: every plan runs at once, and a loaded machine only makes them slower
});

// ------------------------------------------------------------------ (c) races

describe('(c) workers racing on one execution', () => {
  it('many branches answering at once: every update lands, each task runs once', async () => {
    const BRANCHES = 8;
    const ITEMS = 24;
    // Tasks of a stage hold until all of them run, then answer together: their results race.
    const barrier = (size: number) => {
      let arrived = 0;
      const all = deferred();
      return async (x: unknown) => {
        if (++arrived === size) all.resolve();
        await all.promise;
        return { got: x };
      };
    };
    const t = await startTestEngine({
      concurrency: 8,
      taskLeaseSeconds: 30,
      // inline: every answer lands on the one parent record (spread children have records of their own)
      fanOut: 'inline',
      tasks: { Branch: barrier(BRANCHES), Item: barrier(ITEMS) },
    });
    engines.push(t);
    let conflicts = 0;
    const update = t.deps.store.updateExecution.bind(t.deps.store);
    t.deps.store.updateExecution = async (exec, expected) => {
      const ok = await update(exec, expected);
      if (!ok) conflicts++;
      return ok;
    };

    const sm = await t.machine('race', {
      StartAt: 'Branches',
      States: {
        Branches: {
          Type: 'Parallel',
          Branches: Array.from({ length: BRANCHES }, (_, i) => ({
            StartAt: `B${i}`,
            States: { [`B${i}`]: { Type: 'Task', Resource: FN('Branch'), Parameters: { branch: i }, End: true } },
          })),
          ResultPath: '$.branches',
          Next: 'Items',
        },
        Items: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Task', Resource: FN('Item'), End: true } } },
          ResultPath: '$.items',
          End: true,
        },
      },
    });
    const items = Array.from({ length: ITEMS }, (_, i) => i);
    const arn = await t.start(sm, { items });
    const rec = await t.finished(arn);
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({
      branches: Array.from({ length: BRANCHES }, (_, i) => ({ got: { branch: i } })),
      items: items.map((i) => ({ got: i })),
    });
    const events = await t.history(arn);
    expectContiguousIds(events);
    expect(events.filter((e) => e.type === 'LambdaFunctionSucceeded')).toHaveLength(BRANCHES + ITEMS);
    expect(events.filter((e) => e.type === 'MapIterationSucceeded').map((e) => (e.mapIterationSucceededEventDetails as { index: number }).index).sort((a, b) => a - b)).toEqual(items);
    expect(enteredStates(events)).toHaveLength(2 + BRANCHES + ITEMS);
    const counts = [...t.invoker.countsFor(arn).values()];
    expect(counts).toHaveLength(BRANCHES + ITEMS);
    expect(counts.every((c) => c === 1)).toBe(true);
    // the race did happen
    expect(conflicts).toBeGreaterThan(0);
  });

  it('an answer that loses every race is queued as an event: applied once, the task not run again', async () => {
    const t = await startTestEngine({ tasks: TASKS, taskLeaseSeconds: 10 });
    engines.push(t);
    // After the Double task has run, the next 20 conditional writes lose (as they would to 20 faster racers).
    let losing = 0;
    t.invoker.onInvoked = (req) => {
      if (req.stateName === 'Double') losing = 20;
    };
    const update = t.deps.store.updateExecution.bind(t.deps.store);
    t.deps.store.updateExecution = async (exec, expected) => {
      if (losing > 0) {
        losing--;
        return false;
      }
      return update(exec, expected);
    };
    const sm = await t.machine('workflow', WORKFLOW);
    const input = INPUTS[2];
    const arn = await t.start(sm, input);
    await expectSameAsClean(t, arn, input, references.get('spread')!.get(key(input))!);
    expect(losing).toBe(0);
    expect([...t.invoker.countsFor(arn).values()].every((c) => c === 1)).toBe(true);
  });
});

describe.each(MODES)('(d) the API dying between its conditional put and its start message (%s)', (fanOut) => {
  it('a client that retries the start, or nobody at all (the reconciler), gets the clean run', async () => {
    // the periodic sweep is off: the test runs it when it means to
    const t = await startTestEngine({ tasks: TASKS, fanOut, reconcileAfterSeconds: 0 });
    engines.push(t);
    const sm = await t.machine('workflow', WORKFLOW);
    t.deps.fault = (point) => {
      if (point === 'after-put') throw new Error('the API process died after its put');
    };
    const [retried, abandoned] = [INPUTS[0], INPUTS[2]];
    await expect(t.start(sm, retried, 'retried')).rejects.toThrow('died after its put');
    await expect(t.start(sm, abandoned, 'abandoned')).rejects.toThrow('died after its put');
    t.deps.fault = undefined;
    await t.engine.idle();
    const arnOf = (name: string) => sm.replace(':stateMachine:', ':execution:') + `:${name}`;
    for (const name of ['retried', 'abandoned']) {
      const rec = await t.get(arnOf(name));
      expect(rec.status).toBe('RUNNING');
      expect(rec.snapshot).toBeUndefined(); // never started
    }

    // A client's retry with the same name and input is idempotent and sends the start that was lost.
    expect(await t.start(sm, retried, 'retried')).toBe(arnOf('retried'));
    await expectSameAsClean(t, arnOf('retried'), retried, references.get(fanOut)!.get(key(retried))!);

    // Nobody retries the other: the reconciler's sweep starts it once it is past the bound.
    const { sweep } = await import('../../lambda/runtime/reconciler');
    const report = await sweep({ ...t.deps, clock: { now: () => new Date(Date.now() + 61_000) } }, { staleAfterMs: 60_000 });
    expect(report.started).toBe(1);
    await expectSameAsClean(t, arnOf('abandoned'), abandoned, references.get(fanOut)!.get(key(abandoned))!);
    for (const arn of [arnOf('retried'), arnOf('abandoned')]) expect([...t.invoker.countsFor(arn).values()].every((c) => c === 1)).toBe(true);
  });
});
