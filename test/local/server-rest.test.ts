/**
 * The REST routes of the local server (the ones API Gateway serves), with fetch: state machines,
 * executions, history paging, stop, task callbacks (manual-approval with .waitForTaskToken), the
 * status page and the error answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, until } from '../runtime/harness';
import { taskTokensOf } from '../../lambda/runtime/task-tokens';

const approvalDefinition = JSON.parse(readFileSync(join(__dirname, '../../examples/manual-approval/definition.json'), 'utf8'));
const examDefinition = JSON.parse(readFileSync(join(__dirname, '../../examples/exam-results/definition.json'), 'utf8'));

/** What the RequestApproval task was handed, by execution: the token an approver answers with. */
const approvals = new Map<string, { taskToken: string; request: unknown }>();

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      AddTotal: (scores) => ({ ...(scores as object), total: Object.values(scores as Record<string, number>).reduce((a, b) => a + b, 0) }),
      RequestApproval: (input, ctx) => void approvals.set(ctx.executionArn, input as { taskToken: string; request: unknown }),
    },
  });
});
afterAll(async () => server?.close());

interface Answer {
  status: number;
  body: any;
  contentType: string;
}

async function call(method: string, path: string, body?: unknown, raw?: string): Promise<Answer> {
  const res = await fetch(server.url + path, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, body: contentType.includes('json') && text ? JSON.parse(text) : text, contentType };
}

const enc = encodeURIComponent;

async function finished(executionArn: string) {
  return until(`${executionArn} to finish`, async () => {
    const r = await call('GET', `/executions/${enc(executionArn)}`);
    return r.body.status === 'RUNNING' ? undefined : r.body;
  });
}

async function approvalFor(executionArn: string) {
  return until(`the approval request of ${executionArn}`, () => approvals.get(executionArn));
}

describe('REST: state machines and executions', () => {
  it('creates a state machine from a definition object, lists and gets it by name or ARN', async () => {
    const created = await call('POST', '/state-machines', { name: 'exam-results', definition: examDefinition });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:exam-results', creationDate: expect.any(String) });
    expect(Number.isNaN(Date.parse(created.body.creationDate))).toBe(false);

    const list = await call('GET', '/state-machines');
    expect(list.status).toBe(200);
    expect(list.body.stateMachines).toContainEqual({ name: 'exam-results', stateMachineArn: created.body.stateMachineArn, creationDate: created.body.creationDate });

    for (const key of ['exam-results', created.body.stateMachineArn]) {
      const one = await call('GET', `/state-machines/${enc(key)}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ name: 'exam-results', stateMachineArn: created.body.stateMachineArn, status: 'ACTIVE', definition: examDefinition });
    }
    expect((await call('GET', '/state-machines/missing')).status).toBe(404);
  });

  it('refuses an invalid definition with 400 InvalidDefinition', async () => {
    const r = await call('POST', '/state-machines', { name: 'broken', definition: { StartAt: 'Nope', States: { A: { Type: 'Succeed' } } } });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('InvalidDefinition');
    expect(r.body.message).toContain('/StartAt');
  });

  it('starts an execution (202), describes it, pages its history', async () => {
    const start = await call('POST', '/state-machines/exam-results/executions', { name: 'rest-1', input: { comment: 'hi', lambda: { math: 80, eng: 93 } } });
    expect(start.status).toBe(202);
    expect(start.body).toEqual({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:exam-results:rest-1', startDate: expect.any(String) });
    const arn = start.body.executionArn;

    const d = await finished(arn);
    expect(d).toMatchObject({ executionArn: arn, status: 'SUCCEEDED', name: 'rest-1', input: { comment: 'hi', lambda: { math: 80, eng: 93 } }, output: { math: 80, eng: 93, total: 173 } });

    const full = await call('GET', `/executions/${enc(arn)}/history`);
    expect(full.status).toBe(200);
    const types = full.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    expect(full.body.nextToken).toBeUndefined();

    const ids: number[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `/executions/${enc(arn)}/history?maxResults=3&reverseOrder=true${nextToken ? `&nextToken=${enc(nextToken)}` : ''}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.events.map((e: { id: number }) => e.id));
      nextToken = page.body.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(ids).toEqual([7, 6, 5, 4, 3, 2, 1]);

    const listed = await call('GET', '/state-machines/exam-results/executions?statusFilter=SUCCEEDED');
    expect(listed.body.executions.map((e: { name: string }) => e.name)).toContain('rest-1');
  });

  it('a bad input is refused with 400 InvalidExecutionInput and nothing is written', async () => {
    const r = await call('POST', '/state-machines/exam-results/executions', { name: 'bad', input: '{"lambda": ' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('InvalidExecutionInput');
    expect((await call('GET', `/executions/${enc('arn:aws:states:us-east-1:123456789012:execution:exam-results:bad')}`)).status).toBe(404);
  });
});

describe('REST: stop and task callbacks (manual-approval)', () => {
  beforeAll(async () => {
    expect((await call('POST', '/state-machines', { name: 'manual-approval', definition: approvalDefinition })).status).toBe(201);
  });

  const start = async (name: string) => {
    const r = await call('POST', '/state-machines/manual-approval/executions', { name, input: { item: 'laptop', requester: 'ada' } });
    expect(r.status).toBe(202);
    return r.body.executionArn as string;
  };

  it('the task gets the token; heartbeat and success over REST; a second answer is TaskTimedOut', async () => {
    const arn = await start('approve');
    const { taskToken, request } = await approvalFor(arn);
    expect(request).toEqual({ item: 'laptop', requester: 'ada' });
    expect((await call('GET', `/executions/${enc(arn)}`)).body.status).toBe('RUNNING');

    const hb = await call('POST', '/tasks/heartbeat', { taskToken });
    expect(hb).toMatchObject({ status: 200, body: {} });

    const ok = await call('POST', '/tasks/success', { taskToken, output: { approved: true, by: 'grace' } });
    expect(ok).toMatchObject({ status: 200, body: {} });
    const d = await finished(arn);
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: { shipped: 'laptop', approvedBy: 'grace' } });

    const again = await call('POST', '/tasks/success', { taskToken, output: { approved: false } });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('TaskTimedOut');
    const late = await call('POST', '/tasks/heartbeat', { taskToken });
    expect(late.body.error).toBe('TaskTimedOut');
    // The execution is untouched by the late answers.
    const hist = await call('GET', `/executions/${enc(arn)}/history`);
    expect(hist.body.events.filter((e: { type: string }) => e.type === 'TaskSucceeded')).toHaveLength(1);
    expect(hist.body.events.at(-1).type).toBe('ExecutionSucceeded');
  });

  it('a rejection goes down the Choice to the Fail state', async () => {
    const arn = await start('reject');
    const { taskToken } = await approvalFor(arn);
    await call('POST', '/tasks/success', { taskToken, output: { approved: false, by: 'grace' } });
    expect(await finished(arn)).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'The request was not approved.' });
  });

  it('SendTaskFailure fails the task with its error and cause', async () => {
    const arn = await start('fail');
    const { taskToken } = await approvalFor(arn);
    const r = await call('POST', '/tasks/failure', { taskToken, error: 'Approval.Denied', cause: 'no budget' });
    expect(r.status).toBe(200);
    expect(await finished(arn)).toMatchObject({ status: 'FAILED', error: 'Approval.Denied', cause: 'no budget' });
  });

  it('a garbage token is InvalidToken; a well-formed token of no execution is TaskDoesNotExist', async () => {
    const garbage = await call('POST', '/tasks/success', { taskToken: 'not-a-token', output: {} });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toBe('InvalidToken');
    // well-formed: signed with this engine's secret (a token built from an ARN alone is InvalidToken)
    const orphan = (await taskTokensOf(server.deps)).sign('arn:aws:states:us-east-1:123456789012:execution:manual-approval:ghost', '1');
    const r = await call('POST', '/tasks/failure', { taskToken: orphan });
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('TaskDoesNotExist');
  });

  it('POST /executions/{arn}/stop aborts the waiting execution', async () => {
    const arn = await start('stop-me');
    const { taskToken } = await approvalFor(arn);
    const r = await call('POST', `/executions/${enc(arn)}/stop`, { error: 'Ops.Stop', cause: 'maintenance' });
    expect(r.status).toBe(200);
    expect(Number.isNaN(Date.parse(r.body.stopDate))).toBe(false);
    const d = (await call('GET', `/executions/${enc(arn)}`)).body;
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Ops.Stop', cause: 'maintenance', stopDate: r.body.stopDate });
    const hist = (await call('GET', `/executions/${enc(arn)}/history?reverseOrder=true&maxResults=1`)).body;
    expect(hist.events[0]).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Ops.Stop', cause: 'maintenance' } });
    expect((await call('POST', '/tasks/success', { taskToken, output: {} })).body.error).toBe('TaskTimedOut');
  });
});

describe('REST: status page and errors', () => {
  it('GET / is an HTML status page listing the state machines', async () => {
    const r = await call('GET', '/');
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/html/);
    expect(r.body).toContain('<h1>Stepwright is running</h1>');
    expect(r.body).toContain('exam-results');
  });

  it('a body that is not JSON is a 400 naming the problem', async () => {
    const r = await call('POST', '/state-machines', undefined, '{"name": "x", ');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('ValidationException');
    expect(r.body.message).toMatch(/not valid JSON/);
    expect(r.body.message).toMatch(/JSON|position|Unexpected|Expected/);

    const arr = await call('POST', '/tasks/success', undefined, '[1, 2]');
    expect(arr.status).toBe(400);
    expect(arr.body.message).toMatch(/must be a JSON object, not an array/);

    // The JSON protocol answers the same way, as an AWS error.
    const res = await fetch(server.url + '/', { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution', 'content-type': 'application/x-amz-json-1.0' }, body: '{oops' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { __type: string; message: string };
    expect(body.__type).toMatch(/#ValidationException$/);
    expect(body.message).toMatch(/not valid JSON/);
  });

  it('a missing field is a 400 naming the field', async () => {
    const r = await call('POST', '/tasks/success', { output: {} });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('taskToken');
  });

  it('an unknown route is a 404', async () => {
    const r = await call('GET', '/no/such/route');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'NotFound', message: 'No route for GET /no/such/route' });
    expect((await call('DELETE', '/executions/x/y/z')).status).toBe(404);
    const missing = await call('GET', `/executions/${enc('arn:aws:states:us-east-1:123456789012:execution:exam-results:none')}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('ExecutionDoesNotExist');
  });

  it('a known path with another method is 405 with an Allow header and a JSON error', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:exam-results:rest-1';
    for (const [method, path, allow] of [
      ['DELETE', `/executions/${enc(arn)}`, 'GET'],
      ['PATCH', '/state-machines', 'POST, GET'],
      ['POST', '/state-machines/exam-results', 'GET, PUT, DELETE'],
      ['GET', '/tasks/success', 'POST'],
    ]) {
      const res = await fetch(server.url + path, { method });
      expect({ method, path, status: res.status, allow: res.headers.get('allow') }).toEqual({ method, path, status: 405, allow });
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ error: 'MethodNotAllowed', message: `${method} is not allowed on ${path}; allowed: ${allow}` });
    }
    // a path no route has is still 404, whatever the method
    expect((await call('PATCH', '/tasks/nothing')).status).toBe(404);
    expect((await call('POST', '/state-machines/a/b/c')).body).toEqual({ error: 'NotFound', message: 'No route for POST /state-machines/a/b/c' });
  });

  it('query numbers must be integers in range, booleans true or false: else 400 naming the parameter', async () => {
    const arn = enc('arn:aws:states:us-east-1:123456789012:execution:exam-results:rest-1');
    for (const bad of ['abc', '-1', '1.5', '1001', '', '1e2']) {
      for (const path of [`/executions/${arn}/history?maxResults=${bad}`, `/state-machines?maxResults=${bad}`, `/state-machines/exam-results/executions?maxResults=${bad}`]) {
        const r = await call('GET', path);
        expect({ path, status: r.status, error: r.body.error }).toEqual({ path, status: 400, error: 'ValidationException' });
        expect(r.body.message).toContain(`Value '${bad}' at 'maxResults' failed to satisfy constraint: Member must be an integer between 0 and 1000`);
      }
    }
    const yes = await call('GET', `/executions/${arn}/history?reverseOrder=yes`);
    expect(yes.status).toBe(400);
    expect(yes.body.message).toContain("at 'reverseOrder'");
    expect((await call('GET', `/executions/${arn}/history?includeExecutionData=0`)).body.message).toContain("at 'includeExecutionData'");
    // in range: 0 (the default page size) and 1000
    for (const ok of ['0', '1000']) expect((await call('GET', `/executions/${arn}/history?maxResults=${ok}&reverseOrder=false&includeExecutionData=true`)).status).toBe(200);
  });

  it('an unknown JSON-protocol action is UnknownOperationException', async () => {
    const res = await fetch(server.url + '/', { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.DoMagic', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});

