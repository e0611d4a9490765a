/**
 * The local server through the real AWS SDK (`@aws-sdk/client-sfn`, Step Functions JSON protocol):
 * embedded DynamoDB, LocalQueue, the worker handler and the HTTP server on a free port.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { FN, ROLE, sleep, startTestServer, until } from '../runtime/harness';
import { taskTokensOf } from '../../lambda/runtime/task-tokens';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const exampleTasks = require('../../examples/tasks.js');
const EXAMPLES = join(__dirname, '../../examples');
const examDefinition = readFileSync(join(EXAMPLES, 'exam-results/definition.json'), 'utf8');
const examInput = JSON.stringify({ comment: 'An example of the exam results flow', lambda: { math: 80, eng: 93 } });

/** A callback task that parks its token by execution, then a Pass that names the definition's version. */
const holdDefinition = (version: string) =>
  JSON.stringify({
    StartAt: 'Hold',
    States: {
      Hold: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'Hold', Payload: { 'token.$': '$$.Task.Token' } },
        ResultPath: '$.answer',
        Next: 'Version',
      },
      Version: { Type: 'Pass', Parameters: { 'version': version, 'answer.$': '$.answer' }, End: true },
    },
  });

const tokens = new Map<string, string>();

let server: Awaited<ReturnType<typeof startTestServer>>;
let sfn: SFNClient;

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      ...exampleTasks,
      Hold: (input: unknown, ctx) => void tokens.set(ctx.executionArn, (input as { token: string }).token),
      Explode: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
        throw { error: 'Exam.Explode', cause: 'the marker ran out of ink' };
      },
    },
  });
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  sfn?.destroy();
  await server?.close();
});

async function createMachine(name: string, definition: string): Promise<string> {
  const out = await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }));
  return out.stateMachineArn!;
}

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(`${executionArn} to finish`, async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}

async function tokenOf(executionArn: string): Promise<string> {
  return until(`the task token of ${executionArn}`, () => tokens.get(executionArn));
}

async function historyOf(executionArn: string, extra: { reverseOrder?: boolean; maxResults?: number } = {}): Promise<{ pages: HistoryEvent[][]; events: HistoryEvent[] }> {
  const pages: HistoryEvent[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, ...extra }));
    pages.push(page.events ?? []);
    nextToken = page.nextToken;
  } while (nextToken);
  return { pages, events: pages.flat() };
}

describe('state machines through @aws-sdk/client-sfn', () => {
  it('creates, describes, lists and refuses a conflicting create', async () => {
    const arn = await createMachine('exam-sm', examDefinition);
    expect(arn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:exam-sm');

    const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(d).toMatchObject({ stateMachineArn: arn, name: 'exam-sm', status: 'ACTIVE', type: 'STANDARD', roleArn: ROLE, definition: examDefinition });
    expect(d.creationDate).toBeInstanceOf(Date);
    expect(typeof d.revisionId).toBe('string');

    // The same create again is idempotent; another definition under the name is a conflict.
    await expect(createMachine('exam-sm', examDefinition)).resolves.toBe(arn);
    await expect(createMachine('exam-sm', holdDefinition('x'))).rejects.toBeInstanceOf(StateMachineAlreadyExists);

    const list = await sfn.send(new ListStateMachinesCommand({}));
    expect(list.stateMachines?.map((s) => s.name)).toContain('exam-sm');
    expect(list.stateMachines?.find((s) => s.name === 'exam-sm')).toMatchObject({ stateMachineArn: arn, type: 'STANDARD' });
  });

  it('refuses an invalid definition with InvalidDefinition naming the validator pointer', async () => {
    const bad = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } });
    const err = await sfn.send(new CreateStateMachineCommand({ name: 'bad-sm', definition: bad, roleArn: ROLE })).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidDefinition);
    expect(err.name).toBe('InvalidDefinition');
    expect(err.message).toContain('/States/A/Next');
    expect(err.$metadata.httpStatusCode).toBe(400);
    // Not JSON at all
    const notJson = await sfn.send(new CreateStateMachineCommand({ name: 'bad-sm', definition: '{"StartAt": ', roleArn: ROLE })).catch((e) => e);
    expect(notJson).toBeInstanceOf(InvalidDefinition);
    expect(notJson.message).toMatch(/not valid JSON/);
    // Nothing was written.
    await expect(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:bad-sm' }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('ValidateStateMachineDefinition reports OK, or FAIL with diagnostics located by pointer', async () => {
    const ok = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: examDefinition }));
    expect(ok.result).toBe('OK');
    expect(ok.diagnostics).toEqual([]);
    const bad = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }) }));
    expect(bad.result).toBe('FAIL');
    expect(bad.diagnostics?.length).toBeGreaterThan(0);
    expect(bad.diagnostics?.[0]).toMatchObject({ severity: 'ERROR', location: '/States/A/Next' });
  });

  it('UpdateStateMachine: a running execution keeps the revision it started with', async () => {
    const arn = await createMachine('versioned', holdDefinition('v1'));
    const { revisionId: r1 } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    const { executionArn: old } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
    const oldToken = await tokenOf(old!);

    const upd = await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: arn, definition: holdDefinition('v2') }));
    expect(upd.updateDate).toBeInstanceOf(Date);
    expect(upd.revisionId).not.toBe(r1);
    const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(JSON.parse(d.definition!).States.Version.Parameters.version).toBe('v2');
    expect(d.revisionId).toBe(upd.revisionId);

    const { executionArn: fresh } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
    const freshToken = await tokenOf(fresh!);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '"old"' }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: freshToken, output: '"fresh"' }));
    expect(JSON.parse((await finished(old!)).output!)).toEqual({ version: 'v1', answer: 'old' });
    expect(JSON.parse((await finished(fresh!)).output!)).toEqual({ version: 'v2', answer: 'fresh' });

    // Answered once: the token is spent.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('DeleteStateMachine: the machine is gone, a running execution still finishes', async () => {
    const arn = await createMachine('doomed', holdDefinition('v1'));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
    const token = await tokenOf(executionArn!);
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    await expect(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.map((s) => s.name)).not.toContain('doomed');

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '1' }));
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ version: 'v1', answer: 1 });
  });
});

describe('executions through @aws-sdk/client-sfn', () => {
  let examArn: string;
  let holdArn: string;
  beforeAll(async () => {
    examArn = await createMachine('exam-results', examDefinition);
    holdArn = await createMachine('hold', holdDefinition('v1'));
  });

  it('runs exam-results to SUCCEEDED with the total (task from examples/tasks.js)', async () => {
    const start = await sfn.send(new StartExecutionCommand({ stateMachineArn: examArn, name: 'exam-1', input: examInput }));
    expect(start.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:exam-results:exam-1');
    expect(start.startDate).toBeInstanceOf(Date);
    const d = await finished(start.executionArn!);
    expect(d).toMatchObject({ status: 'SUCCEEDED', name: 'exam-1', stateMachineArn: examArn, input: examInput });
    expect(JSON.parse(d.output!)).toEqual({ math: 80, eng: 93, total: 173 });
    expect(d.stopDate!.getTime()).toBeGreaterThanOrEqual(d.startDate!.getTime());
  });

  it('GetExecutionHistory: event types in order, pages by maxResults + nextToken, reverseOrder', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: examArn, name: 'exam-history', input: examInput }));
    await finished(executionArn!);
    const all = await historyOf(executionArn!);
    expect(all.pages).toHaveLength(1);
    expect(all.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(all.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(all.events[0].timestamp).toBeInstanceOf(Date);
    expect(all.events[0].executionStartedEventDetails).toMatchObject({ input: examInput, roleArn: ROLE });
    expect(all.events[2].lambdaFunctionScheduledEventDetails).toMatchObject({ resource: FN('AddTotal').replace('123456789012', '111111111111'), input: '{"math":80,"eng":93}' });
    expect(JSON.parse(all.events[6].executionSucceededEventDetails!.output!)).toEqual({ math: 80, eng: 93, total: 173 });

    const paged = await historyOf(executionArn!, { maxResults: 3 });
    expect(paged.pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(paged.events).toEqual(all.events);

    const reversed = await historyOf(executionArn!, { reverseOrder: true, maxResults: 4 });
    expect(reversed.pages.map((p) => p.length)).toEqual([4, 3]);
    expect(reversed.events.map((e) => e.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);

    // A page of exactly the remaining events carries no token.
    const exact = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 7 }));
    expect(exact.events).toHaveLength(7);
    expect(exact.nextToken).toBeUndefined();
  });

  it('the history holds the final events as soon as DescribeExecution reports the end', async () => {
    // Slow history writes (a throttled table): the status is committed before its events are written.
    const store = server.deps.store;
    const append = store.appendHistory.bind(store);
    store.appendHistory = async (arn, events) => {
      await sleep(300);
      return append(arn, events);
    };
    try {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: examArn, input: examInput }));
      const d = await finished(executionArn!);
      expect(d.status).toBe('SUCCEEDED');
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
      expect(page.events?.[0].type).toBe('ExecutionSucceeded');
    } finally {
      store.appendHistory = append;
    }
  });

  it('a failing task ends the execution FAILED with its error and cause', async () => {
    const arn = await createMachine('explode', JSON.stringify({ StartAt: 'Mark', States: { Mark: { Type: 'Task', Resource: FN('Explode'), End: true } } }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }));
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'FAILED', error: 'Exam.Explode', cause: 'the marker ran out of ink' });
    expect(d.output).toBeUndefined();
    const { events } = await historyOf(executionArn!);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['LambdaFunctionFailed', 'ExecutionFailed']);
    expect(events.at(-1)!.executionFailedEventDetails).toEqual({ error: 'Exam.Explode', cause: 'the marker ran out of ink' });
  });

  it('StopExecution aborts a waiting execution (ExecutionAborted); a late answer is refused', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: holdArn, name: 'to-stop', input: '{}' }));
    const token = await tokenOf(executionArn!);
    const stop = await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'changed my mind' }));
    expect(stop.stopDate).toBeInstanceOf(Date);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'changed my mind' });
    const { events } = await historyOf(executionArn!);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Operator.Stop', cause: 'changed my mind' } });
    expect(events.filter((e) => e.type === 'ExecutionAborted')).toHaveLength(1);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    // Stopping again changes nothing.
    await sfn.send(new StopExecutionCommand({ executionArn }));
    expect((await historyOf(executionArn!)).events).toHaveLength(events.length);
  });

  it('ListExecutions filters by status', async () => {
    const arn = await createMachine('listing', holdDefinition('v1'));
    const running = (await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'stays', input: '{}' }))).executionArn!;
    const stopped = (await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'stopped', input: '{}' }))).executionArn!;
    const done = (await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'done', input: '{}' }))).executionArn!;
    await tokenOf(running);
    await sfn.send(new StopExecutionCommand({ executionArn: stopped }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenOf(done), output: '{}' }));
    await finished(done);

    const names = async (statusFilter?: 'RUNNING' | 'SUCCEEDED' | 'ABORTED' | 'FAILED') =>
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter }))).executions ?? []).map((e) => e.name).sort();
    expect(await names()).toEqual(['done', 'stays', 'stopped']);
    expect(await names('RUNNING')).toEqual(['stays']);
    expect(await names('ABORTED')).toEqual(['stopped']);
    expect(await names('SUCCEEDED')).toEqual(['done']);
    expect(await names('FAILED')).toEqual([]);
    const [summary] = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'SUCCEEDED' }))).executions!;
    expect(summary).toMatchObject({ executionArn: done, stateMachineArn: arn, status: 'SUCCEEDED' });
    expect(summary.startDate).toBeInstanceOf(Date);
    expect(summary.stopDate).toBeInstanceOf(Date);

    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
    expect(page.executions).toHaveLength(2);
    const rest = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken: page.nextToken }));
    expect([...page.executions!, ...rest.executions!].map((e) => e.name).sort()).toEqual(['done', 'stays', 'stopped']);
    expect(rest.nextToken).toBeUndefined();
  });

  it('StartExecution is idempotent on name + input while running; otherwise ExecutionAlreadyExists', async () => {
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: holdArn, name: 'once', input: '{"a":1}' }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: holdArn, name: 'once', input: '{"a":1}' }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: holdArn, name: 'once', input: '{"a":2}' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    // Still one execution with one start.
    const token = await tokenOf(first.executionArn!);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await finished(first.executionArn!);
    const { events } = await historyOf(first.executionArn!);
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    // Closed: the name cannot be reused, even with the same input.
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: holdArn, name: 'once', input: '{"a":1}' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('task callbacks: heartbeat, failure, and their exception classes', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: holdArn, input: '{}' }));
    const token = await tokenOf(executionArn!);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' }))).rejects.toBeInstanceOf(InvalidOutput);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' }))).rejects.toBeInstanceOf(InvalidToken);
    // well-formed: signed with this engine's secret (a token built from an ARN alone is InvalidToken)
    const orphan = (await taskTokensOf(server.deps)).sign('arn:aws:states:us-east-1:123456789012:execution:hold:ghost', '1');
    await expect(sfn.send(new SendTaskFailureCommand({ taskToken: orphan }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Hold.Refused', cause: 'no' }));
    expect(await finished(executionArn!)).toMatchObject({ status: 'FAILED', error: 'Hold.Refused', cause: 'no' });
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('raises the Step Functions exception classes', async () => {
    const missingExec = 'arn:aws:states:us-east-1:123456789012:execution:exam-results:nope';
    const missingSm = 'arn:aws:states:us-east-1:123456789012:stateMachine:nope';
    const e1 = await sfn.send(new DescribeExecutionCommand({ executionArn: missingExec })).catch((e) => e);
    expect(e1).toBeInstanceOf(ExecutionDoesNotExist);
    expect(e1.message).toContain(missingExec);
    await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn: missingExec }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(sfn.send(new StopExecutionCommand({ executionArn: missingExec }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: missingSm }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: missingSm, input: '{}' }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: missingSm }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);

    const badInput = await sfn.send(new StartExecutionCommand({ stateMachineArn: examArn, name: 'bad-input', input: '{"lambda": ' })).catch((e) => e);
    expect(badInput).toBeInstanceOf(InvalidExecutionInput);
    // Refused before anything was written.
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${examArn.replace(':stateMachine:', ':execution:')}:bad-input` }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);

    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: examArn, name: 'has space', input: '{}' }))).rejects.toBeInstanceOf(InvalidName);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: examArn, name: 'x'.repeat(81), input: '{}' }))).rejects.toBeInstanceOf(InvalidName);
    await expect(sfn.send(new CreateStateMachineCommand({ name: 'a/b', definition: examDefinition, roleArn: ROLE }))).rejects.toBeInstanceOf(InvalidName);
  });
});
