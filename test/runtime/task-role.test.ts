/**
 * A role per state machine at run time: which role a task runs with (runtime/task-role.ts), the
 * worker's per-role Lambda clients (aws/assume-role.ts), and the invoker signing each task's Invoke
 * with its machine's credentials, seen by a real HTTP server standing in for Lambda.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { MachineRoles } from '../../lambda/aws/assume-role';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import { LambdaTaskInvoker } from '../../lambda/aws/lambda-invoker';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';
import { roleArnAllowed, roleArnProblem, roleToAssume } from '../../lambda/runtime/task-role';
import { createStateMachine } from '../../lambda/runtime/service';
import type { EngineDeps } from '../../lambda/runtime/deps';
import type { TaskInvoker } from '../../lambda/ports';

const WORKER = 'arn:aws:iam::123456789012:role/Stack-EngineWorkerRole-ABC';
const BILLING = 'arn:aws:iam::123456789012:role/billing-tasks';

test('roleToAssume: the machine\'s own role; none for the placeholder or the worker\'s own role', () => {
  expect(roleToAssume(BILLING, WORKER)).toBe(BILLING);
  expect(roleToAssume('arn:aws-cn:iam::123456789012:role/stepwright-execution', WORKER)).toBeUndefined();
  expect(roleToAssume('arn:aws:iam::123456789012:role/path/Stack-EngineWorkerRole-ABC', WORKER)).toBeUndefined();
  expect(roleToAssume(undefined, WORKER)).toBeUndefined();
});

test('roleArnProblem: CreateStateMachine must name a role the engine may assume, and says how', () => {
  const patterns = ['arn:aws:iam::123456789012:role/stepwright-*'];
  expect(roleArnAllowed('arn:aws:iam::123456789012:role/stepwright-orders', patterns)).toBe(true);
  expect(roleArnAllowed('arn:aws:iam::123456789012:role/other', patterns)).toBe(false);
  expect(roleArnProblem('CreateStateMachine', undefined, patterns)).toMatch(/'roleArn'.*must not be null.*apiStateMachineRoles/);
  expect(roleArnProblem('CreateStateMachine', 'arn:aws:iam::123456789012:role/other', patterns)).toMatch(/Invalid roleArn 'arn:aws:iam::123456789012:role\/other': not a role this engine may assume/);
  expect(roleArnProblem('CreateStateMachine', 'arn:aws:iam::123456789012:role/stepwright-x', patterns)).toBeUndefined();
  expect(roleArnProblem('UpdateStateMachine', undefined, patterns)).toBeUndefined();
  expect(roleArnProblem('CreateStateMachine', 'arn:aws:iam::123456789012:role/stepwright-x', [])).toMatch(/lets no state machine created through the API run/);
});

describe('tasks run with their machine\'s role', () => {
  let dynamo: LocalDynamo;
  let deps: EngineDeps;
  let lambda: Server;
  let endpoint: string;
  const seen: { keyId: string; fn: string }[] = [];

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tableName: 'stepwright-task-role' });
    deps = {
      store: new DynamoExecutionStore({ client: dynamo.client, tableName: dynamo.tableName }),
      queue: { send: async () => undefined },
      invoker: {} as TaskInvoker,
      clock: { now: () => new Date() },
      random: { random: Math.random, uuid: randomUUID },
      region: 'us-east-1',
      accountId: '123456789012',
    };
    // Lambda's Invoke, as far as the SDK sees it: the access key id of the signature is the role's
    lambda = createServer((req, res) => {
      const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      seen.push({ keyId, fn: decodeURIComponent(req.url ?? '').split('/functions/')[1]?.split('/')[0] ?? '' });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
        res.end(JSON.stringify({ keyId }));
      });
    });
    await new Promise<void>((r) => lambda.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
    await createStateMachine(deps, { name: 'billing', definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }), roleArn: BILLING });
    await createStateMachine(deps, { name: 'legacy', definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }), roleArn: WORKER });
  });
  afterAll(async () => {
    await new Promise((r) => lambda.close(r));
    await dynamo.close();
  });

  test('each Invoke is signed with the credentials of the role its machine names (assumed once per role)', async () => {
    const assumed: string[] = [];
    const client = (credentials?: LambdaClient['config']['credentials']) =>
      new LambdaClient({ region: 'us-east-1', endpoint, credentials: credentials ?? { accessKeyId: 'WORKER_OWN', secretAccessKey: 's' } });
    const roles = new MachineRoles({
      store: () => deps.store,
      region: 'us-east-1',
      workerRoleArn: WORKER,
      lambdaClient: (credentials) => client(credentials),
      assume: (roleArn) => {
        assumed.push(roleArn);
        return () => Promise.resolve({ accessKeyId: `ASSUMED_${roleArn.split('/').pop()!}`, secretAccessKey: 's', sessionToken: 't' });
      },
    });
    const invoker = new LambdaTaskInvoker({ client: client(), roles });
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function:charge';
    const task = (executionArn: string) => ({ resource: fn, input: {}, executionArn, stateName: 'T', attempt: 1, idempotencyKey: randomUUID() });
    const out1 = await invoker.invoke(task('arn:aws:states:us-east-1:123456789012:execution:billing:one'));
    const out2 = await invoker.invoke(task('arn:aws:states:us-east-1:123456789012:execution:billing/Fan:one/0'));
    const out3 = await invoker.invoke(task('arn:aws:states:us-east-1:123456789012:execution:legacy:two'));
    expect([out1, out2, out3]).toEqual([
      { ok: true, output: { keyId: 'ASSUMED_billing-tasks' } },
      { ok: true, output: { keyId: 'ASSUMED_billing-tasks' } },
      { ok: true, output: { keyId: 'WORKER_OWN' } },
    ]);
    expect(assumed).toEqual([BILLING]);
    // other services' clients get the same provider: still one AssumeRole per role
    expect(await roles.credentialsFor('arn:aws:states:us-east-1:123456789012:execution:billing:one')).toBeDefined();
    expect(await roles.credentialsFor('arn:aws:states:us-east-1:123456789012:execution:legacy:two')).toBeUndefined();
    expect(assumed).toEqual([BILLING]);
    expect(seen.map((s) => s.fn)).toEqual([fn, fn, fn]);
  });
});
