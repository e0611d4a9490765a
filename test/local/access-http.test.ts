/**
 * Per-machine access through real HTTP on the local server, with the AWS SDK: the same checks the
 * deployed API makes, the caller named by a header the router honours only because this engine was
 * configured so (enableLocalAccessChecks; `stepwright serve` never is).
 */
import { DeleteStateMachineCommand, DescribeExecutionCommand, ListStateMachinesCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { enableLocalAccessChecks } from '../../lambda/handlers/api-router';
import { startTestServer, until } from '../runtime/harness';

const ACCOUNT = '123456789012';
const OPS = `arn:aws:iam::${ACCOUNT}:role/Ops`;
const APPROVER = `arn:aws:iam::${ACCOUNT}:role/Approver`;
const OPS_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/ci`;
const APPROVER_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Approver/bob`;
const STRANGER = `arn:aws:iam::${ACCOUNT}:user/mallory`;
const HEADER = 'x-stepwright-caller';

let server: Awaited<ReturnType<typeof startTestServer>>;
const tokens = new Map<string, string>();
let approvals: string;
let reports: string;

beforeAll(async () => {
  server = await startTestServer({
    tasks: { Hold: (input: unknown, ctx) => void tokens.set(ctx.executionArn, (input as { token: string }).token) },
  });
  approvals = await server.machine('approvals', {
    StartAt: 'Wait',
    States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'Hold', Payload: { 'token.$': '$$.Task.Token' } }, End: true } },
  });
  reports = await server.machine('reports', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
  enableLocalAccessChecks(server.deps, {
    callerHeader: HEADER,
    policy: { grants: [[OPS, 'approvals', ['@start', '@read']], [APPROVER, 'approvals', ['@task']]] },
  });
});
afterAll(() => server.close());

/** An SDK client whose requests carry the caller header (what API Gateway's request context says on AWS). */
function clientAs(callerArn: string | undefined): SFNClient {
  const sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  sfn.middlewareStack.add(
    (next) => (args) => {
      const req = args.request as { headers: Record<string, string> };
      if (callerArn) req.headers[HEADER] = callerArn;
      return next(args);
    },
    { step: 'build', name: 'callerHeader' },
  );
  return sfn;
}

test('a granted role starts and reads its machine; others get AccessDeniedException and nothing runs', async () => {
  const ops = clientAs(OPS_SESSION);
  const executionArn = (await ops.send(new StartExecutionCommand({ stateMachineArn: approvals, name: 'ok' }))).executionArn!;
  expect((await ops.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

  for (const [who, arn] of [['stranger', STRANGER], ['nobody', undefined]] as const) {
    await expect(clientAs(arn).send(new StartExecutionCommand({ stateMachineArn: approvals, name: `by-${who}` }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await server.deps.store.getExecution(`${executionArn.slice(0, executionArn.lastIndexOf(':'))}:by-${who}`)).toBeUndefined();
  }
  // start and read on approvals say nothing of reports, nor of deleting
  await expect(ops.send(new StartExecutionCommand({ stateMachineArn: reports }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await expect(ops.send(new DeleteStateMachineCommand({ stateMachineArn: approvals }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect(await server.deps.store.getStateMachine(approvals)).toBeDefined();
  // the listing shows only what the caller may describe
  const listed = await ops.send(new ListStateMachinesCommand({}));
  expect(listed.stateMachines!.map((m) => m.name)).toEqual(['approvals']);
});

test('only the task-response grant answers a .waitForTaskToken task', async () => {
  const { executionArn } = await clientAs(OPS_SESSION).send(new StartExecutionCommand({ stateMachineArn: approvals, name: 'approve-me' }));
  const token = await until('the task token', () => tokens.get(executionArn!));
  await expect(clientAs(OPS_SESSION).send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect((await server.get(executionArn!)).status).toBe('RUNNING');
  await clientAs(APPROVER_SESSION).send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
  expect(await server.finished(executionArn!)).toMatchObject({ status: 'SUCCEEDED' });
});

test('REST routes are checked alike (403)', async () => {
  const res = await fetch(`${server.url}/state-machines/reports/executions`, { method: 'POST', headers: { 'content-type': 'application/json', [HEADER]: OPS_SESSION }, body: '{"input":{}}' });
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ error: 'AccessDeniedException' });
  const ok = await fetch(`${server.url}/state-machines/approvals`, { headers: { [HEADER]: OPS_SESSION } });
  expect(ok.status).toBe(200);
  // a route the check does not know is closed to all but admins (no route added later goes unchecked)
  const unknown = await fetch(`${server.url}/activities`, { headers: { [HEADER]: OPS_SESSION } });
  expect(unknown.status).toBe(403);
  // start with ?sync=true is StartSyncExecution: start alone does not grant it
  const sync = await fetch(`${server.url}/state-machines/approvals/executions?sync=true`, { method: 'POST', headers: { 'content-type': 'application/json', [HEADER]: OPS_SESSION }, body: '{"input":{}}' });
  expect(sync.status).toBe(403);
});
