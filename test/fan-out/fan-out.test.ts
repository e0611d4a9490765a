/**
 * Spread fan-out on the local runtime (real embedded DynamoDB, the real queue and worker): Map items
 * and Parallel branches that hold a Task run as child executions of their own.
 *
 * Fidelity is checked against the inline mode (every child inside the parent's record, the path the
 * conformance corpus checks against AWS): the same definition and input must end the same way.
 */
import type { OutgoingMessage } from '../../lambda/ports';
import { fanIdOfMapRun } from '../../lambda/engine/arns';
import { childArnOf, fanInLayout } from '../../lambda/runtime/fan-out';
import * as svc from '../../lambda/runtime/service';
import { deferred, expectContiguousIds, FN, sleep, startTestEngine, until, type TestEngine } from '../runtime/harness';
import type { TaskFunction } from '../../lambda/local/runner';

/** Fails the items whose value is in `failing` (as a task would, with an error name and cause). */
const work: TaskFunction = async (x) => {
  const v = x as { fail?: boolean; n?: number } | number;
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
  if (typeof v === 'object' && v?.fail) throw { error: 'ItemFailed', cause: `item ${v.n}` };
  await sleep(Math.random() * 5);
  return typeof v === 'number' ? v * 10 : v;
};

const TASKS: Record<string, TaskFunction> = {
  Work: work,
  List: async (x) => Array.from({ length: (x as { count: number }).count }, (_, i) => ({ n: i })),
  Big: async () => 'x'.repeat(60 * 1024),
  Echo: async (x) => x,
};

const task = (name: string, extra: Record<string, unknown> = {}) => ({ Type: 'Task', Resource: FN(name), ...extra });
const mapOf = (processor: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ Type: 'Map', ItemProcessor: { StartAt: 'W', States: { W: { ...processor, End: true } } }, ...extra });
const distributed = (processor: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Type: 'Map',
  ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'W', States: { W: { ...processor, End: true } } },
  ...extra,
});

// Generous: these runs go through real DynamoDB and queue round trips (no test asserts on timing).
jest.setTimeout(180_000);

let inline: TestEngine;
let spread: TestEngine;
beforeAll(async () => {
  [inline, spread] = await Promise.all([startTestEngine({ tasks: TASKS, fanOut: 'inline' }), startTestEngine({ tasks: TASKS, concurrency: 8 })]);
});
afterAll(async () => {
  await Promise.all([inline?.close(), spread?.close()]);
});

let machines = 0;
async function run(t: TestEngine, definition: unknown, input: unknown) {
  const sm = await t.machine(`m${machines++}`, definition);
  const arn = await t.start(sm, input);
  const rec = await t.finished(arn, { stuck: true });
  return { arn, rec, outcome: { status: rec.status, output: rec.output && JSON.parse(rec.output), error: rec.error, cause: rec.cause } };
}

/** Runs the definition both ways; returns the spread run after checking it ended as the inline one did. */
async function sameBothWays(definition: unknown, input: unknown) {
  const [a, b] = await Promise.all([run(inline, definition, input), run(spread, definition, input)]);
  expect(b.outcome).toEqual(a.outcome);
  return b;
}

/** The fan-out ids of the Map Runs the parent's history announces. */
async function mapRunFanIds(t: TestEngine, arn: string): Promise<string[]> {
  const events = await t.history(arn);
  return events.filter((e) => e.type === 'MapRunStarted').map((e) => fanIdOfMapRun((e.mapRunStartedEventDetails as { mapRunArn: string }).mapRunArn));
}

describe('what spreads', () => {
  it('a Map over an earlier state\'s output: one child execution per item, however many the data holds', async () => {
    for (const count of [3, 29]) {
      const def = {
        StartAt: 'List',
        States: {
          List: task('List', { Next: 'Each', Assign: { tag: 'outer' } }),
          Each: mapOf(task('Echo'), { ItemSelector: { 'n.$': '$$.Map.Item.Value.n', 'index.$': '$$.Map.Item.Index', 'tag.$': '$tag' }, End: true }),
        },
      };
      const { arn, outcome } = await sameBothWays(def, { count });
      expect(outcome.output).toEqual(Array.from({ length: count }, (_, i) => ({ n: i, index: i, tag: 'outer' })));
      const [fanId] = await mapRunFanIds(spread, arn);
      const children = await spread.deps.store.getExecutions(Array.from({ length: count + 1 }, (_, i) => childArnOf(fanId, i)));
      expect(children.slice(0, count).every((c) => c?.status === 'SUCCEEDED')).toBe(true);
      expect(children[count]).toBeUndefined();
      // the tasks ran in the children, one each
      const invokedBy = new Set(spread.invoker.calls.filter((c) => c.executionArn.startsWith(`${fanId}/`)).map((c) => c.executionArn));
      expect(invokedBy.size).toBe(count);
      // the parent's history is a summary whatever the count: the items' events are in their own histories
      const parent = (await spread.history(arn)).map((e) => e.type);
      expect(parent.filter((t) => t === 'LambdaFunctionScheduled').length).toBe(1); // List only
      expect(parent).toEqual(expect.arrayContaining(['MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded']));
      const item = await spread.history(childArnOf(fanId, count - 1));
      expectContiguousIds(item);
      expect(item.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    }
  });

  it('a Map over a JSON array input and a Parallel: each item and branch its own execution', async () => {
    const def = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'Each', States: { Each: mapOf(task('Work'), { End: true }) } },
            { StartAt: 'One', States: { One: task('Echo', { End: true }) } },
            { StartAt: 'Two', States: { Two: { Type: 'Pass', Result: 'no task here', End: true } } },
          ],
        },
      },
    };
    const { arn, outcome } = await sameBothWays(def, [1, 2, 3, 4]);
    expect(outcome.output).toEqual([[10, 20, 30, 40], [1, 2, 3, 4], 'no task here']);
    // the Parallel spread three branch children; the first one spread the Map's four items under itself
    const parallelChildren = (await spread.history(arn)).filter((e) => e.type === 'MapRunStarted');
    expect(parallelChildren).toHaveLength(0); // a Parallel is not a Map Run
    const itemCalls = spread.invoker.calls.filter((c) => c.executionArn.startsWith(`${arn}/`) && c.stateName === 'W');
    expect(new Set(itemCalls.map((c) => c.executionArn)).size).toBe(4);
    // nested: item ARN = <parent>/Both/<token>/0 (branch 0) + /Each/<token>/<index>
    expect(itemCalls.every((c) => /^.+\/Both\/\d+\/0\/Each\/\d+\/[0-3]$/.test(c.executionArn))).toBe(true);
  });

  it('same results as inline for ItemBatcher, JSONata with variables, a Map in a Map, and ResultSelector/ResultPath', async () => {
    const batched = await sameBothWays(
      { StartAt: 'M', States: { M: distributed(task('Echo'), { ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'tag.$': '$.tag' } }, ItemsPath: '$.xs', End: true }) } },
      { tag: 't', xs: [1, 2, 3, 4, 5, 6, 7] },
    );
    expect(batched.outcome.output).toEqual([
      { BatchInput: { tag: 't' }, Items: [1, 2, 3] },
      { BatchInput: { tag: 't' }, Items: [4, 5, 6] },
      { BatchInput: { tag: 't' }, Items: [7] },
    ]);
    const jsonata = await sameBothWays(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { factor: 3 }, Next: 'M' },
          M: {
            Type: 'Map',
            Items: '{% $states.input.xs %}',
            ItemSelector: { v: '{% $states.context.Map.Item.Value %}', i: '{% $states.context.Map.Item.Index %}' },
            ItemProcessor: {
              StartAt: 'T',
              States: {
                T: { Type: 'Task', Resource: FN('Echo'), Arguments: { n: '{% $states.input.v * $factor %}' }, Assign: { inner: '{% $states.result.n %}', idx: '{% $states.input.i %}' }, Next: 'U' },
                U: { Type: 'Pass', Output: '{% $inner + $idx %}', End: true },
              },
            },
            Output: '{% {"sum": $sum($states.result), "factor": $factor} %}',
            End: true,
          },
        },
      },
      { xs: [1, 2, 3] },
    );
    expect(jsonata.outcome.output).toEqual({ sum: 3 + 7 + 11, factor: 3 });
    const nested = await sameBothWays(
      {
        StartAt: 'Outer',
        States: {
          Outer: {
            Type: 'Map',
            ItemsPath: '$.grid',
            ItemProcessor: { StartAt: 'Inner', States: { Inner: { ...mapOf(task('Work')), End: true } } },
            ResultSelector: { 'rows.$': '$' },
            ResultPath: '$.out',
            End: true,
          },
        },
      },
      { grid: [[1, 2], [3], []] },
    );
    expect(nested.outcome.output).toEqual({ grid: [[1, 2], [3], []], out: { rows: [[10, 20], [30], []] } });
  });

  it('a Map of Pass states only stays inline (nothing to spread)', async () => {
    const { arn, outcome } = await sameBothWays({ StartAt: 'Each', States: { Each: mapOf({ Type: 'Pass' }, { End: true }) } }, [1, 2]);
    expect(outcome.output).toEqual([1, 2]);
    expect((await spread.history(arn)).some((e) => e.type === 'MapIterationStarted')).toBe(true);
  });
});

describe('MaxConcurrency', () => {
  it('is never exceeded, and is reached: the tasks themselves count who runs', async () => {
    let running = 0;
    let peak = 0;
    const t = await startTestEngine({
      concurrency: 16,
      tasks: {
        Hold: async (x) => {
          peak = Math.max(peak, ++running);
          await sleep(5 + Math.random() * 25);
          running--;
          return x;
        },
      },
    });
    try {
      const items = Array.from({ length: 24 }, (_, i) => i);
      const { outcome } = await run(t, { StartAt: 'Each', States: { Each: mapOf(task('Hold'), { MaxConcurrency: 3, End: true }) } }, items);
      expect(outcome.output).toEqual(items);
      expect(peak).toBe(3);
    } finally {
      await t.close();
    }
  });
});

describe('fan-in', () => {
  it('every item ending at the same instant, every message delivered twice: the parent continues exactly once', async () => {
    const ITEMS = 30;
    let arrived = 0;
    const all = deferred();
    const t = await startTestEngine({
      concurrency: 32,
      taskLeaseSeconds: 30,
      tasks: {
        // all items hold until every one has started, then end together
        Item: async (x) => {
          if (++arrived === ITEMS) all.resolve();
          await all.promise;
          return x;
        },
        After: async (x) => ({ after: x }),
      },
    });
    try {
      const send = t.engine.queue.send.bind(t.engine.queue);
      const kinds = new Map<string, number>();
      t.engine.queue.send = async (messages: OutgoingMessage[]) => {
        for (const m of messages) kinds.set(m.body.kind, (kinds.get(m.body.kind) ?? 0) + 1);
        await send(messages.flatMap((m) => [m, m]));
      };
      const items = Array.from({ length: ITEMS }, (_, i) => i);
      const def = { StartAt: 'Each', States: { Each: mapOf(task('Item'), { Next: 'After' }), After: task('After', { End: true }) } };
      const { arn, outcome } = await run(t, def, items);
      expect(outcome).toEqual({ status: 'SUCCEEDED', output: { after: items }, error: undefined, cause: undefined });
      const events = await t.history(arn);
      expectContiguousIds(events);
      expect(events.filter((e) => e.type === 'MapStateExited')).toHaveLength(1);
      expect(t.invoker.calls.filter((c) => c.stateName === 'After')).toHaveLength(1);
      // each item's task ran once although its messages came twice
      expect([...t.invoker.countsFor(arn).values()].every((n) => n === 1)).toBe(true);
      expect(kinds.get('fanIn')).toBeGreaterThanOrEqual(ITEMS);
      expect(kinds.get('collect')).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });

  it('the counter is a tree: about sqrt(n) shards of about sqrt(n) members each', () => {
    expect(fanInLayout(10_000)).toEqual({ shardSize: 100, shards: 100 });
    expect(fanInLayout(2_000)).toEqual({ shardSize: 45, shards: 45 });
    expect(fanInLayout(1)).toEqual({ shardSize: 1, shards: 1 });
    // every index falls in a shard, and no shard is asked to hold more than its size
    for (const n of [1, 2, 7, 99, 101, 2000]) {
      const { shardSize, shards } = fanInLayout(n);
      expect(Math.floor((n - 1) / shardSize)).toBe(shards - 1);
    }
  });
});

describe('failures', () => {
  const items = (failing: number[]) => Array.from({ length: 10 }, (_, n) => ({ n, fail: failing.includes(n) }));

  it('tolerated failures (count and percentage): the run succeeds with the failed items\' results left null, as inline', async () => {
    const byCount = await sameBothWays({ StartAt: 'M', States: { M: distributed(task('Work'), { ToleratedFailureCount: 2, End: true }) } }, items([3, 7]));
    expect(byCount.outcome.status).toBe('SUCCEEDED');
    const byPct = await sameBothWays({ StartAt: 'M', States: { M: distributed(task('Work'), { ToleratedFailurePercentage: 20, End: true }) } }, items([1, 2]));
    expect(byPct.outcome.status).toBe('SUCCEEDED');
  });

  it('past the threshold: States.ExceedToleratedFailureThreshold, as inline', async () => {
    const { outcome } = await sameBothWays({ StartAt: 'M', States: { M: distributed(task('Work'), { ToleratedFailureCount: 1, End: true }) } }, items([3, 7]));
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('an inline-mode Map or a Parallel fails with the failing child\'s own error, and Catch sees it', async () => {
    const map = await sameBothWays({ StartAt: 'M', States: { M: mapOf(task('Work'), { End: true }) } }, items([4]));
    expect(map.outcome).toMatchObject({ status: 'FAILED', error: 'ItemFailed', cause: 'item 4' });
    const caught = await sameBothWays(
      { StartAt: 'M', States: { M: mapOf(task('Work'), { Catch: [{ ErrorEquals: ['ItemFailed'], Next: 'Handled' }], Next: 'Handled' }), Handled: { Type: 'Pass', End: true } } },
      items([6]),
    );
    expect(caught.outcome.output).toMatchObject({ Error: 'ItemFailed', Cause: 'item 6' });
    const par = await sameBothWays(
      { StartAt: 'P', States: { P: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'A', States: { A: task('Echo', { End: true }) } }, { StartAt: 'B', States: { B: task('Work', { End: true }) } }] } } },
      { n: 1, fail: true },
    );
    expect(par.outcome).toMatchObject({ status: 'FAILED', error: 'ItemFailed' });
  });

  it('results over the state size limit: States.DataLimitExceeded, as inline (no silent truncation)', async () => {
    const { outcome } = await sameBothWays({ StartAt: 'M', States: { M: mapOf(task('Big'), { End: true }) } }, [1, 2, 3, 4, 5]);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('Retry and Catch inside an item, and a Wait: an item is a whole workflow', async () => {
    const t = await startTestEngine({
      timeScale: 0,
      tasks: {
        Flaky: async (x, ctx) => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
          if (ctx.attempt === 1) throw { error: 'Flaky.Again', cause: 'first attempt' };
          return x;
        },
      },
    });
    try {
      const def = {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            End: true,
            ItemProcessor: {
              StartAt: 'Nap',
              States: {
                Nap: { Type: 'Wait', Seconds: 2, Next: 'Try' },
                Try: { Type: 'Task', Resource: FN('Flaky'), Retry: [{ ErrorEquals: ['Flaky.Again'], IntervalSeconds: 1, MaxAttempts: 1 }], End: true },
              },
            },
          },
        },
      };
      const { arn, outcome } = await run(t, def, [1, 2, 3]);
      expect(outcome.output).toEqual([1, 2, 3]);
      // two attempts per item, each in the item's own execution
      const calls = t.invoker.calls.filter((c) => c.executionArn.startsWith(`${arn}/`));
      expect(calls.map((c) => c.attempt).sort()).toEqual([1, 1, 1, 2, 2, 2]);
    } finally {
      await t.close();
    }
  });
});

describe('stopping', () => {
  it('stopping the parent stops its children: running ones end ABORTED, unstarted ones never start', async () => {
    const release = deferred();
    const t = await startTestEngine({
      concurrency: 8,
      tasks: {
        Hold: async (x) => {
          await release.promise;
          return x;
        },
      },
    });
    try {
      const sm = await t.machine('stoppable', { StartAt: 'Each', States: { Each: mapOf(task('Hold'), { MaxConcurrency: 2, End: true }) } });
      const arn = await t.start(sm, Array.from({ length: 6 }, (_, i) => i));
      await until('two items running', () => (t.invoker.calls.length >= 2 ? true : undefined));
      await svc.stopExecution(t.deps, { executionArn: arn, error: 'Enough', cause: 'stopped by the test' });
      const [fanId] = await mapRunFanIds(t, arn);
      const children = await until('every child ended', async () => {
        const recs = await t.deps.store.getExecutions(Array.from({ length: 6 }, (_, i) => childArnOf(fanId, i)));
        return recs.every((r) => r && r.status !== 'RUNNING') ? recs : undefined;
      });
      expect(children.map((c) => c!.status)).toEqual(Array(6).fill('ABORTED'));
      expect(children.slice(2).every((c) => c!.snapshot === undefined)).toBe(true); // never started
      release.resolve();
      await t.engine.idle();
      expect(t.invoker.calls).toHaveLength(2);
      expect((await t.get(arn)).status).toBe('ABORTED');
    } finally {
      release.resolve();
      await t.close();
    }
  });
});

describe('scale', () => {
  it('a 2,000-item Map of tasks completes, results in item order, each item one child', async () => {
    const t = await startTestEngine({ concurrency: 32, tasks: { Work: work } });
    try {
      const items = Array.from({ length: 2000 }, (_, i) => i);
      const { arn, outcome } = await run(t, { StartAt: 'Each', States: { Each: mapOf(task('Work'), { End: true }) } }, items);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(outcome.output).toEqual(items.map((i) => i * 10));
      const counts = t.invoker.countsFor(arn);
      expect(counts.size).toBe(2000);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      // the parent's record stays small: items and results live with the children, not in its snapshot
      const parent = await t.get(arn);
      expect(JSON.stringify(parent.snapshot).length).toBeLessThan(20_000 + JSON.stringify(outcome.output).length);
    } finally {
      await t.close();
    }
  }, 600_000);
});
