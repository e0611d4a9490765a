/**
 * What the local server tells about executions, through real HTTP on a local port and the real
 * engine: the execution log's lines (start, end with duration, failure with error, cause and state,
 * each failed task attempt; ARN, state and trace id on every line), GET /metrics in the Prometheus
 * text format, and GET /executions/{arn}?waitSeconds=N answering once the execution has ended.
 */
import { startTestServer, until, ROLE, FN } from '../runtime/harness';
import { attachExecutionEvents } from '../../lambda/local/execution-events';
import { startExecutionLog, formatLogLine, executionLogLevelOf, type LogLine } from '../../lambda/local/execution-log';

let server: Awaited<ReturnType<typeof startTestServer>>;
const lines: string[] = [];
let release: (() => void) | undefined;

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      Add: (x) => ({ sum: (x as { a: number; b: number }).a + (x as { a: number; b: number }).b }),
      Flaky: () => {
        throw Object.assign(new Error('the disk is full'), { name: 'DiskFull' });
      },
      Hold: () => undefined,
    },
  });
  const events = attachExecutionEvents(server.deps);
  startExecutionLog(events, { level: 'DEBUG', format: 'json', write: (l) => lines.push(l) });
});
afterAll(async () => {
  release?.();
  await server?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string; type: string }> {
  const res = await fetch(server.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, text, type, body: type.includes('json') && text ? JSON.parse(text) : undefined };
}

async function machine(name: string, definition: unknown): Promise<void> {
  const r = await call('POST', '/state-machines', { name, definition, roleArn: ROLE });
  expect(r.status).toBe(201);
}

async function start(name: string, input: unknown): Promise<string> {
  const r = await call('POST', `/state-machines/${name}/executions`, { input });
  expect(r.status).toBe(202);
  return r.body.executionArn as string;
}

const waitFor = (arn: string, seconds = 20) => call('GET', `/executions/${encodeURIComponent(arn)}?waitSeconds=${seconds}`);
/** The end's history (and so its log line) is written just after the commit a wait wakes on. */
const endLogged = (arn: string) => until(`the end of ${arn} in the log`, () => linesOf(arn).find((l) => /^execution (succeeded|failed|timed out|aborted)$/.test(l.message)));
const linesOf = (arn: string) => lines.map((l) => JSON.parse(l) as LogLine & { xray_trace_id?: string; service: string }).filter((l) => l.executionArn === arn);

describe('waitSeconds', () => {
  it('answers a single GET with the ended execution', async () => {
    await machine('add', { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 1, Next: 'Add' }, Add: { Type: 'Task', Resource: FN('Add'), End: true } } });
    const arn = await start('add', { a: 2, b: 3 });
    const r = await waitFor(arn);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'SUCCEEDED', output: { sum: 5 } });
    await endLogged(arn);
  });

  it('answers RUNNING when the wait runs out first', async () => {
    await machine('held', { StartAt: 'Hold', States: { Hold: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'Hold', Payload: { 't.$': '$$.Task.Token' } }, End: true } } });
    const arn = await start('held', {});
    const r = await waitFor(arn, 1);
    expect(r.body.status).toBe('RUNNING');
    // a stop ends it: a waiting GET sees the end
    const waiting = waitFor(arn);
    await call('POST', `/executions/${encodeURIComponent(arn)}/stop`, { error: 'Enough' });
    expect((await waiting).body).toMatchObject({ status: 'ABORTED', error: 'Enough' });
    await endLogged(arn);
  });

  it('refuses a wait over 20 seconds, naming the parameter', async () => {
    const r = await call('GET', `/executions/${encodeURIComponent('arn:aws:states:us-east-1:123456789012:execution:add:x')}?waitSeconds=21`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/'waitSeconds'.*between 0 and 20/);
  });
});

describe('the execution log', () => {
  it('writes start and end with duration, with the ARN, state and trace id on every line', async () => {
    const arn = await start('add', { a: 1, b: 1 });
    await waitFor(arn);
    await endLogged(arn);
    const mine = linesOf(arn);
    expect(mine.map((l) => l.message)).toEqual(expect.arrayContaining(['execution started', 'state entered', 'execution succeeded']));
    const end = mine.find((l) => l.message === 'execution succeeded')!;
    expect(end).toMatchObject({ level: 'INFO', status: 'SUCCEEDED', stateName: 'Add', service: 'stepwright' });
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
    for (const l of mine) {
      expect(l.executionArn).toBe(arn);
      expect(l.xray_trace_id).toMatch(/^Root=1-/);
    }
    expect(mine.every((l) => typeof l.stateName === 'string')).toBe(true);
    expect(mine.find((l) => l.message === 'execution started')).toMatchObject({ stateName: 'Pause', stateMachineArn: expect.stringMatching(/:stateMachine:add$/) });
  });

  it('writes each failed task attempt and the failure with error, cause and the state', async () => {
    await machine('flaky', { StartAt: 'Write', States: { Write: { Type: 'Task', Resource: FN('Flaky'), Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }], End: true } } });
    const arn = await start('flaky', {});
    expect((await waitFor(arn)).body.status).toBe('FAILED');
    await endLogged(arn);
    const mine = linesOf(arn);
    const attempts = mine.filter((l) => l.message === 'task attempt failed');
    expect(attempts).toHaveLength(3);
    expect(attempts[0]).toMatchObject({ level: 'WARN', stateName: 'Write', error: 'DiskFull' });
    const failed = mine.find((l) => l.message === 'execution failed')!;
    expect(failed).toMatchObject({ level: 'ERROR', status: 'FAILED', stateName: 'Write', error: 'DiskFull' });
    expect(String(failed.cause)).toContain('the disk is full');
  });

  it('is readable on a terminal and filtered by level', () => {
    const line: LogLine = { level: 'ERROR', message: 'execution failed', timestamp: '2026-01-01T00:00:00.000Z', executionArn: 'arn:x', stateName: 'Write it', traceId: 'Root=1-a', error: 'DiskFull' };
    expect(formatLogLine(line, 'pretty')).toBe('2026-01-01T00:00:00.000Z ERROR execution failed  error=DiskFull execution=arn:x state="Write it" trace=Root=1-a');
    expect(executionLogLevelOf('warn')).toBe('WARN');
    expect(() => executionLogLevelOf('loud')).toThrow(/--log-level must be one of debug, info, warn, error, silent, not 'loud'/);
  });
});

describe('GET /metrics', () => {
  it('counts executions by outcome, state transitions and task durations per state machine', async () => {
    const r = await call('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (name: string, machineName: string, extra = '') => {
      const arn = `arn:aws:states:us-east-1:123456789012:stateMachine:${machineName}`;
      const line = r.text.split('\n').find((l) => l.startsWith(`${name}{state_machine_arn="${arn}"${extra}} `));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    // 'add' ran twice (both succeeded), 'flaky' once (failed), 'held' once (stopped)
    expect(value('stepwright_executions_started_total', 'add')).toBe(2);
    expect(value('stepwright_executions_succeeded_total', 'add')).toBe(2);
    expect(value('stepwright_executions_failed_total', 'flaky')).toBe(1);
    expect(value('stepwright_executions_aborted_total', 'held')).toBe(1);
    expect(value('stepwright_execution_time_milliseconds_count', 'add')).toBe(2);
    expect(value('stepwright_state_transitions_total', 'add')).toBe(4);
    expect(value('stepwright_task_duration_milliseconds_count', 'flaky', ',state="Write"')).toBe(3);
    expect(r.text).toContain('# TYPE stepwright_executions_timed_out_total counter');
  });
});
