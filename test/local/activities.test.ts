/**
 * Activities against the local server (embedded DynamoDB, the journaled queue, the worker, real HTTP)
 * through the official SDK: an activity worker written as for AWS with `@aws-sdk/client-sfn`
 * (GetActivityTaskCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand/SendTaskFailureCommand)
 * completes the jobs a state machine's activity Task queues.
 */
import {
  ActivityDoesNotExist,
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  ListActivitiesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as activities from '../../lambda/runtime/activities';
import { activityItem } from '../../lambda/aws/dynamo-activity-store';
import { ROLE, startTestServer, until } from '../runtime/harness';

jest.setTimeout(90_000);

let server: Awaited<ReturnType<typeof startTestServer>>;
let sfn: SFNClient;

beforeAll(async () => {
  server = await startTestServer();
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  sfn?.destroy();
  await server?.close();
});

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(`${executionArn} to finish`, async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}

/** The execution's history as GetExecutionHistory gives it. */
async function historyOf(executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
}

/** A machine with one activity Task, then a Pass that keeps the result. */
async function machineFor(name: string, activityArn: string, task: Record<string, unknown> = {}): Promise<string> {
  const definition = {
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: activityArn, Parameters: { 'job.$': '$.job' }, ResultPath: '$.result', ...task, Next: 'Done' },
      Done: { Type: 'Pass', End: true },
    },
  };
  const out = await sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }));
  return out.stateMachineArn!;
}

/** One turn of an activity worker as written for AWS: poll, heartbeat, answer. */
async function workOnce(activityArn: string, answer: (input: { job: string }) => { output: unknown } | { error: string; cause: string }): Promise<boolean> {
  const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'test-worker' }));
  if (!task.taskToken) return false;
  await sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
  const a = answer(JSON.parse(task.input!) as { job: string });
  if ('output' in a) await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(a.output) }));
  else await sfn.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: a.error, cause: a.cause }));
  return true;
}

describe('the activity API through @aws-sdk/client-sfn', () => {
  it('creates (idempotently), describes, lists and deletes activities', async () => {
    const created = await sfn.send(new CreateActivityCommand({ name: 'resize-images' }));
    expect(created.activityArn).toBe('arn:aws:states:us-east-1:123456789012:activity:resize-images');
    expect(created.creationDate).toBeInstanceOf(Date);
    const again = await sfn.send(new CreateActivityCommand({ name: 'resize-images' }));
    expect(again.activityArn).toBe(created.activityArn);
    expect(again.creationDate).toEqual(created.creationDate);

    const d = await sfn.send(new DescribeActivityCommand({ activityArn: created.activityArn }));
    expect(d).toMatchObject({ activityArn: created.activityArn, name: 'resize-images' });
    expect(d.creationDate).toEqual(created.creationDate);

    await sfn.send(new CreateActivityCommand({ name: 'send-invoices' }));
    const firstPage = await sfn.send(new ListActivitiesCommand({ maxResults: 1 }));
    expect(firstPage.activities).toHaveLength(1);
    expect(firstPage.nextToken).toBeDefined();
    const rest = await sfn.send(new ListActivitiesCommand({ nextToken: firstPage.nextToken }));
    const names = [...firstPage.activities!, ...rest.activities!].map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['resize-images', 'send-invoices']));

    await sfn.send(new DeleteActivityCommand({ activityArn: created.activityArn }));
    await expect(sfn.send(new DescribeActivityCommand({ activityArn: created.activityArn }))).rejects.toBeInstanceOf(ActivityDoesNotExist);
    await expect(sfn.send(new GetActivityTaskCommand({ activityArn: created.activityArn }))).rejects.toBeInstanceOf(ActivityDoesNotExist);
    await expect(sfn.send(new DescribeActivityCommand({ activityArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:not-an-activity' }))).rejects.toBeInstanceOf(InvalidArn);
  });

  it('an activity registered at deploy time (the CDK construct\'s item, no date) gets its creationDate on first read, kept after', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:activity:from-cdk';
    const item = Object.fromEntries(Object.entries(activityItem(arn, 'from-cdk')).map(([k, v]) => [k, { S: v }]));
    await server.engine.dynamo.client.send(new PutItemCommand({ TableName: server.engine.dynamo.tableName, Item: item }));
    const first = await sfn.send(new DescribeActivityCommand({ activityArn: arn }));
    expect(first).toMatchObject({ activityArn: arn, name: 'from-cdk' });
    expect(first.creationDate).toBeInstanceOf(Date);
    expect((await sfn.send(new DescribeActivityCommand({ activityArn: arn }))).creationDate).toEqual(first.creationDate);
  });
});

describe('an activity worker completes jobs', () => {
  it('GetActivityTask hands out the Task input; SendTaskSuccess continues the execution with the result', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'shout' }));
    const sm = await machineFor('shouting', activityArn!, { HeartbeatSeconds: 600, TimeoutSeconds: 3600 });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'hello' }) }));
    // the worker's loop: poll until a job comes (a poll may end empty), do it, answer
    await until('the worker to do the job', async () => ((await workOnce(activityArn!, ({ job }) => ({ output: { shouted: job.toUpperCase() } }))) ? true : undefined));
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ job: 'hello', result: { shouted: 'HELLO' } });
    // the history AWS writes for an activity task: Activity* events, not Task*; ActivityStarted names the worker that took the job
    const events = await historyOf(executionArn!);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ActivityScheduled', 'ActivityStarted', 'ActivitySucceeded', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(events.find((e) => e.type === 'ActivityStarted')!.activityStartedEventDetails).toEqual({ workerName: 'test-worker' });
    const scheduled = events.find((e) => e.type === 'ActivityScheduled')!;
    expect(scheduled.activityScheduledEventDetails).toEqual({ resource: activityArn, input: '{"job":"hello"}', inputDetails: { truncated: false }, timeoutInSeconds: 3600, heartbeatInSeconds: 600 });
    const succeeded = events.find((e) => e.type === 'ActivitySucceeded')!;
    expect(JSON.parse(succeeded.activitySucceededEventDetails!.output!)).toEqual({ shouted: 'HELLO' });
    expect(succeeded.activitySucceededEventDetails!.outputDetails).toEqual({ truncated: false });
  });

  it('SendTaskFailure fails the Task with the worker\'s error and cause', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'refuse' }));
    const sm = await machineFor('refusing', activityArn!);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'x' }) }));
    await until('the worker to refuse the job', async () => ((await workOnce(activityArn!, () => ({ error: 'Worker.Refused', cause: 'not today' }))) ? true : undefined));
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'FAILED', error: 'Worker.Refused', cause: 'not today' });
    const events = await historyOf(executionArn!);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ActivityScheduled', 'ActivityStarted', 'ActivityFailed', 'ExecutionFailed']);
    // no TimeoutSeconds or HeartbeatSeconds on this Task: none in the event
    expect(events[2].activityScheduledEventDetails).toEqual({ resource: activityArn, input: '{"job":"x"}', inputDetails: { truncated: false } });
    expect(events[4].activityFailedEventDetails).toEqual({ error: 'Worker.Refused', cause: 'not today' });
  });

  it('a job whose worker stops heartbeating fails with States.HeartbeatTimeout', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'silent' }));
    // the test engine runs at a hundredth of real time: 100 s of heartbeat are one real second
    const sm = await machineFor('silent-worker', activityArn!, { HeartbeatSeconds: 100 });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'y' }) }));
    const taken = await until('a worker to take the job', async () => (await sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken || undefined);
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    const timedOut = (await historyOf(executionArn!)).filter((e) => e.type?.startsWith('Activity'));
    // a worker without a workerName: ActivityStarted names none
    expect(timedOut.map((e) => e.type)).toEqual(['ActivityScheduled', 'ActivityStarted', 'ActivityTimedOut']);
    expect(timedOut[1].activityStartedEventDetails ?? {}).toEqual({});
    expect(timedOut[2].activityTimedOutEventDetails).toMatchObject({ error: 'States.HeartbeatTimeout' });
    // the worker's late answer is refused as AWS refuses it
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: taken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('one job goes to one worker; a poll with nothing queued ends with no taskToken', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'single' }));
    const sm = await machineFor('single-job', activityArn!);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'z' }) }));
    const first = await until('a worker to take the job', async () => (await sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken || undefined);
    // a second worker finds nothing (a short poll here: AWS's 60 s are the default)
    expect(await activities.getActivityTask(server.deps, { activityArn }, { pollSeconds: 0.2 })).toEqual({});
    await sfn.send(new SendTaskSuccessCommand({ taskToken: first, output: '"done"' }));
    expect(JSON.parse((await finished(executionArn!)).output!)).toEqual({ job: 'z', result: 'done' });
    expect(await activities.getActivityTask(server.deps, { activityArn }, { pollSeconds: 0.2 })).toEqual({});
  });
});

describe('a Task naming an activity that does not exist', () => {
  it('records ActivityScheduleFailed (States.Runtime, the ActivityDoesNotExist text) and fails the execution; a Catch on States.ALL does not take it', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'gone' }));
    const sm = await machineFor('gone-activity', activityArn!, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }] });
    await sfn.send(new DeleteActivityCommand({ activityArn }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'x' }) }));
    const d = await finished(executionArn!);
    const failure = { error: 'States.Runtime', cause: `Activity Does Not Exist: '${activityArn}'` };
    expect(d).toMatchObject({ status: 'FAILED', ...failure });
    const events = await historyOf(executionArn!);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ActivityScheduled', 'ActivityScheduleFailed', 'ExecutionFailed']);
    expect(events[3].activityScheduleFailedEventDetails).toEqual(failure);
    expect(events[3].activityFailedEventDetails).toBeUndefined();
    expect(events[4].executionFailedEventDetails).toEqual(failure);
  });

  it('a worker\'s own States.Runtime failure stays ActivityFailed', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'runtime-refuser' }));
    const sm = await machineFor('runtime-refusing', activityArn!);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'x' }) }));
    await until('the worker to fail the job', async () => ((await workOnce(activityArn!, () => ({ error: 'States.Runtime', cause: 'worker gave up' }))) ? true : undefined));
    expect((await finished(executionArn!)).status).toBe('FAILED');
    expect((await historyOf(executionArn!)).map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ActivityScheduled', 'ActivityStarted', 'ActivityFailed', 'ExecutionFailed']);
  });
});

describe('the activity REST routes', () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('create, describe, take a job by name, answer it through /tasks/success, delete', async () => {
    const created = await call('POST', '/activities', { name: 'rest-worker' });
    expect(created).toMatchObject({ status: 200, json: { activityArn: 'arn:aws:states:us-east-1:123456789012:activity:rest-worker' } });
    expect((await call('GET', '/activities/rest-worker')).json).toMatchObject({ name: 'rest-worker', activityArn: created.json.activityArn });
    const sm = await machineFor('rest-job', created.json.activityArn as string);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm, input: JSON.stringify({ job: 'rest' }) }));
    const task = await until('the job to be handed out', async () => {
      const r = await call('POST', '/activities/rest-worker/task', { workerName: 'curl' });
      return r.json.taskToken ? (r.json as { taskToken: string; input: string }) : undefined;
    });
    expect(JSON.parse(task.input)).toEqual({ job: 'rest' });
    expect((await call('POST', '/tasks/success', { taskToken: task.taskToken, output: { via: 'rest' } })).status).toBe(200);
    expect(JSON.parse((await finished(executionArn!)).output!)).toEqual({ job: 'rest', result: { via: 'rest' } });
    expect((await call('DELETE', '/activities/rest-worker')).status).toBe(200);
    expect((await call('GET', '/activities/rest-worker')).status).toBe(404);
  });
});
