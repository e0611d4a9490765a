/**
 * AWS's TestState action through @aws-sdk/client-sfn against the local server (real HTTP): one state,
 * its outcome (SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR) and nextState, mocked results and errors,
 * variables, a whole definition with stateName, and the inspection data of DEBUG.
 */
import { SFNClient, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { startTestServer } from '../runtime/harness';

let server: Awaited<ReturnType<typeof startTestServer>>;
let sfn: SFNClient;
const called: unknown[] = [];

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      Double: (input: unknown) => {
        called.push(input);
        return { value: (input as { n: number }).n * 2 };
      },
    },
  });
  // TestState's endpoint has the host prefix "sync-" on AWS; a local endpoint takes it without
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, disableHostPrefix: true });
});
afterAll(() => server.close());

const testState = (input: Omit<TestStateCommandInput, 'definition'> & { definition: unknown }) =>
  sfn.send(new TestStateCommand({ ...input, definition: JSON.stringify(input.definition) }));
const json = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as unknown));

const priceTask = {
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  InputPath: '$.order',
  Parameters: { FunctionName: 'price', 'Payload.$': '$' },
  ResultSelector: { 'total.$': '$.Payload.total' },
  ResultPath: '$.price',
  Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 }],
  Catch: [
    { ErrorEquals: ['Other'], Next: 'Elsewhere' },
    { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Apologize' },
  ],
  Next: 'Ship',
};
const order = { order: { id: 'o-1', items: 2 }, customer: 'c-9' };

test('a Pass state: its output and the state it goes to', async () => {
  const r = await testState({ definition: { Type: 'Pass', Parameters: { 'greeting.$': "States.Format('hi {}', $.name)" }, Next: 'After' }, input: '{"name":"Ada"}' });
  expect(r.status).toBe('SUCCEEDED');
  expect(json(r.output)).toEqual({ greeting: 'hi Ada' });
  expect(r.nextState).toBe('After');
  expect(r.inspectionData).toBeUndefined();
});

test('a Task with a mocked result at DEBUG: every step of its data processing', async () => {
  const r = await testState({ definition: priceTask, input: JSON.stringify(order), inspectionLevel: 'DEBUG', mock: { result: JSON.stringify({ StatusCode: 200, Payload: { total: 30 } }) } });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.nextState).toBe('Ship');
  expect(json(r.output)).toEqual({ ...order, price: { total: 30 } });
  const d = r.inspectionData!;
  expect(json(d.input)).toEqual(order);
  expect(json(d.afterInputPath)).toEqual({ id: 'o-1', items: 2 });
  expect(json(d.afterParameters)).toEqual({ FunctionName: 'price', Payload: { id: 'o-1', items: 2 } });
  expect(json(d.result)).toEqual({ StatusCode: 200, Payload: { total: 30 } });
  expect(json(d.afterResultSelector)).toEqual({ total: 30 });
  expect(json(d.afterResultPath)).toEqual({ ...order, price: { total: 30 } });
  expect(called).toEqual([]); // mocked: the task function is not called
});

test('an error a Retrier matches is RETRIABLE while retries remain, with the retrier and its backoff', async () => {
  const errorOutput = { error: 'Lambda.TooManyRequestsException', cause: 'slow down' };
  const first = await testState({ definition: priceTask, input: JSON.stringify(order), inspectionLevel: 'DEBUG', mock: { errorOutput } });
  expect(first).toMatchObject({ status: 'RETRIABLE', error: 'Lambda.TooManyRequestsException', cause: 'slow down' });
  expect(first.nextState).toBeUndefined();
  expect(first.inspectionData!.errorDetails).toEqual({ retryIndex: 0, retryBackoffIntervalSeconds: 2 });

  const second = await testState({ definition: priceTask, input: JSON.stringify(order), inspectionLevel: 'DEBUG', mock: { errorOutput }, stateConfiguration: { retrierRetryCount: 1 } });
  expect(second.inspectionData!.errorDetails).toEqual({ retryIndex: 0, retryBackoffIntervalSeconds: 6 });

  // retries used up: the second Catch (States.ALL) takes it
  const caught = await testState({ definition: priceTask, input: JSON.stringify(order), inspectionLevel: 'DEBUG', mock: { errorOutput }, stateConfiguration: { retrierRetryCount: 2 } });
  expect(caught).toMatchObject({ status: 'CAUGHT_ERROR', error: 'Lambda.TooManyRequestsException', cause: 'slow down', nextState: 'Apologize' });
  expect(json(caught.output)).toEqual({ ...order, failure: { Error: 'Lambda.TooManyRequestsException', Cause: 'slow down' } });
  expect(caught.inspectionData!.errorDetails).toEqual({ catchIndex: 1 });
});

test('TRACE adds the request and response of an HTTP task', async () => {
  const http = { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', Parameters: { ApiEndpoint: 'https://api.example.com/orders', Method: 'POST', 'RequestBody.$': '$' }, End: true };
  const response = { StatusCode: 201, StatusText: 'Created', Headers: { 'content-type': ['application/json'] }, ResponseBody: { id: 'o-7' } };
  const r = await testState({ definition: http, input: '{"item":"pen"}', inspectionLevel: 'TRACE', mock: { result: JSON.stringify(response) } });
  expect(r.status).toBe('SUCCEEDED');
  expect(r.inspectionData!.request).toEqual({ protocol: 'https', method: 'POST', url: 'https://api.example.com/orders', headers: '{}', body: '{"item":"pen"}' });
  expect(r.inspectionData!.response).toEqual({ protocol: 'https', statusCode: '201', statusMessage: 'Created', headers: '{"content-type":["application/json"]}', body: '{"id":"o-7"}' });
  const debug = await testState({ definition: http, input: '{"item":"pen"}', inspectionLevel: 'DEBUG', mock: { result: JSON.stringify(response) } });
  expect(debug.inspectionData!.request).toBeUndefined();
});

test('an error nothing catches FAILS the state', async () => {
  const noCatch = { ...priceTask, Catch: undefined, Retry: undefined };
  const r = await testState({ definition: noCatch, input: JSON.stringify(order), mock: { errorOutput: { error: 'Boom', cause: 'broken' } } });
  expect(r).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'broken' });
  expect(r.output).toBeUndefined();
});

test('without a mock the Task calls the engine task invoker', async () => {
  const r = await testState({ definition: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'Double', 'Payload.$': '$' }, OutputPath: '$.Payload', End: true }, input: '{"n":21}' });
  expect(r.status).toBe('SUCCEEDED');
  expect(json(r.output)).toEqual({ value: 42 });
  expect(r.nextState).toBeUndefined();
  expect(called).toEqual([{ n: 21 }]);
});

test('Choice goes to the matching rule, Fail fails with its error', async () => {
  const choice = { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }], Default: 'Small' };
  expect((await testState({ definition: choice, input: '{"n":11}' })).nextState).toBe('Big');
  expect((await testState({ definition: choice, input: '{"n":3}' })).nextState).toBe('Small');
  const fail = await testState({ definition: { Type: 'Fail', Error: 'Rejected', Cause: 'no stock' } });
  expect(fail).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'no stock' });
});

test('stateName picks a state of a whole JSONata definition; variables are visible to it', async () => {
  const definition = {
    QueryLanguage: 'JSONata',
    StartAt: 'First',
    States: {
      First: { Type: 'Pass', Next: 'Total' },
      Total: { Type: 'Pass', Output: '{% {"total": $states.input.n * $rate} %}', Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  const r = await testState({ definition, stateName: 'Total', input: '{"n":4}', variables: '{"rate":1.5}', inspectionLevel: 'DEBUG' });
  expect(r.status).toBe('SUCCEEDED');
  expect(json(r.output)).toEqual({ total: 6 });
  expect(r.nextState).toBe('Done');
  expect(json(r.inspectionData!.variables)).toEqual({ rate: 1.5 });
});

test('bad requests get the API errors AWS names', async () => {
  await expect(testState({ definition: { Type: 'Pass', Next: 'X' }, input: '{nope' })).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
  await expect(sfn.send(new TestStateCommand({ definition: '{"Type":' }))).rejects.toMatchObject({ name: 'InvalidDefinition' });
  await expect(testState({ definition: { Type: 'Wander', End: true } })).rejects.toMatchObject({ name: 'InvalidDefinition' });
  await expect(testState({ definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } }, stateName: 'B' })).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining("no state named 'B'") });
  await expect(testState({ definition: { Type: 'Pass', End: true }, inspectionLevel: 'LOUD' as never })).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(testState({ definition: { Type: 'Pass', End: true }, mock: { result: '{}' } })).rejects.toMatchObject({ name: 'ValidationException' });
});
