import { advance } from '../../lambda/engine/interpreter';
import { runExecution, type TaskFunction } from '../../lambda/local/runner';
import { resolverFromTable } from '../../lambda/local/tasks';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { ExecutionSnapshot } from '../../lambda/engine/types';
import { startEvent } from './fixtures';

const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };

function run(definition: object, input: unknown = {}, tasks: Record<string, TaskFunction> = {}) {
  return runExecution({ definition: definition as StateMachineDefinition, input, tasks: resolverFromTable(tasks), fastTimers: true, random, name: 'test' });
}


describe('Pass', () => {
  it('applies InputPath, Parameters, ResultPath and OutputPath in order', async () => {
    const r = await run(
      {
        StartAt: 'P',
        States: { P: { Type: 'Pass', InputPath: '$.a', Parameters: { 'v.$': '$.b', fixed: 1 }, ResultPath: '$.out', OutputPath: '$.out', End: true } },
      },
      { a: { b: 7 } },
    );
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: { v: 7, fixed: 1 } });
  });

  it('Result replaces the input and ResultPath null keeps the input', async () => {
    const r = await run({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Result: { x: 1 }, ResultPath: '$.r', Next: 'B' }, B: { Type: 'Pass', Result: 'ignored', ResultPath: null, End: true } },
    }, { keep: true });
    expect(r.output).toEqual({ keep: true, r: { x: 1 } });
  });
});

describe('Task', () => {
  const def = {
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:add', ResultSelector: { 'sum.$': '$.total' }, ResultPath: '$.r', End: true } },
  };

  it('runs the task with the effective input and processes the result', async () => {
    const r = await run(def, { a: 2, b: 3 }, { add: (i) => ({ total: (i as { a: number }).a + (i as { b: number }).b }) });
    expect(r.output).toEqual({ a: 2, b: 3, r: { sum: 5 } });
    expect(r.history.map((e) => e.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded',
    ]);
  });

  it('fails the execution with the task error when nothing catches it', async () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
    const r = await run(def, {}, { add: () => { throw { error: 'Boom', cause: 'bad' }; } });
    expect(r).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'bad' });
  });

  it('retries with MaxAttempts and then catches into ResultPath', async () => {
    let calls = 0;
    const r = await run(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:flaky',
            Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 2, IntervalSeconds: 1 }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'Handled' }],
            End: true,
          },
          Handled: { Type: 'Pass', End: true },
        },
      },
      { in: 1 },
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
      { flaky: () => { calls++; throw { error: 'Flaky', cause: `call ${calls}` }; } },
    );
    expect(calls).toBe(3);
    expect(r.output).toEqual({ in: 1, err: { Error: 'Flaky', Cause: 'call 3' } });
  });

  it('MaxAttempts 0 means no retry', async () => {
    let calls = 0;
    const r = await run(
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'f', Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 0 }], End: true } } },
      {},
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
      { f: () => { calls++; throw { error: 'E' }; } },
    );
    expect(calls).toBe(1);
    expect(r.status).toBe('FAILED');
  });

  it('TimeoutSeconds fails with States.Timeout', async () => {
    const r = await run(
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'slow', TimeoutSeconds: 1, End: true } } },
      {},
      { slow: async (_i, ctx) => { await ctx.sleep(5000); return 'late'; } },
    );
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('States.TaskFailed does not match States.Timeout', async () => {
    const r = await run(
      {
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'slow', TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'C' }], End: true },
          C: { Type: 'Pass', End: true },
        },
      },
      {},
      { slow: async (_i, ctx) => { await ctx.sleep(5000); return 1; } },
    );
    expect(r.error).toBe('States.Timeout');
  });

  it('lambda:invoke wraps the payload like the integration', async () => {
    const r = await run(
      { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'double', 'Payload.$': '$' }, OutputPath: '$.Payload', End: true } } },
      { n: 4 },
      { double: (i) => ({ n: (i as { n: number }).n * 2 }) },
    );
    expect(r.output).toEqual({ n: 8 });
  });
});

describe('Choice, Wait, Succeed, Fail', () => {
  const def = {
    StartAt: 'C',
    States: {
      C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }], Default: 'Small' },
      Big: { Type: 'Wait', Seconds: 3, Next: 'Done' },
      Small: { Type: 'Fail', Error: 'TooSmall', Cause: 'n is small' },
      Done: { Type: 'Succeed' },
    },
  };
  it('follows the matching rule through a Wait to Succeed', async () => {
    const r = await run(def, { n: 11 });
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: { n: 11 } });
    expect(r.history.map((e) => e.type)).toContain('WaitStateExited');
  });
  it('takes Default into Fail', async () => {
    expect(await run(def, { n: 1 })).toMatchObject({ status: 'FAILED', error: 'TooSmall', cause: 'n is small' });
  });
  it('raises States.NoChoiceMatched without a Default', async () => {
    const r = await run({ StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Variable: '$.n', IsPresent: true, Next: 'E' }] }, E: { Type: 'Succeed' } } }, {});
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
  });
});

describe('Parallel and Map', () => {
  it('Parallel returns branch outputs in branch order', async () => {
    const r = await run({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel', End: true,
          Branches: [
            { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 5, Next: 'A' }, A: { Type: 'Pass', Result: 'first', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'second', End: true } } },
          ],
        },
      },
    });
    expect(r.output).toEqual(['first', 'second']);
  });

  it('a failing branch fails the Parallel with its own error, catchable', async () => {
    const r = await run({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel', Next: 'X', Catch: [{ ErrorEquals: ['Oops'], Next: 'Caught' }],
          Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Oops', Cause: 'c' } } }],
        },
        X: { Type: 'Pass', End: true },
        Caught: { Type: 'Pass', End: true },
      },
    });
    expect(r.output).toEqual({ Error: 'Oops', Cause: 'c' });
  });

  it('Map with ItemSelector and $$.Map.Item keeps item order and honours MaxConcurrency', async () => {
    let running = 0;
    let peak = 0;
    const r = await run(
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 2, End: true,
            ItemSelector: { 'i.$': '$$.Map.Item.Index', 'v.$': '$$.Map.Item.Value' },
            ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'work', End: true } } },
          },
        },
      },
      { items: ['a', 'b', 'c', 'd', 'e'] },
      {
        work: async (input, ctx) => {
          running++;
          peak = Math.max(peak, running);
          await ctx.sleep(10 * (5 - (input as { i: number }).i));
          running--;
          return input;
        },
      },
    );
    expect(r.output).toEqual(['a', 'b', 'c', 'd', 'e'].map((v, i) => ({ i, v })));
    expect(peak).toBe(2);
  });

  it('Map over a non-array fails with States.Runtime', async () => {
    const r = await run({ StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } } } }, { not: 'array' });
    expect(r.error).toBe('States.Runtime');
    expect(r.cause).toContain("Map state input must be an array but was: {\"not\":\"array\"}");
  });
});

describe('JSONata and variables', () => {
  it('evaluates Arguments, Output and Assign with $states and variables', async () => {
    const r = await run(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { factor: '{% $states.input.f %}' }, Next: 'T' },
          T: { Type: 'Task', Resource: 'mul', Arguments: { x: '{% $states.input.x %}', f: '{% $factor %}' }, Output: { product: '{% $states.result %}', f: '{% $factor %}' }, End: true },
        },
      },
      { x: 6, f: 7 },
      { mul: (i) => (i as { x: number }).x * (i as { f: number }).f },
    );
    expect(r.output).toEqual({ product: 42, f: 7 });
  });

  it('Assign values see the variables from before the state, not each other', async () => {
    const r = await run({
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { x: 1 }, Next: 'B' },
        B: { Type: 'Pass', Assign: { x: 2, 'y.$': '$x' }, Next: 'C' },
        C: { Type: 'Pass', Parameters: { 'x.$': '$x', 'y.$': '$y' }, End: true },
      },
    });
    expect(r.output).toEqual({ x: 2, y: 1 });
  });

  it('Map iterations read outer variables', async () => {
    const r = await run({
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { base: 100 }, Next: 'M' },
        M: { Type: 'Map', Items: '{% [1,2] %}', End: true, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input + $base %}', End: true } } } },
      },
    });
    expect(r.output).toEqual([101, 102]);
  });

  it('an expression that returns nothing fails with States.QueryEvaluationError', async () => {
    const r = await run({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $nope %}', End: true } } });
    expect(r.error).toBe('States.QueryEvaluationError');
    expect(r.cause).toBe("An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Output' returned nothing (undefined).");
  });
});

describe('the pure step function', () => {
  const def: StateMachineDefinition = {
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: 'f', Next: 'W' }, W: { Type: 'Wait', Seconds: 60, End: true } },
  };

  it('stops at a Task with an effect, and resumes from a JSON copy of the snapshot', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const first = await advance(def, undefined, startEvent({ a: 1 }), now, { random });
    const invoke = first.effects.find((e) => e.type === 'InvokeTask');
    expect(invoke).toMatchObject({ type: 'InvokeTask', resource: 'f', input: { a: 1 } });
    const stored = JSON.parse(JSON.stringify(first.snapshot)) as ExecutionSnapshot;
    const second = await advance(def, stored, { type: 'TaskSucceeded', token: (invoke as { token: string }).token, output: { b: 2 } }, now, { random });
    const timer = second.effects.find((e) => e.type === 'SetTimer');
    expect(timer).toMatchObject({ purpose: 'wait', at: '2026-01-01T00:01:00.000Z' });
    const third = await advance(def, JSON.parse(JSON.stringify(second.snapshot)), { type: 'TimerFired', token: (timer as { token: string }).token }, new Date('2026-01-01T00:01:00Z'), { random });
    expect(third.snapshot).toMatchObject({ status: 'SUCCEEDED', output: { b: 2 } });
    const ids = [...first.events, ...second.events, ...third.events].map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });

  it('ignores a duplicate answer for a task that was already answered', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const first = await advance(def, undefined, startEvent({}), now, { random });
    const token = (first.effects.find((e) => e.type === 'InvokeTask') as { token: string }).token;
    const second = await advance(def, first.snapshot, { type: 'TaskSucceeded', token, output: 1 }, now, { random });
    const before = JSON.stringify(second.snapshot);
    const dup = await advance(def, second.snapshot, { type: 'TaskSucceeded', token, output: 2 }, now, { random });
    expect(dup.events).toEqual([]);
    expect(dup.effects).toEqual([]);
    expect(JSON.stringify(dup.snapshot)).toBe(before);
  });

  it('StopExecution aborts and cancels the running task', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const first = await advance(def, undefined, startEvent({}), now, { random });
    const stopped = await advance(def, first.snapshot, { type: 'StopExecution', error: 'Stopped', cause: 'by test' }, now, { random });
    expect(stopped.snapshot.status).toBe('ABORTED');
    expect(stopped.effects.map((e) => e.type)).toEqual(['CancelTask', 'ExecutionFinished']);
    expect(stopped.events.map((e) => e.type)).toEqual(['ExecutionAborted']);
  });
});

describe('Catch on a state that ends its run', () => {
  it('a Task with "End": true that fails goes to the catcher\'s Next, not to the end of the run', async () => {
    const r = await run(
      {
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:Boom', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }], End: true },
          Handled: { Type: 'Pass', Parameters: { 'handled.$': '$.Error' }, End: true },
        },
      },
      {},
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a task stand-in failing its task with {error, cause} (the local task module contract, README), here as a rejection
      { Boom: () => Promise.reject({ error: 'Broke', cause: 'on purpose' }) },
    );
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toEqual({ handled: 'Broke' });
  });
});
