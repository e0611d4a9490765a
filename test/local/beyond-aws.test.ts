/**
 * What Step Functions lacks, through the API on the local runtime: retention as TTL, unlimited
 * history, redrive, the runaway guard, trace ids.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { startTestServer, FN } from '../runtime/harness';

type Server = Awaited<ReturnType<typeof startTestServer>>;

async function post(s: Server, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function get(s: Server, path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${s.url}${path}`)).json()) as Record<string, unknown>;
}

const enc = encodeURIComponent;

describe('beyond Step Functions, through the REST API', () => {
  let s: Server;
  let failItem = -1;
  const workCalls = new Map<number, number>();

  beforeAll(async () => {
    s = await startTestServer({
      timeScale: 0,
      tasks: {
        [FN('work')]: async (n: unknown) => {
          workCalls.set(n as number, (workCalls.get(n as number) ?? 0) + 1);
          if (n === failItem) {
            // fail late, when every other item has finished: then only this one is left to redo
            await new Promise((resolve) => setTimeout(resolve, 500));
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
            throw { error: 'ItemFailed', cause: `item ${n}` };
          }
          return (n as number) + 1000;
        },
        [FN('trace')]: () => 'ok',
        // a callback task nobody answers: holds its execution RUNNING until it is stopped
        [FN('hold')]: () => 'held',
      },
    });
  });
  afterAll(() => s.close());

  async function items(executionArn: string) {
    const res = await s.deps.store.getExecution(executionArn);
    return res;
  }

  it('retention: execution and history items carry the TTL of their state machine; a change affects new executions only', async () => {
    const def = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    expect((await post(s, '/state-machines', { name: 'kept-7-days', definition: def, settings: { retentionDays: 7 } })).status).toBe(201);
    const before = Math.floor(Date.now() / 1000);
    const first = (await post(s, '/state-machines/kept-7-days/executions', { input: {} })).json.executionArn as string;
    await s.finished(first);
    const raw = await s.engine.dynamo.client.send(new QueryCommand({ TableName: s.engine.dynamo.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `EX#${first}` } } }));
    const expiries = (raw.Items ?? []).map((i) => Number(i.expiresAt?.N));
    expect(expiries.length).toBeGreaterThanOrEqual(2); // the record + its history (one item per step: this one-step run has one)
    for (const e of expiries) {
      expect(e).toBeGreaterThanOrEqual(before + 7 * 86400);
      expect(e).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 7 * 86400 + 1);
    }
    // keep forever from now on: the earlier execution keeps its 7 days
    await fetch(`${s.url}/state-machines/kept-7-days`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ settings: { retentionDays: 'forever' } }) });
    const second = (await post(s, '/state-machines/kept-7-days/executions', { input: {} })).json.executionArn as string;
    await s.finished(second);
    const raw2 = await s.engine.dynamo.client.send(new QueryCommand({ TableName: s.engine.dynamo.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `EX#${second}` } } }));
    expect((raw2.Items ?? []).length).toBeGreaterThanOrEqual(2);
    expect((raw2.Items ?? []).every((i) => i.expiresAt === undefined)).toBe(true);
    expect((await items(first))?.retentionSeconds).toBe(7 * 86400);
    expect((await items(second))?.retentionSeconds).toBeNull();
  });

  it('rejects bad settings with the field named', async () => {
    const r = await post(s, '/state-machines', { name: 'bad', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, settings: { limits: { maxLoops: 3 } } });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('settings.limits.maxLoops');
  });

  it('redrive: a Map with 1 of 100 failed items re-runs only that item', async () => {
    const def = {
      StartAt: 'Each',
      States: { Each: { Type: 'Map', MaxConcurrency: 10, End: true, ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN('work'), End: true } } } } },
    };
    await post(s, '/state-machines', { name: 'hundred', definition: def });
    failItem = 99;
    workCalls.clear();
    const input = Array.from({ length: 100 }, (_, i) => i);
    const arn = (await post(s, '/state-machines/hundred/executions', { input })).json.executionArn as string;
    const failed = await s.finished(arn, { stuck: true });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'ItemFailed', cause: 'item 99' });
    const before = new Map(workCalls);

    failItem = -1;
    const r = await post(s, `/executions/${enc(arn)}/redrive`, {});
    expect(r.status).toBe(200);
    const done = await s.finished(arn, { stuck: true });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual(input.map((i) => i + 1000));
    const rerun = input.filter((i) => (workCalls.get(i) ?? 0) > (before.get(i) ?? 0));
    expect(rerun).toEqual([99]);
    const described = await get(s, `/executions/${enc(arn)}`);
    expect(described.redriveCount).toBe(1);
    const history = (await s.history(arn)).map((e) => e.type);
    expect(history).toContain('ExecutionRedriven');
    expect(history.filter((t) => t === 'ExecutionFailed')).toHaveLength(1);
    expect(history[history.length - 1]).toBe('ExecutionSucceeded');
  });

  it('redrive refuses a running or succeeded execution, and a corrected definition that lost the failed state', async () => {
    const def = { StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'Broken' } } };
    await post(s, '/state-machines', { name: 'broken', definition: def });
    const arn = (await post(s, '/state-machines/broken/executions', { input: {} })).json.executionArn as string;
    await s.finished(arn);
    // corrected: the failing state now passes
    await fetch(`${s.url}/state-machines/broken`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ definition: { StartAt: 'Boom', States: { Boom: { Type: 'Pass', Result: 'fixed', End: true } } } }) });
    const r = await post(s, `/executions/${enc(arn)}/redrive`, { useLatestDefinition: true });
    expect(r.status).toBe(200);
    const done = await s.finished(arn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '"fixed"' });
    const again = await post(s, `/executions/${enc(arn)}/redrive`, {});
    expect(again.json.error).toBe('ExecutionNotRedrivable');

    await post(s, '/state-machines', { name: 'broken-again', definition: def });
    const other = (await post(s, '/state-machines/broken-again/executions', { input: {} })).json.executionArn as string;
    expect((await s.finished(other)).status).toBe('FAILED');
    await fetch(`${s.url}/state-machines/broken-again`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ definition: { StartAt: 'Other', States: { Other: { Type: 'Pass', End: true } } } }) });
    const refused = await post(s, `/executions/${enc(other)}/redrive`, { useLatestDefinition: true });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain('/States/Boom');
  });

  describe('execution names', () => {
    // {wait: n}: a Wait (over at once at time scale 0); {hold: true}: RUNNING until stopped (a callback nobody answers)
    const def = {
      StartAt: 'Route',
      States: {
        Route: { Type: 'Choice', Choices: [{ Variable: '$.hold', IsPresent: true, Next: 'Hold' }], Default: 'W' },
        W: { Type: 'Wait', SecondsPath: '$.wait', End: true },
        Hold: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: FN('hold'), Payload: { 'token.$': '$$.Task.Token' } }, End: true },
      },
    };
    const start = (machine: string, name: string, input: unknown) => post(s, `/state-machines/${machine}/executions`, { name, input });

    async function startFinished(machine: string, name: string, input: unknown) {
      const r = await start(machine, name, input);
      expect(r.status).toBe(202);
      await s.finished(r.json.executionArn as string);
      return r.json.executionArn as string;
    }

    it('unique while retained (default): a finished name stays taken; same name and input while running is the same execution', async () => {
      await post(s, '/state-machines', { name: 'names-default', definition: def });
      await startFinished('names-default', 'once', { wait: 0 });
      expect((await start('names-default', 'once', { wait: 0 })).json.error).toBe('ExecutionAlreadyExists');
    });

    it('unique forever: the name stays taken even after the execution expired from the store', async () => {
      await post(s, '/state-machines', { name: 'names-forever', definition: def, settings: { namePolicy: 'unique-forever' } });
      const arn = await startFinished('names-forever', 'invoice-42', { wait: 0 });
      // what TTL expiry does on AWS: the execution record is gone
      const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
      await s.engine.dynamo.client.send(new DeleteItemCommand({ TableName: s.engine.dynamo.tableName, Key: { pk: { S: `EX#${arn}` }, sk: { S: 'META' } } }));
      expect(await s.deps.store.getExecution(arn)).toBeUndefined();
      expect((await start('names-forever', 'invoice-42', { wait: 0 })).json.error).toBe('ExecutionAlreadyExists');
    });

    it('reusable after finish: a finished name starts a new execution; a running one is idempotent', async () => {
      await post(s, '/state-machines', { name: 'names-reuse', definition: def, settings: { namePolicy: 'reusable-after-finish' } });
      const first = await startFinished('names-reuse', 'nightly', { wait: 0 });
      const second = await startFinished('names-reuse', 'nightly', { wait: 0 });
      expect(second).toBe(`${first}:2`);
      expect((await get(s, `/executions/${enc(second)}`)).name).toBe('nightly');
      const third = await start('names-reuse', 'nightly', { hold: true });
      const again = await start('names-reuse', 'nightly', { hold: true });
      expect(again.json.executionArn).toBe(third.json.executionArn);
      expect((await start('names-reuse', 'nightly', { hold: false })).json.error).toBe('ExecutionAlreadyExists');
      await post(s, `/executions/${enc(third.json.executionArn as string)}/stop`, {});
    });
  });

  it('runaway guard: an infinite loop stops at the transition limit with a clear error', async () => {
    const loop = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } } };
    await post(s, '/state-machines', { name: 'forever-loop', definition: loop, settings: { limits: { maxTransitions: 2000 } } });
    const arn = (await post(s, '/state-machines/forever-loop/executions', { input: {} })).json.executionArn as string;
    const rec = await s.finished(arn, { stuck: true });
    expect(rec.error).toBe('Stepwright.TransitionLimitExceeded');
    expect(rec.cause).toContain('2000 state transitions');
  });

  it('continue as new: a Task starts a fresh execution of the machine with the parent id in its input', async () => {
    const def = {
      StartAt: 'Round',
      States: {
        Round: { Type: 'Choice', Choices: [{ Variable: '$.round', NumericGreaterThanEquals: 3, Next: 'Done' }], Default: 'ContinueAsNew' },
        ContinueAsNew: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: {
            StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:generations',
            Input: { 'round.$': 'States.MathAdd($.round, 1)', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
          },
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    };
    await post(s, '/state-machines', { name: 'generations', definition: def });
    const first = (await post(s, '/state-machines/generations/executions', { input: { round: 1 } })).json.executionArn as string;
    const out1 = JSON.parse((await s.finished(first)).output!);
    expect(out1.ExecutionArn).toMatch(/:execution:generations:/);
    const second = await s.finished(out1.ExecutionArn);
    expect(JSON.parse(second.input)).toEqual({ round: 2, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: first });
    const third = await s.finished(JSON.parse(second.output!).ExecutionArn);
    expect(third.status).toBe('SUCCEEDED');
    expect(JSON.parse(third.output!)).toMatchObject({ round: 3 });
  });

  it('trace ids: the caller\'s X-Amzn-Trace-Id reaches every task and DescribeExecution', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('trace'), Next: 'U' }, U: { Type: 'Task', Resource: FN('trace'), End: true } } };
    await post(s, '/state-machines', { name: 'traced', definition: def });
    const res = await fetch(`${s.url}/state-machines/traced/executions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-amzn-trace-id': 'Root=1-abc-123' }, body: '{}' });
    const arn = ((await res.json()) as { executionArn: string }).executionArn;
    await s.finished(arn);
    const calls = s.invoker.calls.filter((c) => c.executionArn === arn);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.traceId === 'Root=1-abc-123')).toBe(true);
    expect((await get(s, `/executions/${enc(arn)}`)).traceHeader).toBe('Root=1-abc-123');
  });
});

describe('no 25,000-event cap', () => {
  it('an execution with 100,000 history events runs and reads back in full, forwards and backwards', async () => {
    const s = await startTestServer({ timeScale: 0 });
    try {
      // 25,000 rounds of two states (4 events each): a little over 100,000 events
      const def = {
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Result: { n: 0 }, Next: 'Inc' },
          Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Check' },
          Check: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThanEquals: 25000, Next: 'Done' }], Default: 'Inc' },
          Done: { Type: 'Succeed' },
        },
      };
      await post(s, '/state-machines', { name: 'long', definition: def });
      const arn = (await post(s, '/state-machines/long/executions', { input: {} })).json.executionArn as string;
      const rec = await s.finished(arn, { stuck: true });
      expect(rec.status).toBe('SUCCEEDED');
      let count = 0;
      let lastId = 0;
      let token: string | undefined;
      do {
        const page = (await get(s, `/executions/${enc(arn)}/history?maxResults=1000${token ? `&nextToken=${enc(token)}` : ''}`)) as { events: { id: number }[]; nextToken?: string };
        for (const e of page.events) {
          expect(e.id).toBe(lastId + 1);
          lastId = e.id;
        }
        count += page.events.length;
        token = page.nextToken;
      } while (token);
      expect(count).toBeGreaterThanOrEqual(100_000);
      const reversed = (await get(s, `/executions/${enc(arn)}/history?maxResults=3&reverseOrder=true`)) as { events: { id: number; type: string }[] };
      expect(reversed.events.map((e) => e.id)).toEqual([count, count - 1, count - 2]);
      expect(reversed.events[0].type).toBe('ExecutionSucceeded');
    } finally {
      await s.close();
    }
  }, 300_000);
});
