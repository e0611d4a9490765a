/**
 * Errors that fail the whole execution (States.Runtime: the Developer Guide's "Error names" says it
 * "will always cause the execution to fail", and "A retry or catch on States.ALL won't catch
 * States.Runtime errors") fail it the same way when they are raised inside a Map item or a Parallel
 * branch that ran spread, as a child execution of its own: the enclosing Map's or Parallel's Catch
 * does not see them, and the execution ends with the same status, error, cause and history as inline.
 * Each definition runs on the real local engine (dynalite, queue, worker) in fan-out `inline` and
 * `spread`, and both are read through the API.
 */
import * as svc from '../../lambda/runtime/service';
import type { HistoryEvent } from '../../lambda/engine/history';
import { FN, startTestEngine, type TestEngine } from '../runtime/harness';

jest.setTimeout(180_000);

let inline: TestEngine;
let spread: TestEngine;
beforeAll(async () => {
  const tasks = { Echo: (v: unknown) => v };
  [inline, spread] = await Promise.all([startTestEngine({ tasks, fanOut: 'inline', timeScale: 0 }), startTestEngine({ tasks, fanOut: 'spread', timeScale: 0 })]);
});
afterAll(async () => {
  await Promise.all([inline?.close(), spread?.close()]);
});

let machines = 0;
interface Outcome {
  status: string;
  error?: string;
  cause?: string;
  history: string[];
}

async function outcome(t: TestEngine, definition: unknown, input: unknown): Promise<Outcome> {
  const arn = await t.start(await t.machine(`e${machines++}`, definition), input);
  const rec = await t.finished(arn, { stuck: true });
  const page = await svc.getExecutionHistory(t.deps, { executionArn: arn, maxResults: 1000 });
  return { status: rec.status, error: rec.error, cause: rec.cause, history: page.items.map((e: HistoryEvent) => e.type) };
}

async function both(definition: unknown, input: unknown): Promise<[Outcome, Outcome]> {
  return Promise.all([outcome(inline, definition, input), outcome(spread, definition, input)]);
}

/** An item or branch: a Task (so that it is real work), then a Pass whose path finds nothing when `$.a` is absent. */
const failing = {
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: FN('Echo'), Next: 'Read' },
    Read: { Type: 'Pass', Parameters: { 'v.$': '$.a' }, End: true },
  },
};

const mapOf = (catchOn: string[], next = 'Caught') => ({
  Type: 'Map',
  MaxConcurrency: 1, // one item at a time: AWS's order (and the inline engine's) is the item order
  ItemProcessor: failing,
  Catch: [{ ErrorEquals: catchOn, Next: next }],
  End: true,
});
const caught = { Type: 'Pass', Result: 'caught', End: true };

describe('States.Runtime inside a spread child fails the whole execution, as inline', () => {
  for (const catchOn of [['States.Runtime'], ['States.ALL']]) {
    it(`a Map item (the Map catches ${catchOn.join()})`, async () => {
      const def = { StartAt: 'Each', States: { Each: mapOf(catchOn), Caught: caught } };
      const [a, b] = await both(def, [{ a: 1 }, { a: 2 }, { b: 3 }, { a: 4 }]);
      expect(a.status).toBe('FAILED');
      expect(a.error).toBe('States.Runtime');
      expect(a.cause).toMatch(/^An error occurred while executing the state 'Read' \(entered at the event id #\d+\)\. /);
      expect(a.history).not.toContain('MapStateFailed');
      expect(b).toEqual(a);
    });
  }

  it('a Parallel branch (the Parallel catches States.Runtime)', async () => {
    const def = { StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [failing], Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }], End: true }, Caught: caught } };
    const [a, b] = await both(def, { b: 1 });
    expect(a).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(a.history).not.toContain('ParallelStateFailed');
    expect(b).toEqual(a);
  });

  it('one of two Parallel branches: same end, same events (branches interleave inline, so compared as a multiset)', async () => {
    const ok = { StartAt: 'Fine', States: { Fine: { Type: 'Task', Resource: FN('Echo'), End: true } } };
    const def = { StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [ok, failing], Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }], End: true }, Caught: caught } };
    const [a, b] = await both(def, { b: 1 });
    expect(a).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect({ ...b, history: [...b.history].sort() }).toEqual({ ...a, cause: b.cause, history: [...a.history].sort() });
    expect(b.history[b.history.length - 1]).toBe('ExecutionFailed');
  });

  it('a Map item inside a Parallel branch, each catching States.Runtime', async () => {
    const branch = { StartAt: 'Each', States: { Each: mapOf(['States.Runtime'], 'InnerCaught'), InnerCaught: caught } };
    const def = { StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [branch], Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }], End: true }, Caught: caught } };
    const [a, b] = await both(def, [{ a: 1 }, { b: 2 }]);
    expect(a).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(a.history).not.toContain('MapIterationFailed');
    expect(b).toEqual(a);
  });

  it('a catchable error two spread levels down (a Map item in a Parallel branch): the cause names the ids the history shows, as inline', async () => {
    // JSONata: `$number` of a string that is no number fails with States.QueryEvaluationError, which the cause prefixes with the state's entry event id
    const jsonata = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN('Echo'), Next: 'Read' }, Read: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $number($states.input.n) %}', End: true } } };
    const branch = { StartAt: 'Each', States: { Each: { Type: 'Map', MaxConcurrency: 1, ItemProcessor: jsonata, End: true } } };
    const def = { StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [branch], End: true } } };
    const [a, b] = await both(def, [{ n: '1' }, { n: 'x' }]);
    expect(a).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    expect(a.cause).toMatch(/\(entered at the event id #\d+\)/);
    expect(b).toEqual(a);
  });

  it('a DISTRIBUTED Map item: the item is an execution of its own, so it fails alone and the Map Run fails, as on AWS', async () => {
    const def = { StartAt: 'Each', States: { Each: { ...mapOf(['States.ExceedToleratedFailureThreshold']), ItemProcessor: { ...failing, ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } } }, Caught: caught } };
    const [a, b] = await both(def, [{ a: 1 }, { b: 2 }]);
    expect(a).toMatchObject({ status: 'SUCCEEDED' });
    expect(a.history).toEqual(expect.arrayContaining(['MapRunFailed', 'MapStateFailed']));
    expect(b).toEqual(a);
  });

  it('the same Map without the error still succeeds in both (the flag is for execution errors only)', async () => {
    const def = { StartAt: 'Each', States: { Each: mapOf(['States.Runtime']), Caught: caught } };
    const [a, b] = await both(def, [{ a: 1 }, { a: 2 }]);
    expect(a.status).toBe('SUCCEEDED');
    expect(b).toEqual(a);
  });
});
