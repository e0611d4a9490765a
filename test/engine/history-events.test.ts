/**
 * The history events the interpreter writes around Map and Parallel states, one test per rule, each
 * naming the corpus case (../shared/conformance, recorded against AWS) that shows it.
 */
import { runExecution, type RunResult } from '../../lambda/local/runner';
import { advance } from '../../lambda/engine/interpreter';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { Effect } from '../../lambda/engine/types';
import { startEvent } from './fixtures';

const run = (definition: unknown, input: unknown = {}): Promise<RunResult> => runExecution({ definition: definition as StateMachineDefinition, input, fastTimers: true });
const types = (r: RunResult) => r.history.map((e) => e.type);

const failingBranch = { StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'FailureType', Cause: 'Cause description' } } };

describe('Map state events', () => {
  it('MapStateFailed follows EvaluationFailed when a Map\'s Items do not evaluate to an array (test_map_state_items_eval_jsonata_fail_number)', async () => {
    const r = await run({ QueryLanguage: 'JSONata', StartAt: 'M', States: { M: { Type: 'Map', Items: '{% 1 %}', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } } });
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'EvaluationFailed', 'MapStateFailed', 'ExecutionFailed']);
    expect(r.error).toBe('States.QueryEvaluationError');
  });

  it('a caught evaluation failure goes EvaluationFailed, MapStateFailed, MapStateExited, then the catcher\'s state', async () => {
    const r = await run({
      QueryLanguage: 'JSONata',
      StartAt: 'M',
      States: {
        M: { Type: 'Map', Items: '{% "text" %}', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }], End: true },
        Handled: { Type: 'Pass', End: true },
      },
    });
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'EvaluationFailed', 'MapStateFailed', 'MapStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  it('MapStateStarted comes before an invalid ToleratedFailureCountPath is read (test_map_state_tolerated_failure_count_path_-1)', async () => {
    const def = { StartAt: 'M', States: { M: { Type: 'Map', ItemsPath: '$.Items', MaxConcurrency: 1, ToleratedFailureCountPath: '$.Tolerated', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } } };
    const r = await run(def, { Items: [1], Tolerated: -1 });
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'ExecutionFailed']);
    expect(r.error).toBe('States.Runtime');
  });

  it('an invalid MaxConcurrencyPath fails before MapStateStarted (test_max_concurrency_path_NoNumber)', async () => {
    const def = { StartAt: 'M', States: { M: { Type: 'Map', ItemsPath: '$.Values', MaxConcurrencyPath: '$.Max', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } } };
    const r = await run(def, { Values: ['a'], Max: 'NoNumber' });
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'ExecutionFailed']);
  });

  it('a retried Map shows MapStateFailed once, after its last attempt (test_map_state_retry)', async () => {
    const r = await run({ StartAt: 'M', States: { M: { Type: 'Map', MaxConcurrency: 1, ItemProcessor: failingBranch, Retry: [{ ErrorEquals: ['FailureType'], MaxAttempts: 1 }], End: true } } }, [1]);
    const attempt = ['MapStateStarted', 'MapIterationStarted', 'FailStateEntered', 'MapIterationFailed'];
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', ...attempt, ...attempt, 'MapStateFailed', 'ExecutionFailed']);
  });

  it('a caught Map shows MapStateFailed before MapStateExited (test_map_state_catch)', async () => {
    const r = await run({ StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: failingBranch, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }], End: true }, Handled: { Type: 'Pass', End: true } } }, [1]);
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapIterationStarted', 'FailStateEntered', 'MapIterationFailed', 'MapStateFailed', 'MapStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });
});

describe('Parallel state events', () => {
  it('a retried Parallel shows ParallelStateFailed once, after its last attempt (test_parallel_state_retry)', async () => {
    const r = await run({ StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [failingBranch], Retry: [{ ErrorEquals: ['FailureType'], MaxAttempts: 2 }], End: true } } });
    expect(types(r)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'FailStateEntered', 'ParallelStateStarted', 'FailStateEntered', 'ParallelStateStarted', 'FailStateEntered', 'ParallelStateFailed', 'ExecutionFailed']);
  });

  it('a caught Parallel shows ParallelStateFailed, then ParallelStateExited (test_parallel_state_catch)', async () => {
    const r = await run({ StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [failingBranch], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }], End: true }, Handled: { Type: 'Pass', End: true } } });
    expect(types(r)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted', 'FailStateEntered', 'ParallelStateFailed', 'ParallelStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  it('a Parallel that succeeds writes ParallelStateSucceeded before ParallelStateExited (AWS does; the corpus recordings of test_parallel_state drop it in LocalStack\'s normalisation)', async () => {
    const r = await run({ StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }], End: true } } });
    expect(types(r).slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded']);
  });
});

describe('Distributed Map events (test_map_state_config_distributed_parameters)', () => {
  const distributed = (processor: unknown, extra: Record<string, unknown> = {}) => ({
    StartAt: 'M',
    States: { M: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...(processor as object) }, End: true, ...extra } },
  });

  it('the parent shows the Map Run, not the items\' events (they belong to the Map Run\'s child executions)', async () => {
    const r = await run(distributed({ StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Q' }, Q: { Type: 'Pass', End: true } } }), ['a', 'b']);
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
    expect(r.output).toEqual(['a', 'b']);
    // the parent's ids stay consecutive: the items' events took none of them
    expect(r.history.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('an inline Map inside a distributed item writes nothing to the parent either (test_map_state_nested_config_distributed)', async () => {
    const inner = { StartAt: 'Inner', States: { Inner: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } } };
    const r = await run(distributed(inner), [[1, 2], [3]]);
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
    expect(r.output).toEqual([[1, 2], [3]]);
  });

  it('a step whose events all went to an item\'s own history still reports the snapshot as changed (a durable caller keeps it)', async () => {
    const def = distributed({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', End: true } } }) as unknown as StateMachineDefinition;
    const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };
    const started = await advance(def, undefined, startEvent(['a', 'b']), new Date('2026-01-01T00:00:00Z'), { random });
    const invokes = started.effects.filter((e): e is Extract<Effect, { type: 'InvokeTask' }> => e.type === 'InvokeTask');
    expect(invokes).toHaveLength(2);
    const first = await advance(def, started.snapshot, { type: 'TaskSucceeded', token: invokes[0].token, output: 'A' }, new Date('2026-01-01T00:00:01Z'), { random });
    expect(first.events).toEqual([]);
    expect(first.effects).toEqual([]);
    expect(first.changed).toBe(true);
    const second = await advance(def, first.snapshot, { type: 'TaskSucceeded', token: invokes[1].token, output: 'B' }, new Date('2026-01-01T00:00:02Z'), { random });
    expect(second.events.map((e) => e.type)).toEqual(['MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });

  it('failed items beyond the tolerance end the Map Run with MapRunFailed, then MapStateFailed', async () => {
    const r = await run(distributed(failingBranch), [1, 2]);
    expect(types(r)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunFailed', 'MapStateFailed', 'ExecutionFailed']);
    expect(r.error).toBe('States.ExceedToleratedFailureThreshold');
  });
});
