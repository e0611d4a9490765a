/**
 * A state machine's loggingConfiguration (runtime/execution-logging.ts): the level's filter and the
 * log record as pure units; the configuration through the Step Functions JSON protocol
 * (@aws-sdk/client-sfn against the local server: create, describe, update); and the whole path on
 * the local engine (dynalite, its queue and worker): the store's appended history, observed, written
 * to the machine's log group through the port, and the worker's Powertools lines.
 */
import { CreateStateMachineCommand, DescribeStateMachineCommand, SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import type { HistoryEvent } from '../../lambda/engine/history';
import { checkLoggingConfiguration, eventsToLog, lineLogWriter, logBatchFor, logRecordOf, machineLogListener, observeHistory, type ExecutionLogBatch, type HistoryBatchInfo } from '../../lambda/runtime/execution-logging';
import { executionLogLines } from '../../lambda/aws/deps-from-env';
import { chunksOf, logGroupNameOf } from '../../lambda/aws/cloudwatch-log-writer';
import { createStateMachine } from '../../lambda/runtime/service';
import { ROLE, startTestEngine, startTestServer } from './harness';

jest.setTimeout(60_000);

const GROUP = 'arn:aws:logs:us-east-1:123456789012:log-group:/stepwright/orders:*';
const ev = (id: number, type: string, details?: Record<string, unknown>): HistoryEvent => {
  const key = type.endsWith('StateEntered') ? 'stateEnteredEventDetails' : type.endsWith('StateExited') ? 'stateExitedEventDetails' : `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
  return { id, previousEventId: id - 1, timestamp: new Date(Date.UTC(2026, 10, 30, 4, 5, id)).toISOString(), type, ...(details ? { [key]: details } : {}) };
};

const HISTORY = [
  ev(1, 'ExecutionStarted', { input: '{"order":1}', roleArn: ROLE }),
  ev(2, 'TaskStateEntered', { name: 'Charge', input: '{"order":1}' }),
  ev(3, 'LambdaFunctionScheduled', { resource: 'arn:aws:lambda:us-east-1:123456789012:function:Charge', input: '{"order":1}' }),
  ev(4, 'LambdaFunctionFailed', { error: 'Card.Declined', cause: 'insufficient funds' }),
  ev(5, 'FailStateEntered', { name: 'Declined', input: '{"order":1}' }),
  ev(6, 'ExecutionFailed', { error: 'Card.Declined', cause: 'insufficient funds' }),
];

describe('the level filter and the log record (pure)', () => {
  it('ALL lets every event through, ERROR the failures, FATAL the execution failing, OFF none', () => {
    expect(eventsToLog(HISTORY, 'ALL').map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(eventsToLog(HISTORY, 'ERROR').map((e) => e.type)).toEqual(['LambdaFunctionFailed', 'FailStateEntered', 'ExecutionFailed']);
    expect(eventsToLog(HISTORY, 'FATAL').map((e) => e.type)).toEqual(['ExecutionFailed']);
    expect(eventsToLog(HISTORY, 'OFF')).toEqual([]);
  });

  it("writes AWS's log record; execution data only with includeExecutionData", () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:orders:o-1';
    expect(logRecordOf(HISTORY[2], arn, true, 1)).toEqual({
      id: '3',
      type: 'LambdaFunctionScheduled',
      details: { resource: 'arn:aws:lambda:us-east-1:123456789012:function:Charge', input: '{"order":1}' },
      previous_event_id: '2',
      event_timestamp: String(Date.UTC(2026, 10, 30, 4, 5, 3)),
      execution_arn: arn,
      redrive_count: '1',
    });
    expect(logRecordOf(HISTORY[2], arn, false).details).toEqual({ resource: 'arn:aws:lambda:us-east-1:123456789012:function:Charge' });
    // errors and causes are not execution data: they stay
    expect(logRecordOf(HISTORY[5], arn, false).details).toEqual({ error: 'Card.Declined', cause: 'insufficient funds' });
  });

  it('names the stream after the machine, the start minute and the execution', () => {
    const info: HistoryBatchInfo = { executionArn: 'x', stateMachineArn: 'y', stateMachineName: 'orders', executionName: 'o-1', startDate: '2026-11-30T04:05:00.000Z', child: false, redriveCount: 0, states: [] };
    const batch = logBatchFor(HISTORY, info, { level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP } }] });
    expect(batch).toMatchObject({ logGroupArn: GROUP, logStreamName: 'states/orders/2026-11-30-04-05/o-1' });
    expect(batch!.events.map((e) => (JSON.parse(e.message) as { type: string }).type)).toEqual(['LambdaFunctionFailed', 'FailStateEntered', 'ExecutionFailed']);
    expect(logBatchFor(HISTORY, info, { level: 'OFF', includeExecutionData: false })).toBeUndefined();
    expect(logBatchFor(HISTORY, info, undefined)).toBeUndefined();
  });

  it('locally, writes each record as a JSON line naming its group and stream', async () => {
    const info: HistoryBatchInfo = { executionArn: 'arn:x', stateMachineArn: 'y', stateMachineName: 'orders', executionName: 'o-2', startDate: '2026-11-30T04:05:00.000Z', child: false, redriveCount: 0, states: [] };
    const lines: string[] = [];
    await lineLogWriter((l) => lines.push(l)).write(logBatchFor(HISTORY, info, { level: 'FATAL', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP } }] })!);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ logGroup: GROUP, logStream: 'states/orders/2026-11-30-04-05/o-2', ...logRecordOf(HISTORY[5], 'arn:x', false) }]);
  });

  it('refuses a bad configuration naming the member', () => {
    expect(() => checkLoggingConfiguration({ level: 'SOME' })).toThrow(/loggingConfiguration\.level must be one of ALL, ERROR, FATAL, OFF/);
    expect(() => checkLoggingConfiguration({ level: 'ALL' })).toThrow(/loggingConfiguration\.destinations is required when the level is ALL/);
    expect(() => checkLoggingConfiguration({ level: 'ERROR', destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: 'my-group' } }] })).toThrow(/destinations\[0\]\.cloudWatchLogsLogGroup\.logGroupArn must be a log group ARN/);
    expect(() => checkLoggingConfiguration({ level: 'OFF', includeExecutionData: 'yes' })).toThrow(/includeExecutionData must be a boolean/);
    expect(checkLoggingConfiguration({})).toEqual({ level: 'OFF', includeExecutionData: false });
  });

  it('CloudWatch Logs: the group name in its ARN; events in time order, split at the batch limits', () => {
    expect(logGroupNameOf(GROUP)).toBe('/stepwright/orders');
    expect(logGroupNameOf('arn:aws:logs:eu-west-1:123456789012:log-group:plain')).toBe('plain');
    const big = 'x'.repeat(250 * 1024); // four fit in a 1 MiB call, five do not
    const chunks = chunksOf([3, 1, 2, 5, 4, 6].map((t) => ({ timestamp: t, message: big })));
    expect(chunks.map((c) => c.map((e) => e.timestamp))).toEqual([[1, 2, 3, 4], [5, 6]]);
    expect(chunksOf([{ timestamp: 1, message: 'y'.repeat(300 * 1024) }])[0][0].message.length).toBe(256 * 1024 - 26);
  });
});

describe('loggingConfiguration through the Step Functions API (@aws-sdk/client-sfn, local server)', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let sfn: SFNClient;
  beforeAll(async () => {
    server = await startTestServer();
    sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  });
  afterAll(() => server.close());

  const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

  it('is stored with the machine, returned by DescribeStateMachine and changed by UpdateStateMachine', async () => {
    const logging = { level: 'ALL' as const, includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP } }] };
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'logged', definition, roleArn: ROLE, loggingConfiguration: logging }));
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).loggingConfiguration).toEqual(logging);

    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration: { ...logging, level: 'ERROR', includeExecutionData: false } }));
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).loggingConfiguration).toEqual({ ...logging, level: 'ERROR', includeExecutionData: false });

    // an update of the definition alone keeps it
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify({ StartAt: 'Other', States: { Other: { Type: 'Succeed' } } }) }));
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).loggingConfiguration?.level).toBe('ERROR');
  });

  it("answers AWS's default for a machine without one, and InvalidLoggingConfiguration for a bad one", async () => {
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'unlogged', definition, roleArn: ROLE }));
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).loggingConfiguration).toEqual({ level: 'OFF', includeExecutionData: false });
    await expect(sfn.send(new CreateStateMachineCommand({ name: 'badly-logged', definition, roleArn: ROLE, loggingConfiguration: { level: 'ALL' } }))).rejects.toMatchObject({
      name: 'InvalidLoggingConfiguration',
      message: expect.stringContaining('loggingConfiguration.destinations is required') as unknown,
    });
  });
});

describe('on the engine: the worker writes what the level lets through', () => {
  const definition = {
    StartAt: 'Charge',
    States: {
      Charge: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Charge', Retry: [{ ErrorEquals: ['Card.Busy'], MaxAttempts: 1, IntervalSeconds: 1 }], Next: 'Ship' },
      Ship: { Type: 'Pass', End: true },
    },
  };
  const tasks = {
    Charge: (input: unknown, ctx: { attempt: number }) => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
      if (ctx.attempt === 1) throw { error: 'Card.Busy', cause: 'try again' };
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- as above
      if ((input as { card: string }).card === 'bad') throw { error: 'Card.Declined', cause: 'insufficient funds' };
      return { charged: true };
    },
  };

  it('ALL with execution data, ERROR only the failures; Powertools lines for start, failed attempts and end', async () => {
    const t = await startTestEngine({ tasks });
    const written: ExecutionLogBatch[] = [];
    const lines: { level: string; message: string; keys: Record<string, unknown> }[] = [];
    const log = {
      debug: () => undefined,
      info: (message: string, keys: Record<string, unknown>) => void lines.push({ level: 'INFO', message, keys }),
      warn: (message: string, keys: Record<string, unknown>) => void lines.push({ level: 'WARN', message, keys }),
      error: (message: string, keys: Record<string, unknown>) => void lines.push({ level: 'ERROR', message, keys }),
    } as unknown as Logger;
    const inner = t.deps.store;
    const errors: unknown[] = [];
    t.deps.store = observeHistory(inner, [executionLogLines(log), machineLogListener(() => inner, { write: (b) => Promise.resolve(void written.push(b)) })], (e) => errors.push(e));
    try {
      const group = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`;
      // through the API operation, as a user's CreateStateMachine
      const all = (await createStateMachine(t.deps, { name: 'all', definition: JSON.stringify(definition), roleArn: ROLE, loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group('all') } }] } })).stateMachineArn;
      const errorsOnly = (await createStateMachine(t.deps, { name: 'errors', definition: JSON.stringify(definition), roleArn: ROLE, loggingConfiguration: { level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group('errors') } }] } })).stateMachineArn;

      const ok = await t.start(all, { card: 'good' }, 'ok-1');
      const bad = await t.start(errorsOnly, { card: 'bad' }, 'bad-1');
      await t.finished(ok);
      await t.finished(bad);
      expect(errors).toEqual([]);

      const records = (groupArn: string) => written.filter((b) => b.logGroupArn === groupArn).flatMap((b) => b.events.map((e) => JSON.parse(e.message) as { type: string; execution_arn: string; details: Record<string, unknown> }));
      const allRecords = records(group('all'));
      expect(allRecords.map((r) => r.type)).toEqual((await t.history(ok)).map((e) => e.type));
      expect(allRecords.every((r) => r.execution_arn === ok)).toBe(true);
      expect(allRecords[0].details.input).toBe('{"card":"good"}');

      const errorRecords = records(group('errors'));
      expect(errorRecords.map((r) => r.type)).toEqual((await t.history(bad)).map((e) => e.type).filter((type) => /(Failed|TimedOut|Aborted)$/.test(type) || type === 'FailStateEntered'));
      expect(errorRecords.map((r) => r.type)).toContain('ExecutionFailed');
      expect(errorRecords.some((r) => 'input' in r.details || 'output' in r.details)).toBe(false);
      expect(written.find((b) => b.logGroupArn === group('errors'))!.logStreamName).toMatch(/^states\/errors\/\d{4}-\d\d-\d\d-\d\d-\d\d\/bad-1$/);

      // the worker's own lines: start, each failed attempt, the end; ARN, state and trace id as keys
      const of = (arn: string) => lines.filter((l) => l.keys.executionArn === arn).map((l) => `${l.level} ${l.message} ${String(l.keys.stateName)}`);
      expect(of(ok)).toEqual(['INFO execution started Charge', 'WARN task attempt failed Charge', 'INFO execution succeeded Ship']);
      expect(of(bad)).toEqual(['INFO execution started Charge', 'WARN task attempt failed Charge', 'WARN task attempt failed Charge', 'ERROR execution failed Charge']);
      const failedLine = lines.find((l) => l.keys.executionArn === bad && l.level === 'ERROR')!;
      expect(failedLine.keys).toMatchObject({ status: 'FAILED', error: 'Card.Declined', cause: 'insufficient funds' });
      expect(typeof failedLine.keys.durationMs).toBe('number');
      expect(failedLine.keys.xray_trace_id).toMatch(/^Root=1-/);
    } finally {
      await t.close();
    }
  });
});
