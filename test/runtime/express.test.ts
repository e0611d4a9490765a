/**
 * EXPRESS executions on the local engine (dynalite, the journaled queue, the real worker): the
 * five-minute limit (on a time scale: 300 s of execution time pass in 600 ms), the history written to
 * the machine's log at its logging level through the store's watched appendHistory (as `stepwright
 * serve` and the AWS worker watch it), and the APIs AWS does not offer for Express executions.
 */
import type { HistoryEvent } from '../../lambda/engine/history';
import { startSyncExecution } from '../../lambda/runtime/express-api';
import { lineLogWriter, machineLogListener, observeHistory } from '../../lambda/runtime/execution-logging';
import * as svc from '../../lambda/runtime/service';
import { ROLE, startTestEngine, until, type TestEngine } from './harness';

/** 300 s of execution time are 600 ms here: a Wait of 1,000 s outlives the limit, one of 10 s does not. */
const TIME_SCALE = 0.002;
const GROUP = 'arn:aws:logs:us-east-1:123456789012:log-group:express-runs:*';

let t: TestEngine;
/** the log lines the machines' log listener wrote: one JSON object per event, AWS's record shape */
let lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  t = await startTestEngine({ timeScale: TIME_SCALE });
  const store = t.deps.store;
  t.deps.store = observeHistory(store, [machineLogListener(() => store, lineLogWriter((line) => lines.push(JSON.parse(line) as Record<string, unknown>)))], (e) => {
    throw e;
  });
});
afterAll(() => t.close());
beforeEach(() => {
  lines = [];
});

const waitThenDone = (seconds: number) => ({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: seconds, Next: 'Done' }, Done: { Type: 'Pass', Result: 'done', End: true } } });
const failing = { StartAt: 'Shape', States: { Shape: { Type: 'Pass', Next: 'Fail' }, Fail: { Type: 'Fail', Error: 'Bad', Cause: 'on purpose' } } };

async function expressMachine(name: string, definition: unknown, level?: 'ALL' | 'ERROR' | 'OFF'): Promise<string> {
  const loggingConfiguration = level && { level, includeExecutionData: true, ...(level === 'OFF' ? {} : { destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP } }] }) };
  return (await svc.createStateMachine(t.deps, { name, type: 'EXPRESS', definition: JSON.stringify(definition), roleArn: ROLE, loggingConfiguration })).stateMachineArn;
}

const ended = (executionArn: string) => until(`${executionArn} to end`, async () => {
  const rec = await t.get(executionArn);
  return rec.status === 'RUNNING' ? undefined : rec;
});

describe('the five-minute limit', () => {
  test('a synchronous run past it ends TIMED_OUT with States.Timeout; one within it succeeds', async () => {
    const long = await expressMachine('too-long', waitThenDone(1000));
    const r = await startSyncExecution(t.deps, { stateMachineArn: long, input: '{}' });
    expect({ status: r.status, error: r.error, output: r.output }).toEqual({ status: 'TIMED_OUT', error: 'States.Timeout', output: undefined });
    expect(r.cause).toContain('300 seconds');
    expect((await t.deps.store.getExecution(r.executionArn))?.status).toBe('TIMED_OUT');

    const short = await expressMachine('short-enough', waitThenDone(10));
    const ok = await startSyncExecution(t.deps, { stateMachineArn: short, input: '{}' });
    expect({ status: ok.status, output: ok.output }).toEqual({ status: 'SUCCEEDED', output: '"done"' });
  });

  test('an asynchronous run past it is recorded TIMED_OUT by the worker', async () => {
    const long = await expressMachine('too-long-async', waitThenDone(1000));
    const { executionArn } = await svc.startExecution(t.deps, { stateMachineArn: long, input: '{}' });
    expect(await ended(executionArn)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });
});

describe('history: in the machine\'s log only, at its logging level', () => {
  const logged = (executionArn: string) => lines.filter((l) => l.execution_arn === executionArn);

  test('level ALL: every event of a synchronous run goes to the log group, in AWS\'s record shape', async () => {
    const arn = await expressMachine('logged-all', waitThenDone(1), 'ALL');
    const r = await startSyncExecution(t.deps, { stateMachineArn: arn, name: 'one', input: '{"k":1}' });
    const records = logged(r.executionArn);
    expect(records.map((l) => l.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(records.map((l) => l.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(records[0]).toMatchObject({ logGroup: GROUP, logStream: expect.stringMatching(/^states\/logged-all\/[\d-]+\/one$/) as unknown, details: { input: '{"k":1}' } });
  });

  test('level ALL: an asynchronous run\'s events too, written by the worker', async () => {
    const arn = await expressMachine('logged-async', waitThenDone(1), 'ALL');
    const { executionArn } = await svc.startExecution(t.deps, { stateMachineArn: arn, input: '{}' });
    await ended(executionArn);
    const types = await until('the log lines', () => {
      const got = logged(executionArn).map((l) => l.type);
      return got.length ? got : undefined;
    });
    expect(types[0]).toBe('ExecutionStarted');
    expect(types[types.length - 1]).toBe('ExecutionSucceeded');
  });

  test('level ERROR: only the failures; OFF or no configuration: nothing', async () => {
    const errors = await expressMachine('logged-errors', failing, 'ERROR');
    const r = await startSyncExecution(t.deps, { stateMachineArn: errors, input: '{}' });
    expect(r.status).toBe('FAILED');
    expect(logged(r.executionArn).map((l) => l.type)).toEqual(['FailStateEntered', 'ExecutionFailed']);

    for (const [name, level] of [['logged-off', 'OFF'], ['not-logged', undefined]] as const) {
      const quiet = await expressMachine(name, waitThenDone(1), level);
      const q = await startSyncExecution(t.deps, { stateMachineArn: quiet, input: '{}' });
      expect(q.status).toBe('SUCCEEDED');
      expect(logged(q.executionArn)).toEqual([]);
      expect((await t.deps.store.getHistory(q.executionArn)).items).toEqual([]);
    }
  });
});

describe('the APIs AWS does not offer for Express executions', () => {
  test('GetExecutionHistory of the AWS API answers InvalidArn, for a synchronous run\'s ARN and an asynchronous run\'s', async () => {
    const arn = await expressMachine('no-history', waitThenDone(1), 'ALL');
    const sync = await startSyncExecution(t.deps, { stateMachineArn: arn, input: '{}' });
    await expect(svc.getExecutionHistory(t.deps, { executionArn: sync.executionArn, refuseExpress: true })).rejects.toMatchObject({ name: 'InvalidArn', message: expect.stringContaining('Resource type not valid in this context: express') as unknown });
    const { executionArn } = await svc.startExecution(t.deps, { stateMachineArn: arn, input: '{}' });
    await ended(executionArn);
    await expect(svc.getExecutionHistory(t.deps, { executionArn, refuseExpress: true })).rejects.toMatchObject({ name: 'InvalidArn', message: expect.stringContaining('EXPRESS state machine') as unknown });
    // Stepwright's own reading (the REST route, the console) shows what the log got
    const seen = await svc.getExecutionHistory(t.deps, { executionArn });
    expect(seen.items.map((e: HistoryEvent) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  test('DescribeExecution: a synchronous run\'s ARN answers InvalidArn as on AWS; an asynchronous run\'s result stays readable', async () => {
    const arn = await expressMachine('describe', waitThenDone(1));
    const sync = await startSyncExecution(t.deps, { stateMachineArn: arn, input: '{}' });
    await expect(svc.describeExecution(t.deps, sync.executionArn)).rejects.toMatchObject({ name: 'InvalidArn' });
    const { executionArn } = await svc.startExecution(t.deps, { stateMachineArn: arn, input: '{}' });
    await ended(executionArn);
    expect(await svc.describeExecution(t.deps, executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '"done"' });
  });

  test('a STANDARD machine\'s history is unaffected', async () => {
    const arn = (await svc.createStateMachine(t.deps, { name: 'standard', definition: JSON.stringify(waitThenDone(1)), roleArn: ROLE })).stateMachineArn;
    const { executionArn } = await svc.startExecution(t.deps, { stateMachineArn: arn, input: '{}' });
    await t.finished(executionArn);
    const page = await svc.getExecutionHistory(t.deps, { executionArn });
    expect(page.items.map((e: HistoryEvent) => e.type)).toContain('ExecutionSucceeded');
  });
});
