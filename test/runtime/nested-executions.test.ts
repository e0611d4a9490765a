/**
 * Nested executions through the durable local engine (dynalite, the journaled queue, the real worker):
 * `states:startExecution.sync` / `.sync:2` wait for the child without holding a worker (the child's end
 * answers the parent's task), with AWS's result shapes; a failed child fails the task with
 * States.TaskFailed and the child's description as cause; `.waitForTaskToken` is answered with the token
 * the child got; stopping the parent, or the task's timeout, stops a `.sync` child.
 */
import * as svc from '../../lambda/runtime/service';
import { startExecutionIntegration } from '../../lambda/runtime/integrations/start-execution';
import { startTestEngine, until, type TestEngine } from './harness';

jest.setTimeout(60_000);

const SM = (name: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;

let t: TestEngine;
beforeAll(async () => {
  t = await startTestEngine();
  // the child: waits a little (so the parent really waits), then answers from its input
  await t.machine('child', {
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', Seconds: 5, Next: 'Check' },
      Check: { Type: 'Choice', Choices: [{ Variable: '$.fail', IsPresent: true, Next: 'Fail' }], Default: 'Answer' },
      Answer: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)', 'parent.$': '$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID', 'self.$': '$$.Execution.Id' }, End: true },
      Fail: { Type: 'Fail', Error: 'Child.Broke', Cause: 'the child was asked to fail' },
    },
  });
});
afterAll(() => t.close());

function parentOf(resource: string, extra: Record<string, unknown> = {}) {
  return {
    StartAt: 'Nested',
    States: {
      Nested: {
        Type: 'Task',
        Resource: resource,
        Parameters: { StateMachineArn: SM('child'), Input: { 'n.$': '$.n', 'fail.$': '$.fail', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' } },
        ...extra,
        End: true,
      },
    },
  };
}

describe('startExecution.sync and .sync:2', () => {
  it('.sync: the task result is DescribeExecution of the child, Input and Output as JSON text, dates in epoch ms', async () => {
    const sm = await t.machine('parent-sync', parentOf('arn:aws:states:::states:startExecution.sync', { Parameters: { StateMachineArn: SM('child'), Input: { 'n.$': '$.n', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' } } }));
    const parent = await t.start(sm, { n: 21 }, 'sync-1');
    const done = await t.finished(parent, { stuck: true });
    expect(done.status).toBe('SUCCEEDED');
    const out = JSON.parse(done.output!) as Record<string, unknown>;
    expect(out).toMatchObject({ Status: 'SUCCEEDED', StateMachineArn: SM('child'), InputDetails: { Included: true }, OutputDetails: { Included: true }, RedriveCount: 0, RedriveStatus: 'NOT_REDRIVABLE' });
    expect(typeof out.Output).toBe('string');
    expect(typeof out.Input).toBe('string');
    expect(typeof out.StartDate).toBe('number');
    expect(out.StopDate as number).toBeGreaterThanOrEqual(out.StartDate as number);
    const childOutput = JSON.parse(out.Output as string) as Record<string, unknown>;
    // the child saw the parent's id in its input, and its own $$.Execution.Id is the ExecutionArn reported
    expect(childOutput).toEqual({ doubled: 42, parent, self: out.ExecutionArn });
    expect(JSON.parse(out.Input as string)).toEqual({ n: 21, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parent });
    const child = await t.get(out.ExecutionArn as string);
    expect(child.status).toBe('SUCCEEDED');
    // the parent's history shows the task submitted, then succeeded with the child's description
    const types = (await t.history(parent)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'ExecutionSucceeded']));
  });

  it('.sync:2: Input and Output are parsed JSON', async () => {
    const sm = await t.machine('parent-sync2', parentOf('arn:aws:states:::states:startExecution.sync:2', { Parameters: { StateMachineArn: SM('child'), Input: { 'n.$': '$.n', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' } } }));
    const parent = await t.start(sm, { n: 5 }, 'sync2-1');
    const done = await t.finished(parent, { stuck: true });
    const out = JSON.parse(done.output!) as Record<string, unknown>;
    expect(out.Status).toBe('SUCCEEDED');
    expect(out.Output).toEqual({ doubled: 10, parent, self: out.ExecutionArn });
    expect(out.Input).toEqual({ n: 5, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parent });
  });

  it('a failed child fails the task with States.TaskFailed, its description (Status, Error, Cause) as the cause', async () => {
    const def = parentOf('arn:aws:states:::states:startExecution.sync:2') as { States: Record<string, Record<string, unknown>> };
    delete def.States.Nested.End;
    def.States.Nested.Catch = [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.caught', Next: 'Caught' }];
    def.States.Nested.Next = 'Caught';
    def.States.Caught = { Type: 'Pass', End: true };
    const sm = await t.machine('parent-fails', def);
    const parent = await t.start(sm, { n: 1, fail: true }, 'fails-1');
    const done = await t.finished(parent, { stuck: true });
    expect(done.status).toBe('SUCCEEDED');
    const caught = (JSON.parse(done.output!) as { caught: { Error: string; Cause: string } }).caught;
    expect(caught.Error).toBe('States.TaskFailed');
    const described = JSON.parse(caught.Cause) as Record<string, unknown>;
    expect(described).toMatchObject({ Status: 'FAILED', Error: 'Child.Broke', Cause: 'the child was asked to fail', StateMachineArn: SM('child') });
    expect((await t.get(described.ExecutionArn as string)).status).toBe('FAILED');
  });

  it('stopping the parent stops the .sync child', async () => {
    await t.machine('sleeper', { StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 10_000_000, End: true } } });
    const sm = await t.machine('parent-stopped', { StartAt: 'Nested', States: { Nested: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', Parameters: { StateMachineArn: SM('sleeper'), Input: {} }, End: true } } });
    const parent = await t.start(sm, {}, 'stopped-1');
    // the child exists and is running once the parent's task has started it
    const childArn = await until('the child to start', async () => {
      const page = await svc.listExecutions(t.deps, { stateMachineArn: SM('sleeper') });
      const running = page.items.find((e) => e.status === 'RUNNING');
      return running && (await t.get(running.executionArn)).snapshot ? running.executionArn : undefined;
    }, { engine: t.engine });
    await svc.stopExecution(t.deps, { executionArn: parent, error: 'Operator.Stop', cause: 'no longer needed' });
    expect((await t.get(parent)).status).toBe('ABORTED');
    const child = await t.finished(childArn, { stuck: true });
    expect(child.status).toBe('ABORTED');
  });
});

describe('a .sync task that times out stops its child', () => {
  // (the engine runs at time scale 0.01: 100 s are 1 s here, long enough for the child to start)
  it.each([
    ['TimeoutSeconds', 'States.Timeout'],
    ['HeartbeatSeconds', 'States.HeartbeatTimeout'],
  ])('%s: the parent records TaskTimedOut and fails with %s; the child ends ABORTED', async (field, error) => {
    const childSm = await t.machine(`sleeper-${field}`, { StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 10_000_000, End: true } } });
    const sm = await t.machine(`parent-${field}`, { StartAt: 'Nested', States: { Nested: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', [field]: 100, Parameters: { StateMachineArn: childSm, Input: {} }, End: true } } });
    const parent = await t.start(sm, {}, `timeout-${field}`);
    const done = await t.finished(parent, { stuck: true });
    expect(done).toMatchObject({ status: 'FAILED', error });
    const parentTypes = (await t.history(parent)).map((e) => e.type);
    expect(parentTypes).toEqual(expect.arrayContaining(['TaskStarted', 'TaskTimedOut', 'ExecutionFailed']));
    const children = (await svc.listExecutions(t.deps, { stateMachineArn: childSm })).items;
    expect(children).toHaveLength(1);
    const child = await t.finished(children[0].executionArn, { stuck: true });
    expect(child.status).toBe('ABORTED');
    const aborted = (await t.history(child.executionArn)).find((e) => e.type === 'ExecutionAborted');
    expect(aborted?.executionAbortedEventDetails).toEqual({ error, cause: expect.stringContaining(`'Nested' in execution ${parent}`) as unknown });
  });

  it('the parent execution\'s own TimeoutSeconds: the parent ends TIMED_OUT, its .sync child ABORTED', async () => {
    const childSm = await t.machine('sleeper-exec-timeout', { StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 10_000_000, End: true } } });
    const sm = await t.machine('parent-exec-timeout', { TimeoutSeconds: 100, StartAt: 'Nested', States: { Nested: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', Parameters: { StateMachineArn: childSm }, End: true } } });
    const parent = await t.start(sm, {}, 'exec-timeout-1');
    expect((await t.finished(parent, { stuck: true })).status).toBe('TIMED_OUT');
    const [only] = (await svc.listExecutions(t.deps, { stateMachineArn: childSm })).items;
    expect((await t.finished(only.executionArn, { stuck: true })).status).toBe('ABORTED');
    const aborted = (await t.history(only.executionArn)).find((e) => e.type === 'ExecutionAborted');
    expect(aborted?.executionAbortedEventDetails).toEqual({ error: 'States.Timeout', cause: expect.stringContaining('that execution timed out') as unknown });
  });

  it('a Retry on States.Timeout: the timed-out attempt\'s child is stopped, the retry\'s child runs and answers', async () => {
    // the first attempt's child waits (for ever), the retry's answers at once
    await t.machine('retry-child', {
      StartAt: 'First',
      States: {
        First: { Type: 'Choice', Choices: [{ Variable: '$.attempt', NumericEquals: 0, Next: 'Hang' }], Default: 'Answer' },
        Hang: { Type: 'Wait', Seconds: 10_000_000, End: true },
        Answer: { Type: 'Pass', Result: 'second attempt', End: true },
      },
    });
    const sm = await t.machine('parent-retry-timeout', {
      StartAt: 'Nested',
      States: {
        Nested: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          TimeoutSeconds: 100,
          Parameters: { StateMachineArn: SM('retry-child'), Input: { 'attempt.$': '$$.State.RetryCount' } },
          Retry: [{ ErrorEquals: ['States.Timeout'], IntervalSeconds: 1, MaxAttempts: 1 }],
          End: true,
        },
      },
    });
    const parent = await t.start(sm, {}, 'retry-timeout-1');
    const done = await t.finished(parent, { stuck: true });
    expect(done.status).toBe('SUCCEEDED');
    const out = JSON.parse(done.output!) as { ExecutionArn: string; Output: unknown };
    expect(out.Output).toBe('second attempt');
    expect((await t.history(parent)).map((e) => e.type).filter((type) => type.startsWith('Task') && type !== 'TaskStateEntered' && type !== 'TaskStateExited'))
      .toEqual(['TaskScheduled', 'TaskStarted', 'TaskTimedOut', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded']);
    const children = (await svc.listExecutions(t.deps, { stateMachineArn: SM('retry-child') })).items;
    expect(children).toHaveLength(2);
    const first = children.find((c) => c.executionArn !== out.ExecutionArn)!;
    expect((await t.finished(first.executionArn, { stuck: true })).status).toBe('ABORTED');
    expect((await t.get(out.ExecutionArn)).status).toBe('SUCCEEDED');
  });
});

describe('waiting without a worker', () => {
  it('while a .sync child runs no batch is in flight; the child aborted fails the task with its description', async () => {
    await t.machine('long-child', { StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 10_000_000, End: true } } });
    const sm = await t.machine('parent-idle', {
      StartAt: 'Nested',
      States: {
        Nested: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', Parameters: { StateMachineArn: SM('long-child') }, Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }], End: true },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const parent = await t.start(sm, {}, 'idle-1');
    const childArn = await until('the child to start', async () => {
      const page = await svc.listExecutions(t.deps, { stateMachineArn: SM('long-child') });
      const rec = page.items[0] && (await t.get(page.items[0].executionArn));
      return rec?.snapshot ? rec.executionArn : undefined;
    }, { engine: t.engine });
    // the parent waits on its task, the child on its timer: nothing is being handled
    await until('the engine to hold no batch', () => (t.engine.queue.stats().inFlightBatches === 0 ? true : undefined));
    expect((await t.get(parent)).status).toBe('RUNNING');
    expect((await t.get(childArn)).startedBy).toMatchObject({ executionArn: parent, pattern: 'sync' });
    await svc.stopExecution(t.deps, { executionArn: childArn, error: 'Ops.Cancelled', cause: 'cancelled by hand' });
    const done = await t.finished(parent, { stuck: true });
    expect(done.status).toBe('SUCCEEDED');
    const caught = JSON.parse(done.output!) as { Error: string; Cause: string };
    expect(caught.Error).toBe('States.TaskFailed');
    expect(JSON.parse(caught.Cause)).toMatchObject({ ExecutionArn: childArn, Status: 'ABORTED', Error: 'Ops.Cancelled', Cause: 'cancelled by hand' });
  });
});

describe('a .sync task invoked again', () => {
  it('finds the child it started, ended or not, and has it answer again (never ExecutionAlreadyExists)', async () => {
    const sm = await t.machine('parent-again', parentOf('arn:aws:states:::states:startExecution.sync:2', { Parameters: { StateMachineArn: SM('child'), Input: { 'n.$': '$.n', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' } } }));
    const parent = await t.start(sm, { n: 2 }, 'again-1');
    expect((await t.finished(parent, { stuck: true })).status).toBe('SUCCEEDED');
    const invoke = t.invoker.calls.length; // engine-answered: the Lambda invoker is never called
    const started = await t.get(JSON.parse((await t.get(parent)).output!).ExecutionArn as string);
    const sent: unknown[] = [];
    // the same attempt as the first invocation (same record, same wait token): its redelivery
    const deps = { ...t.deps, queue: { send: async (m: unknown[]) => void sent.push(...m) } };
    const again = await startExecutionIntegration(deps, {
      resource: 'arn:aws:states:::states:startExecution.sync:2',
      input: { StateMachineArn: SM('child'), Input: { n: 2, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parent } },
      executionArn: parent,
      stateName: 'Nested',
      attempt: 1,
      idempotencyKey: `${parent}#${started.startedBy!.token}`,
    }, 'sync:2', started.startedBy!.token);
    expect(again).toEqual({ ok: true, output: { ExecutionArn: started.executionArn, StartDate: started.startDate } });
    expect(sent).toEqual([{ body: { kind: 'answerParent', executionArn: started.executionArn } }]);
    expect(t.invoker.calls.length).toBe(invoke);
  });
});

describe('startExecution.waitForTaskToken', () => {
  it('the child gets the token in its input; SendTaskSuccess with it answers the parent', async () => {
    await t.machine('token-child', { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 10_000_000, End: true } } });
    const sm = await t.machine('parent-token', {
      StartAt: 'Nested',
      States: { Nested: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken', Parameters: { StateMachineArn: SM('token-child'), Input: { 'token.$': '$$.Task.Token' } }, End: true } },
    });
    const parent = await t.start(sm, {}, 'token-1');
    const token = await until('the child to be started with the token', async () => {
      const page = await svc.listExecutions(t.deps, { stateMachineArn: SM('token-child') });
      const rec = page.items[0] && (await t.get(page.items[0].executionArn));
      return rec ? (JSON.parse(rec.input) as { token: string }).token : undefined;
    }, { engine: t.engine });
    await svc.sendTaskSuccess(t.deps, { taskToken: token, output: JSON.stringify({ approved: true }) });
    const done = await t.finished(parent, { stuck: true });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ approved: true });
  });
});
