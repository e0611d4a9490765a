/**
 * GetExecutionHistory shows what AWS shows for the definition as written, whatever the engine did
 * underneath (runtime/history-view.ts): a Map declared INLINE (or with no ProcessorConfig) and a
 * Parallel give their items' and branches' events in the parent's history even when they ran as
 * spread child executions; a DISTRIBUTED Map keeps Map Run events and its items' events in the
 * children. Each definition runs twice on the real local engine (dynalite, queue, worker): spread
 * (fan-out `spread`) and inline (fan-out `inline`, everything in the parent's record, the engine's own
 * account of what AWS writes); both histories are read through the API.
 */
import * as svc from '../../lambda/runtime/service';
import type { HistoryEvent } from '../../lambda/engine/history';
import { FN, startTestEngine, type TestEngine } from '../runtime/harness';

jest.setTimeout(180_000);

const TASKS = {
  Double: (n: unknown) => (n as number) * 2,
  Echo: (v: unknown) => v,
};

let inline: TestEngine;
let spread: TestEngine;
beforeAll(async () => {
  [inline, spread] = await Promise.all([startTestEngine({ tasks: TASKS, fanOut: 'inline', timeScale: 0 }), startTestEngine({ tasks: TASKS, fanOut: 'spread', timeScale: 0 })]);
});
afterAll(async () => {
  await Promise.all([inline?.close(), spread?.close()]);
});

let machines = 0;
async function run(t: TestEngine, definition: unknown, input: unknown): Promise<string> {
  const arn = await t.start(await t.machine(`h${machines++}`, definition), input);
  await t.finished(arn, { stuck: true });
  return arn;
}

/** The whole history through GetExecutionHistory, `maxResults` at a time. */
async function viaApi(t: TestEngine, executionArn: string, opts: { maxResults?: number; reverseOrder?: boolean } = {}): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await svc.getExecutionHistory(t.deps, { executionArn, maxResults: opts.maxResults ?? 1000, reverseOrder: opts.reverseOrder, nextToken });
    events.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

const types = (events: HistoryEvent[]) => events.map((e) => e.type);

/** The spread view's Map iterations: each one's event types between its MapIterationStarted and its end. */
function iterationsOf(events: HistoryEvent[]): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const e of events) {
    if (e.type === 'MapIterationStarted') out.push((current = []));
    else if (/^MapIteration/.test(e.type)) current = undefined;
    else current?.push(e.type);
  }
  return out;
}

const item = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN('Double'), End: true } } };

describe('a Map declared INLINE, spread underneath', () => {
  for (const [what, processor] of [
    ['ProcessorConfig INLINE', { ProcessorConfig: { Mode: 'INLINE' }, ...item }],
    ['no ProcessorConfig', item],
  ] as const) {
    it(`${what}: MapIteration events and the items' state events in the parent, no Map Run, ids 1..N`, async () => {
      const def = { StartAt: 'Each', States: { Each: { Type: 'Map', MaxConcurrency: 1, ItemProcessor: processor, End: true } } };
      const [a, b] = await Promise.all([run(inline, def, [1, 2, 3]), run(spread, def, [1, 2, 3])]);
      const shown = await viaApi(spread, b);
      // one item at a time: AWS's order is the same on every run, and the engine's inline account gives it
      expect(types(shown)).toEqual(types(await viaApi(inline, a)));
      expect(types(shown)).not.toContain('MapRunStarted');
      expect(shown.filter((e) => e.type === 'MapIterationSucceeded').map((e) => e.mapIterationSucceededEventDetails)).toEqual([0, 1, 2].map((index) => ({ name: 'Each', index })));
      expect(shown.map((e) => [e.id, e.previousEventId])).toEqual(shown.map((_, i) => [i + 1, i]));
      // and the items did run as child executions of their own
      expect((await spread.history(b)).map((e) => e.type)).toContain('MapRunStarted');
    });
  }

  it('items running at once: each iteration holds its own events, in order', async () => {
    const def = { StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: item, End: true } } };
    const one = { ...def, States: { Each: { ...def.States.Each, MaxConcurrency: 1 } } };
    const [a, b, single] = await Promise.all([run(inline, def, [1, 2, 3, 4]), run(spread, def, [1, 2, 3, 4]), run(inline, one, [1])]);
    const [shown, own] = await Promise.all([viaApi(spread, b), viaApi(inline, a)]);
    // AWS interleaves concurrent iterations by time: the same events, and each iteration's in its order
    expect(types(shown).sort()).toEqual(types(own).sort());
    const [itemEvents] = iterationsOf(await viaApi(inline, single));
    expect(iterationsOf(shown)).toEqual([itemEvents, itemEvents, itemEvents, itemEvents]);
  });

  it('a failing item: MapIterationFailed, then the Map fails as inline, with the event id of its cause counted in the parent', async () => {
    // a JSONata expression that returns nothing: States.QueryEvaluationError, a failure the Map sees
    const def = {
      QueryLanguage: 'JSONata',
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 1,
          ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN('Echo'), Next: 'Bad' }, Bad: { Type: 'Pass', Output: { x: '{% $nothing %}' }, End: true } } },
          End: true,
        },
      },
    };
    const [a, b] = await Promise.all([run(inline, def, [{}]), run(spread, def, [{}])]);
    const [da, db] = await Promise.all([svc.describeExecution(inline.deps, a), svc.describeExecution(spread.deps, b)]);
    expect(db.status).toBe('FAILED');
    expect({ error: db.error, cause: db.cause }).toEqual({ error: da.error, cause: da.cause });
    expect(db.cause).toMatch(/entered at the event id #\d+/);
    const shown = await viaApi(spread, b);
    expect(types(shown)).toEqual(types(await viaApi(inline, a)));
    // the cause names the event the parent's history shows for that state's entry
    const id = Number(/#(\d+)/.exec(db.cause!)![1]);
    expect(shown[id - 1]).toMatchObject({ type: 'PassStateEntered', stateEnteredEventDetails: { name: 'Bad' } });
  });
});

describe('a Parallel, spread underneath', () => {
  it("shows its branches' events between ParallelStateStarted and its end, nothing of the spread", async () => {
    const def = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', Resource: FN('Echo'), End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
          ],
          End: true,
        },
      },
    };
    const [a, b] = await Promise.all([run(inline, def, 5), run(spread, def, 5)]);
    const [shown, own] = await Promise.all([viaApi(spread, b), viaApi(inline, a)]);
    // branches interleave by time on AWS: the same events, each branch's in its order
    expect(types(shown).sort()).toEqual(types(own).sort());
    const started = shown.find((e) => e.type === 'ParallelStateStarted')!;
    expect(Object.keys(started).filter((k) => k.endsWith('EventDetails'))).toEqual([]);
    expect(types(shown).slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(types(shown).slice(-2)).toEqual(['ParallelStateExited', 'ExecutionSucceeded']);
  });
});

describe('a DISTRIBUTED Map', () => {
  it('keeps Map Run events in the parent and its items\' events in the children', async () => {
    const def = { StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...item }, End: true } } };
    const arn = await run(spread, def, [1, 2]);
    const shown = types(await viaApi(spread, arn));
    expect(shown).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });
});

describe('paging over the merged view', () => {
  it('maxResults, nextToken and reverseOrder page through the same events, every time', async () => {
    const def = { StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: item, Next: 'Done' }, Done: { Type: 'Pass', End: true } } };
    const arn = await run(spread, def, [1, 2, 3, 4, 5]);
    const whole = await viaApi(spread, arn);
    expect(whole.length).toBeGreaterThan(20);
    for (const maxResults of [1, 3, 7]) {
      expect(await viaApi(spread, arn, { maxResults })).toEqual(whole);
      expect(await viaApi(spread, arn, { maxResults, reverseOrder: true })).toEqual([...whole].reverse());
    }
  });

  it("refuses a token that is not this view's, naming it", async () => {
    const def = { StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: item, End: true } } };
    const arn = await run(spread, def, [1, 2]);
    const first = await svc.getExecutionHistory(spread.deps, { executionArn: arn, maxResults: 2 });
    expect(first.nextToken).toBeDefined();
    // a forward token read backwards, and text that is no token
    await expect(svc.getExecutionHistory(spread.deps, { executionArn: arn, maxResults: 2, reverseOrder: true, nextToken: first.nextToken })).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(svc.getExecutionHistory(spread.deps, { executionArn: arn, nextToken: 'not-a-token' })).rejects.toMatchObject({ name: 'InvalidToken', message: expect.stringContaining('not-a-token') });
  });
});
