/**
 * EXPRESS state machines and StartSyncExecution through real HTTP on the local server: the AWS SDK
 * (@aws-sdk/client-sfn, which sends StartSyncExecution to the `sync-` host prefix: disableHostPrefix
 * keeps it on the local endpoint) and the REST route POST /state-machines/{name}/executions?sync=true.
 */
import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { startTestServer, until } from '../runtime/harness';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:';
let server: Awaited<ReturnType<typeof startTestServer>>;
let sfn: SFNClient;
let express: string;
let standard: string;
const invocations: number[] = [];

const DEFINITION = {
  StartAt: 'Shape',
  States: {
    Shape: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'Double' },
    Double: { Type: 'Task', Resource: `${LAMBDA}Double`, Next: 'Big?' },
    'Big?': { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 100, Next: 'TooBig' }], Default: 'Done' },
    TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'more than 100' },
    Done: { Type: 'Pass', End: true },
  },
};

beforeAll(async () => {
  server = await startTestServer({
    tasks: { Double: (input: unknown) => (invocations.push(1), { n: (input as { n: number }).n * 2 }) },
  });
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, disableHostPrefix: true });
  const create = (name: string, type: 'EXPRESS' | 'STANDARD') => sfn.send(new CreateStateMachineCommand({ name, type, definition: JSON.stringify(DEFINITION), roleArn: 'arn:aws:iam::123456789012:role/r' }));
  express = (await create('quick', 'EXPRESS')).stateMachineArn!;
  standard = (await create('durable', 'STANDARD')).stateMachineArn!;
});
afterAll(async () => {
  sfn.destroy();
  await server.close();
});

test('StartSyncExecution answers with the result, AWS\'s shape and billingDetails; the result is stored once', async () => {
  const before = invocations.length;
  const r = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express, name: 'first', input: JSON.stringify({ n: 21, extra: true }) }));
  expect(r).toMatchObject({ stateMachineArn: express, name: 'first', status: 'SUCCEEDED', input: '{"n":21,"extra":true}', inputDetails: { included: true }, outputDetails: { included: true } });
  expect(JSON.parse(r.output!)).toEqual({ n: 42 });
  expect(r.startDate).toBeInstanceOf(Date);
  expect(r.stopDate!.getTime()).toBeGreaterThanOrEqual(r.startDate!.getTime());
  expect(r.billingDetails?.billedMemoryUsedInMB).toBe(64);
  expect(r.billingDetails!.billedDurationInMilliseconds! % 100).toBe(0);
  expect(r.billingDetails!.billedDurationInMilliseconds).toBeGreaterThanOrEqual(100);
  expect(invocations.length - before).toBe(1);
  // AWS's Express ARN form; the result is stored (one item), and not listed, as AWS lists no Express runs
  expect(r.executionArn).toMatch(/^arn:aws:states:us-east-1:123456789012:express:quick:first:[0-9a-f-]{36}$/);
  const rec = await server.deps.store.getExecution(r.executionArn!);
  expect({ status: rec?.status, output: rec?.output, name: rec?.name }).toEqual({ status: 'SUCCEEDED', output: '{"n":42}', name: 'first' });
  const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: express }));
  expect(listed.executions?.map((e) => e.executionArn)).not.toContain(r.executionArn);
});

test('a failing run answers FAILED with the error and cause, no output', async () => {
  const r = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express, input: JSON.stringify({ n: 60 }) }));
  expect(r).toMatchObject({ status: 'FAILED', error: 'TooBig', cause: 'more than 100' });
  expect(r.output).toBeUndefined();
});

test('a STANDARD machine is refused with StateMachineTypeNotSupported', async () => {
  await expect(sfn.send(new StartSyncExecutionCommand({ stateMachineArn: standard, input: '{"n":1}' }))).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
});

test('StartExecution on an EXPRESS machine runs it in one worker invocation and records the result', async () => {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: express, input: '{"n":5}' }));
  const d = await until('the run to end', async () => {
    const x = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return x.status === 'RUNNING' ? undefined : x;
  });
  expect({ status: d.status, output: d.output }).toEqual({ status: 'SUCCEEDED', output: '{"n":10}' });
  // no per-step state: the record holds no snapshot, and no history was written
  const rec = await server.deps.store.getExecution(executionArn!);
  expect(rec?.snapshot).toBeUndefined();
  expect((await server.deps.store.getHistory(executionArn!)).items).toEqual([]);
});

test('REST: POST /state-machines/{name}/executions?sync=true answers 200 with the result as JSON values', async () => {
  const res = await fetch(`${server.url}/state-machines/quick/executions?sync=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { n: 3 } }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 'SUCCEEDED', input: { n: 3 }, output: { n: 6 }, billingDetails: { billedMemoryUsedInMB: 64 } });
  const bad = await fetch(`${server.url}/state-machines/quick/executions?sync=maybe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('sync');
});

test('GetExecutionHistory refuses Express executions with InvalidArn, as AWS; DescribeExecution a synchronous run\'s ARN too', async () => {
  const r = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express, input: '{"n":1}' }));
  await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn: r.executionArn }))).rejects.toMatchObject({ name: 'InvalidArn' });
  await expect(sfn.send(new DescribeExecutionCommand({ executionArn: r.executionArn }))).rejects.toMatchObject({ name: 'InvalidArn' });
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: express, input: '{"n":2}' }));
  await until('the run to end', async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING' ? undefined : true));
  await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn }))).rejects.toMatchObject({ name: 'InvalidArn' });
  // a STANDARD execution's history is answered as before
  const std = await sfn.send(new StartExecutionCommand({ stateMachineArn: standard, input: '{"n":2}' }));
  await until('the STANDARD run to end', async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn: std.executionArn }))).status === 'RUNNING' ? undefined : true));
  const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: std.executionArn }));
  expect(h.events?.[0]?.type).toBe('ExecutionStarted');
});
