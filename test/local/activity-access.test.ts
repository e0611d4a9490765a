/**
 * Access for activity workers through real HTTP on the local server, with the AWS SDK and the same
 * checks the deployed API makes (the caller named by a header the router honours only because this
 * engine was configured so: enableLocalAccessChecks). A worker granted one activity
 * (StepwrightActivity.grant records '@activity' on `activity:<name>`) takes that activity's jobs and
 * answers their tokens, as IAM's states:GetActivityTask and states:SendTask* on the activity's ARN
 * allow on AWS; nothing else.
 */
import {
  CreateActivityCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createApiHandler } from '../../lambda/handlers/api';
import { enableLocalAccessChecks } from '../../lambda/handlers/api-router';
import { activityGrantKey, type AccessPolicy } from '../../lambda/runtime/access';
import * as activities from '../../lambda/runtime/activities';
import { startTestServer, until } from '../runtime/harness';
import { iamApiEvent } from '../runtime/api-gateway-event';

jest.setTimeout(90_000);

const ACCOUNT = '123456789012';
const RESIZER = `arn:aws:iam::${ACCOUNT}:role/Resizer`;
const TRANSCODER = `arn:aws:iam::${ACCOUNT}:role/Transcoder`;
const OPS = `arn:aws:iam::${ACCOUNT}:role/Ops`;
const session = (role: string) => role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/i-0abc';
const HEADER = 'x-stepwright-caller';

let server: Awaited<ReturnType<typeof startTestServer>>;
let resize: string;
let transcode: string;
let jobs: string;
const clients: SFNClient[] = [];

const policy: AccessPolicy = {
  grants: [
    [RESIZER, activityGrantKey('resize'), ['@activity']],
    [TRANSCODER, activityGrantKey('transcode'), ['@activity']],
    [OPS, 'jobs', ['@start', '@read']],
  ],
};

beforeAll(async () => {
  server = await startTestServer();
  resize = (await activities.createActivity(server.deps, { name: 'resize' })).activityArn;
  transcode = (await activities.createActivity(server.deps, { name: 'transcode' })).activityArn;
  jobs = await server.machine('jobs', { StartAt: 'Resize', States: { Resize: { Type: 'Task', Resource: resize, HeartbeatSeconds: 3600, End: true } } });
  enableLocalAccessChecks(server.deps, { callerHeader: HEADER, policy });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
});

/** An SDK client whose requests carry the caller header (what API Gateway's request context says on AWS). */
function clientAs(callerArn: string): SFNClient {
  const sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  sfn.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers[HEADER] = callerArn;
      return next(args);
    },
    { step: 'build', name: 'callerHeader' },
  );
  clients.push(sfn);
  return sfn;
}

const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } };

test('a worker takes and answers its own activity\'s jobs; another activity\'s worker and a machine\'s operator cannot', async () => {
  const resizer = clientAs(session(RESIZER));
  const transcoder = clientAs(session(TRANSCODER));
  const ops = clientAs(session(OPS));
  const { executionArn } = await ops.send(new StartExecutionCommand({ stateMachineArn: jobs, input: '{"image":"a.png"}' }));

  // another activity's worker may not poll this one (and takes nothing from it)
  await expect(transcoder.send(new GetActivityTaskCommand({ activityArn: resize, workerName: 'intruder' }))).rejects.toMatchObject(denied);
  expect(await transcoder.send(new DescribeActivityCommand({ activityArn: transcode }))).toMatchObject({ name: 'transcode' });
  await expect(transcoder.send(new DescribeActivityCommand({ activityArn: resize }))).rejects.toMatchObject(denied);

  const task = await until('the resizer to take the job', async () => {
    const t = await resizer.send(new GetActivityTaskCommand({ activityArn: resize, workerName: 'resizer-1' }));
    return t.taskToken ? t : undefined;
  });
  expect(JSON.parse(task.input!)).toEqual({ image: 'a.png' });

  // the token is answered by this activity's workers only: not the other activity's, not the operator (start and read only)
  for (const other of [transcoder, ops]) {
    await expect(other.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"stolen":true}' }))).rejects.toMatchObject(denied);
    await expect(other.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }))).rejects.toMatchObject(denied);
  }
  expect((await server.get(executionArn!)).status).toBe('RUNNING');

  await resizer.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
  await resizer.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"resized":true}' }));
  expect(await server.finished(executionArn!)).toMatchObject({ status: 'SUCCEEDED' });
});

test('creating, listing and deleting activities stay with administrators', async () => {
  const resizer = clientAs(session(RESIZER));
  await expect(resizer.send(new CreateActivityCommand({ name: 'mine' }))).rejects.toMatchObject(denied);
  await expect(resizer.send(new ListActivitiesCommand({}))).rejects.toMatchObject(denied);
  await expect(resizer.send(new DeleteActivityCommand({ activityArn: resize }))).rejects.toMatchObject(denied);
  expect(await server.deps.store.getActivity(resize)).toBeDefined();
  expect(await server.deps.store.getActivity(resize.replace(':resize', ':mine'))).toBeUndefined();
});

test('the REST routes a worker uses are checked the same way', async () => {
  const call = async (caller: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', [HEADER]: caller }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  expect(await call(session(TRANSCODER), 'POST', '/activities/resize/task', { workerName: 'intruder' })).toMatchObject({ status: 403, json: { error: 'AccessDeniedException' } });
  expect(await call(session(TRANSCODER), 'GET', `/activities/${encodeURIComponent(resize)}`)).toMatchObject({ status: 403 });
  expect(await call(session(RESIZER), 'GET', '/activities/resize')).toMatchObject({ status: 200, json: { name: 'resize', activityArn: resize } });
  expect((await call(session(RESIZER), 'DELETE', '/activities/resize')).status).toBe(403);
  expect(await server.deps.store.getActivity(resize)).toBeDefined();
});

test('the deployed API handler checks the caller of an API Gateway v2 event (IAM authorizer context) the same way', async () => {
  const api = createApiHandler(() => server.deps, policy);
  const event = (userArn: string, target: string, body: unknown) => iamApiEvent(ACCOUNT, userArn, target, body);
  const bodyOf = (res: { body?: string }) => JSON.parse(res.body ?? '{}') as Record<string, unknown>;

  const refused = await api(event(session(TRANSCODER), 'GetActivityTask', { activityArn: resize, workerName: 'intruder' }));
  expect(refused.statusCode).toBe(400);
  expect(bodyOf(refused)).toMatchObject({ __type: 'AccessDeniedException', message: expect.stringContaining(`states:GetActivityTask on resource: ${resize}`) });
  const described = await api(event(session(RESIZER), 'DescribeActivity', { activityArn: resize }));
  expect([described.statusCode, bodyOf(described)]).toEqual([200, expect.objectContaining({ name: 'resize', activityArn: resize })]);
  expect(bodyOf(await api(event(session(RESIZER), 'CreateActivity', { name: 'mine' })))).toMatchObject({ __type: 'AccessDeniedException' });
});
