import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaServiceException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  type InvokeCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { LambdaTaskInvoker, isCallbackResource } from '../../lambda/aws/lambda-invoker';
import type { TaskRequest } from '../../lambda/ports';

const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:grade';
const INVOKE = 'arn:aws:states:::lambda:invoke';
const meta = { httpStatusCode: 200, requestId: 'req-1' };

/** A LambdaClient whose send() answers with `answer` (a response, or an error to throw) and records commands. */
function mockClient(answer: unknown) {
  const sent: InvokeCommandInput[] = [];
  const send = jest.fn(async (cmd: InvokeCommand) => {
    expect(cmd).toBeInstanceOf(InvokeCommand);
    sent.push(cmd.input);
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const client = { send } as unknown as LambdaClient;
  return { invoker: new LambdaTaskInvoker({ client }), sent, send };
}

const bytes = (v: unknown) => new Uint8Array(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

function request(resource: string, input: unknown, extra: Partial<TaskRequest> = {}): TaskRequest {
  return {
    resource,
    input,
    executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1',
    stateName: 'Grade',
    attempt: 2,
    idempotencyKey: 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1#t7',
    traceId: 'Root=1-abc',
    ...extra,
  };
}

const decodeContext = (s: string | undefined) => JSON.parse(Buffer.from(s!, 'base64').toString('utf8'));

describe('LambdaTaskInvoker: success', () => {
  test('direct function ARN: input is the event, result is the parsed payload', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({ total: 7 }), ExecutedVersion: '$LATEST', $metadata: meta });
    await expect(invoker.invoke(request(FN, { a: 1 }))).resolves.toEqual({ ok: true, output: { total: 7 } });
    expect(sent[0].FunctionName).toBe(FN);
    expect(sent[0].Qualifier).toBeUndefined();
    expect(sent[0].InvocationType).toBe('RequestResponse');
    expect(JSON.parse(Buffer.from(sent[0].Payload as Uint8Array).toString())).toEqual({ a: 1 });
  });

  test('direct ARN: an empty payload (function returned nothing) is null', async () => {
    const { invoker } = mockClient({ StatusCode: 200, $metadata: meta });
    await expect(invoker.invoke(request(FN, {}))).resolves.toEqual({ ok: true, output: null });
  });

  test('lambda:invoke: parameters make the request, the result is wrapped like Step Functions', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({ ok: 1 }), ExecutedVersion: '3', $metadata: meta });
    const out = await invoker.invoke(request(INVOKE, { FunctionName: 'grade', Payload: { n: 1 }, Qualifier: 'live', LogType: 'None' }));
    expect(out).toEqual({
      ok: true,
      output: {
        ExecutedVersion: '3',
        Payload: { ok: 1 },
        SdkHttpMetadata: { HttpHeaders: {}, HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: 'req-1' },
        StatusCode: 200,
      },
    });
    expect(sent[0]).toMatchObject({ FunctionName: 'grade', Qualifier: 'live', InvocationType: 'RequestResponse', LogType: 'None' });
    expect(JSON.parse(Buffer.from(sent[0].Payload as Uint8Array).toString())).toEqual({ n: 1 });
  });

  test('lambda:invoke with InvocationType Event: Payload "" and status 202', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 202, $metadata: { httpStatusCode: 202, requestId: 'r' } });
    const out = await invoker.invoke(request(INVOKE, { FunctionName: FN, InvocationType: 'Event' }));
    expect(sent[0].InvocationType).toBe('Event');
    expect(sent[0].Payload).toBeUndefined();
    expect(out).toMatchObject({ ok: true, output: { Payload: '', StatusCode: 202, SdkHttpMetadata: { HttpStatusCode: 202 } } });
  });

  test('lambda:invoke with LogType Tail keeps LogResult', async () => {
    const { invoker } = mockClient({ StatusCode: 200, Payload: bytes(1), LogResult: 'bG9n', $metadata: meta });
    const out = await invoker.invoke(request(INVOKE, { FunctionName: 'f', LogType: 'Tail' }));
    expect(out).toMatchObject({ ok: true, output: { LogResult: 'bG9n', Payload: 1 } });
  });

  test('.waitForTaskToken: invoked as Event; the outcome carries no output (the answer comes by callback)', async () => {
    const resource = `${INVOKE}.waitForTaskToken`;
    const { invoker, sent } = mockClient({ StatusCode: 202, $metadata: meta });
    const out = await invoker.invoke(request(resource, { FunctionName: 'f', Payload: { token: 'tok' }, InvocationType: 'RequestResponse' }, { taskToken: 'tok' }));
    expect(out).toEqual({ ok: true, output: undefined });
    expect(sent[0].InvocationType).toBe('Event');
    expect(isCallbackResource(resource)).toBe(true);
    expect(isCallbackResource(INVOKE)).toBe(false);
    expect(isCallbackResource(FN)).toBe(false);
  });
});

describe('LambdaTaskInvoker: qualifiers', () => {
  test('a qualified function ARN is split into FunctionName and Qualifier', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({}), $metadata: meta });
    await invoker.invoke(request(`${FN}:prod`, {}));
    expect(sent[0]).toMatchObject({ FunctionName: FN, Qualifier: 'prod' });
    await invoker.invoke(request(`${FN}:$LATEST`, {}));
    expect(sent[1]).toMatchObject({ FunctionName: FN, Qualifier: '$LATEST' });
  });

  test('lambda:invoke passes a qualified FunctionName through unchanged', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({}), ExecutedVersion: '5', $metadata: meta });
    const out = await invoker.invoke(request(INVOKE, { FunctionName: `${FN}:5` }));
    expect(sent[0].FunctionName).toBe(`${FN}:5`);
    expect(sent[0].Qualifier).toBeUndefined();
    expect(out).toMatchObject({ output: { ExecutedVersion: '5' } });
  });
});

describe('LambdaTaskInvoker: function errors', () => {
  const errorDoc = '{"errorType":"ValidationError","errorMessage":"bad score","trace":["at x"]}';

  test.each(['Unhandled', 'Handled'])('FunctionError %s: error is errorType, cause is the raw document', async (fe) => {
    const { invoker } = mockClient({ StatusCode: 200, FunctionError: fe, Payload: bytes(errorDoc), $metadata: meta });
    await expect(invoker.invoke(request(FN, {}))).resolves.toEqual({ ok: false, error: 'ValidationError', cause: errorDoc });
  });

  test('the same for lambda:invoke', async () => {
    const { invoker } = mockClient({ StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes(errorDoc), $metadata: meta });
    await expect(invoker.invoke(request(INVOKE, { FunctionName: 'f' }))).resolves.toEqual({ ok: false, error: 'ValidationError', cause: errorDoc });
  });

  test('no errorType (a timeout): Lambda.Unknown with the payload in AWS wording', async () => {
    const doc = '{"errorMessage":"2024-01-01T00:00:00.000Z abc Task timed out after 3.00 seconds"}';
    const { invoker } = mockClient({ StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes(doc), $metadata: meta });
    await expect(invoker.invoke(request(FN, {}))).resolves.toEqual({
      ok: false,
      error: 'Lambda.Unknown',
      cause: `The cause could not be determined because Lambda did not return an error type. Returned payload: ${doc}`,
    });
  });

  test('an error document that is not JSON is Lambda.Unknown too', async () => {
    const { invoker } = mockClient({ StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes('oops'), $metadata: meta });
    await expect(invoker.invoke(request(FN, {}))).resolves.toMatchObject({ ok: false, error: 'Lambda.Unknown' });
  });
});

describe('LambdaTaskInvoker: SDK exceptions', () => {
  const m = (status: number) => ({ httpStatusCode: status, requestId: 'rid' });

  test.each([
    [new ServiceException({ message: 'internal', $metadata: m(500) }), 'Lambda.ServiceException', 500],
    [new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: m(429) }), 'Lambda.TooManyRequestsException', 429],
    [new ResourceNotFoundException({ message: `Function not found: ${FN}`, $metadata: m(404) }), 'Lambda.ResourceNotFoundException', 404],
  ])('%p -> %s', async (err, name, status) => {
    const { invoker } = mockClient(err);
    const out = await invoker.invoke(request(FN, {}));
    expect(out).toEqual({ ok: false, error: name, cause: `${err.message} (Service: AWSLambda; Status Code: ${status}; Error Code: ${err.name}; Request ID: rid; Proxy: null)` });
  });

  test('an error code the SDK has no model for is Lambda.AWSLambdaException', async () => {
    const err = new LambdaServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: m(403) });
    const { invoker } = mockClient(err);
    await expect(invoker.invoke(request(FN, {}))).resolves.toEqual({
      ok: false,
      error: 'Lambda.AWSLambdaException',
      cause: 'not authorized (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: rid; Proxy: null)',
    });
  });

  test('client-side failures: Lambda.SdkClientException, timeouts Lambda.ClientExecutionTimeoutException', async () => {
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { $metadata: { attempts: 3 } });
    await expect(mockClient(net).invoker.invoke(request(FN, {}))).resolves.toEqual({ ok: false, error: 'Lambda.SdkClientException', cause: net.message });
    const timeout = Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' });
    await expect(mockClient(timeout).invoker.invoke(request(FN, {}))).resolves.toMatchObject({ ok: false, error: 'Lambda.ClientExecutionTimeoutException' });
  });
});

describe('LambdaTaskInvoker: payload limits', () => {
  const big = 'x'.repeat(256 * 1024);

  test('a request payload over 256 KiB fails before calling Lambda', async () => {
    const { invoker, send } = mockClient({ StatusCode: 200, $metadata: meta });
    await expect(invoker.invoke(request(FN, { big }))).resolves.toMatchObject({ ok: false, error: 'States.DataLimitExceeded' });
    await expect(invoker.invoke(request(INVOKE, { FunctionName: 'f', Payload: { big } }))).resolves.toMatchObject({ ok: false, error: 'States.DataLimitExceeded' });
    expect(send).not.toHaveBeenCalled();
  });

  test('the limit counts UTF-8 bytes, not characters', async () => {
    const { invoker, send } = mockClient({ StatusCode: 200, $metadata: meta });
    await expect(invoker.invoke(request(FN, 'é'.repeat(130 * 1024)))).resolves.toMatchObject({ error: 'States.DataLimitExceeded' });
    expect(send).not.toHaveBeenCalled();
  });

  test('a response over 256 KiB is States.DataLimitExceeded, named as AWS names the task', async () => {
    const direct = mockClient({ StatusCode: 200, Payload: bytes({ big }), $metadata: meta });
    await expect(direct.invoker.invoke(request(FN, {}))).resolves.toEqual({
      ok: false,
      error: 'States.DataLimitExceeded',
      cause: `The state/task '${FN}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    });
    const integ = mockClient({ StatusCode: 200, Payload: bytes({ big }), $metadata: meta });
    await expect(integ.invoker.invoke(request(INVOKE, { FunctionName: 'f' }))).resolves.toMatchObject({
      cause: "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });
});

describe('LambdaTaskInvoker: ClientContext', () => {
  test('carries trace id, idempotency key, execution, state and attempt', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({}), $metadata: meta });
    await invoker.invoke(request(FN, {}));
    expect(decodeContext(sent[0].ClientContext)).toEqual({
      custom: {
        stepwrightTraceId: 'Root=1-abc',
        idempotencyKey: 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1#t7',
        executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1',
        stateName: 'Grade',
        attempt: '2',
      },
    });
  });

  test('no trace id: the key is left out', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({}), $metadata: meta });
    await invoker.invoke(request(FN, {}, { traceId: undefined }));
    expect(decodeContext(sent[0].ClientContext).custom).not.toHaveProperty('stepwrightTraceId');
  });

  test("a definition's ClientContext is merged, keeping its own fields", async () => {
    const given = Buffer.from(JSON.stringify({ client: { app: 'x' }, custom: { tenant: 't1' } })).toString('base64');
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({}), $metadata: meta });
    await invoker.invoke(request(INVOKE, { FunctionName: 'f', ClientContext: given }));
    const ctx = decodeContext(sent[0].ClientContext);
    expect(ctx.client).toEqual({ app: 'x' });
    expect(ctx.custom).toMatchObject({ tenant: 't1', stateName: 'Grade', attempt: '2' });
  });

  test('a ClientContext that is not base64 JSON is sent unchanged', async () => {
    const { invoker, sent } = mockClient({ StatusCode: 200, Payload: bytes({}), $metadata: meta });
    await invoker.invoke(request(INVOKE, { FunctionName: 'f', ClientContext: 'bm90IGpzb24=' }));
    expect(sent[0].ClientContext).toBe('bm90IGpzb24=');
  });
});

describe('LambdaTaskInvoker: bad requests', () => {
  test('lambda:invoke without a FunctionName string fails without calling Lambda', async () => {
    const { invoker, send } = mockClient({ StatusCode: 200, $metadata: meta });
    await expect(invoker.invoke(request(INVOKE, { Payload: {} }))).resolves.toMatchObject({ ok: false, error: 'States.TaskFailed' });
    expect(send).not.toHaveBeenCalled();
  });

  test('a resource that is not Lambda is refused', async () => {
    const { invoker } = mockClient({ StatusCode: 200, $metadata: meta });
    await expect(invoker.invoke(request('arn:aws:states:::sqs:sendMessage', {}))).resolves.toMatchObject({ ok: false, error: 'States.TaskFailed' });
  });
});

describe('LambdaTaskInvoker: a function\'s longest run (for inline tasks)', () => {
  /** answers GetFunctionConfiguration with `timeout` (or throws it), and records what was asked */
  function configClient(timeout: number | Error) {
    const asked: { FunctionName?: string; Qualifier?: string }[] = [];
    const send = jest.fn(async (cmd: GetFunctionConfigurationCommand) => {
      expect(cmd).toBeInstanceOf(GetFunctionConfigurationCommand);
      asked.push(cmd.input);
      if (timeout instanceof Error) throw timeout;
      return { Timeout: timeout, $metadata: meta };
    });
    return { invoker: new LambdaTaskInvoker({ client: { send } as unknown as LambdaClient }), asked };
  }

  test('the configured timeout, read once per function and qualifier', async () => {
    const { invoker, asked } = configClient(42);
    const r = (resource: string, input: unknown = {}) => ({ resource, input, executionArn: 'arn:x' });
    await expect(invoker.longestRunSeconds(r(FN))).resolves.toBe(42);
    await expect(invoker.longestRunSeconds(r(FN))).resolves.toBe(42);
    await expect(invoker.longestRunSeconds(r(`${FN}:prod`))).resolves.toBe(42);
    await expect(invoker.longestRunSeconds(r(INVOKE, { FunctionName: 'grade', Qualifier: '3' }))).resolves.toBe(42);
    expect(asked).toEqual([{ FunctionName: FN }, { FunctionName: FN, Qualifier: 'prod' }, { FunctionName: 'grade', Qualifier: '3' }]);
  });

  test('unknown when it cannot be read (no permission) or the resource names no function', async () => {
    const denied = Object.assign(new Error('not authorized to perform: lambda:GetFunctionConfiguration'), { name: 'AccessDeniedException' });
    const { invoker } = configClient(denied);
    await expect(invoker.longestRunSeconds({ resource: FN, input: {}, executionArn: 'arn:x' })).resolves.toBeUndefined();
    await expect(invoker.longestRunSeconds({ resource: INVOKE, input: { Payload: {} }, executionArn: 'arn:x' })).resolves.toBeUndefined();
  });
});
