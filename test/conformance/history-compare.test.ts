/** lambda/conformance/history-compare.ts: recorded vs actual histories, and the recorder's Parallel normalisation. */
import type { HistoryEvent } from '../../lambda/engine/history';
import { compareHistory, eventStateName, normaliseParallelLikeRecorder, recordedWithParallelNormalisation } from '../../lambda/conformance/history-compare';
import { caseDifferences, runCase, type ConformanceCase } from '../../lambda/conformance/run';

/** Events as our engine writes them: `[type, name?]` pairs, ids in order. */
function history(...events: [string, string?][]): HistoryEvent[] {
  return events.map(([type, name], i) => {
    const e: HistoryEvent = { timestamp: '2026-01-01T00:00:00.000Z', type, id: i + 1, previousEventId: i };
    if (name !== undefined) e[type.endsWith('StateEntered') ? 'stateEnteredEventDetails' : 'stateExitedEventDetails'] = { name };
    return e;
  });
}

const types = (list: { type: string }[]) => list.map((e) => e.type);

describe('compareHistory', () => {
  const ours = history(['ExecutionStarted'], ['PassStateEntered', 'A'], ['PassStateExited', 'A'], ['ExecutionSucceeded']);

  it('the same types in the same order match', () => {
    expect(compareHistory(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'], ours)).toBeUndefined();
  });

  it('a missing event is reported at the first index that differs, with a few events of context', () => {
    const d = compareHistory(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'MapStateFailed', 'ExecutionSucceeded'], ours);
    expect(d).toEqual({
      path: 'history/3',
      expected: ['PassStateEntered', 'PassStateExited', '*MapStateFailed', 'ExecutionSucceeded'],
      actual: ['PassStateEntered', 'PassStateExited', '*ExecutionSucceeded'],
    });
  });

  it('an extra event at the end is a difference: the recorded side shows (end)', () => {
    const d = compareHistory(['ExecutionStarted', 'PassStateEntered', 'PassStateExited'], ours);
    expect(d?.path).toBe('history/3');
    expect(d?.expected).toContain('*(end)');
    expect(d?.actual).toContain('*ExecutionSucceeded');
  });

  it('the same events in another order differ', () => {
    expect(compareHistory(['ExecutionStarted', 'PassStateExited', 'PassStateEntered', 'ExecutionSucceeded'], ours)?.path).toBe('history/1');
  });

  it('state names count where the case records them, in order', () => {
    expect(compareHistory(['ExecutionStarted', { type: 'PassStateEntered', name: 'A' }, { type: 'PassStateExited', name: 'A' }, 'ExecutionSucceeded'], ours)).toBeUndefined();
    const d = compareHistory(['ExecutionStarted', { type: 'PassStateEntered', name: 'B' }, 'PassStateExited', 'ExecutionSucceeded'], ours);
    expect(d?.path).toBe('history/1');
    expect(d?.expected).toContain('*PassStateEntered B');
    expect(d?.actual).toContain('*PassStateEntered A');
  });
});

describe('eventStateName', () => {
  it('reads state entered/exited and Map iteration details, nothing else', () => {
    expect(eventStateName(history(['TaskStateEntered', 'T'])[0])).toBe('T');
    expect(eventStateName({ timestamp: '', type: 'MapIterationStarted', id: 1, previousEventId: 0, mapIterationStartedEventDetails: { name: 'M', index: 0 } })).toBe('M');
    expect(eventStateName({ timestamp: '', type: 'LambdaFunctionScheduled', id: 1, previousEventId: 0, lambdaFunctionScheduledEventDetails: { resource: 'r' } })).toBeUndefined();
  });
});

describe('normaliseParallelLikeRecorder (LocalStack SfnNoneRecursiveParallelTransformer)', () => {
  const t = (...list: string[]) => list.map((type) => ({ type }));

  it('sorts the branches\' events and drops ParallelStateSucceeded (corpus: test_parallel_state[PARALLEL_STATE])', () => {
    // a history as AWS writes it: branches interleaved, ParallelStateSucceeded before ParallelStateExited
    const raw = t('ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'PassStateEntered', 'PassStateExited', 'PassStateEntered', 'PassStateEntered', 'PassStateExited', 'PassStateExited', 'ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded');
    expect(types(normaliseParallelLikeRecorder(raw))).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'PassStateEntered', 'PassStateEntered', 'PassStateEntered', 'PassStateExited', 'PassStateExited', 'PassStateExited', 'ParallelStateExited', 'ExecutionSucceeded']);
  });

  it('collapses a nested Parallel to what test_parallel_state_nested recorded (one ParallelStateExited)', () => {
    const raw = t('ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'PassStateEntered', 'PassStateExited', 'ParallelStateSucceeded', 'ParallelStateExited', 'ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded');
    expect(types(normaliseParallelLikeRecorder(raw))).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'PassStateEntered', 'PassStateExited', 'ParallelStateExited', 'ExecutionSucceeded']);
  });

  it('keeps a ParallelStateFailed that no Parallel end event follows', () => {
    const raw = t('ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'FailStateEntered', 'ParallelStateFailed', 'ExecutionFailed');
    expect(types(normaliseParallelLikeRecorder(raw))).toEqual(types(raw));
  });

  it('leaves a history without a Parallel alone', () => {
    const raw = t('ExecutionStarted', 'PassStateExited', 'PassStateEntered', 'ExecutionSucceeded');
    expect(types(normaliseParallelLikeRecorder(raw))).toEqual(types(raw));
  });
});

describe('compareHistory with the Parallel normalisation (per branch: order between branches is free)', () => {
  const recorded = ['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'PassStateEntered', 'PassStateEntered', 'PassStateExited', 'PassStateExited', 'ParallelStateExited', 'ExecutionSucceeded'];

  it('branches interleaved in any order match the sorted recording', () => {
    const ours = history(['ExecutionStarted'], ['ParallelStateEntered', 'P'], ['ParallelStateStarted'], ['PassStateEntered', 'B1'], ['PassStateExited', 'B1'], ['PassStateEntered', 'B2'], ['PassStateExited', 'B2'], ['ParallelStateSucceeded'], ['ParallelStateExited', 'P'], ['ExecutionSucceeded']);
    expect(compareHistory(recorded, ours, { parallelNormalised: true })).toBeUndefined();
    // without the normalisation the same history differs (ParallelStateSucceeded, and the order)
    expect(compareHistory(recorded, ours)).toBeDefined();
  });

  it('a branch event missing is still a difference', () => {
    const ours = history(['ExecutionStarted'], ['ParallelStateEntered', 'P'], ['ParallelStateStarted'], ['PassStateEntered', 'B1'], ['PassStateExited', 'B1'], ['PassStateEntered', 'B2'], ['ParallelStateSucceeded'], ['ParallelStateExited', 'P'], ['ExecutionSucceeded']);
    expect(compareHistory(recorded, ours, { parallelNormalised: true })?.path).toBe('history/6');
  });
});

describe('recordedWithParallelNormalisation', () => {
  it('names the LocalStack tests that register the transformer, and only those', () => {
    const base = 'localstack tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::';
    expect(recordedWithParallelNormalisation(`${base}test_parallel_state[PARALLEL_STATE]`)).toBe(true);
    expect(recordedWithParallelNormalisation(`${base}test_parallel_state_order`)).toBe(true);
    expect(recordedWithParallelNormalisation(`${base}test_parallel_state_nested`)).toBe(true);
    expect(recordedWithParallelNormalisation('localstack tests/aws/services/stepfunctions/v2/assign/test_assign_base.py::TestAssignBase::test_base_parallel_cases[BASE_SCOPE_PARALLEL]')).toBe(true);
    expect(recordedWithParallelNormalisation(`${base}test_parallel_state_retry`)).toBe(false);
    expect(recordedWithParallelNormalisation(`${base}test_parallel_state_catch`)).toBe(false);
    expect(recordedWithParallelNormalisation(undefined)).toBe(false);
  });
});

describe('the runner compares the history of cases that recorded one', () => {
  const base: ConformanceCase = {
    name: 'h.one',
    group: 'h',
    definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    input: { a: 1 },
    expected: { status: 'SUCCEEDED', output: { a: 1 } },
  };

  it('passes when the recorded types match, fails with the short diff when they do not', async () => {
    expect((await runCase({ ...base, events: ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'] })).passed).toBe(true);
    const outcome = await runCase({ ...base, events: ['ExecutionStarted', 'PassStateEntered', 'ExecutionSucceeded'] });
    expect(outcome.passed).toBe(false);
    expect(outcome.differences).toEqual([{ path: 'history/2', expected: ['ExecutionStarted', 'PassStateEntered', '*ExecutionSucceeded'], actual: ['ExecutionStarted', 'PassStateEntered', '*PassStateExited', 'ExecutionSucceeded'] }]);
  });

  it('caseDifferences (shared with the durable runner) checks the events it is given, and none without recorded ones', () => {
    const result = { status: 'SUCCEEDED', output: { a: 1 }, events: history(['ExecutionStarted'], ['ExecutionSucceeded']) };
    expect(caseDifferences(base, result)).toEqual([]);
    expect(caseDifferences({ ...base, events: ['ExecutionStarted', 'ExecutionSucceeded'] }, result)).toEqual([]);
    expect(caseDifferences({ ...base, events: ['ExecutionStarted', 'PassStateEntered', 'ExecutionSucceeded'] }, result).map((d) => d.path)).toEqual(['history/1']);
  });
});
