/**
 * The local server answers only its own user: requests with a foreign Host (DNS rebinding) or from
 * a foreign web page (Origin, Sec-Fetch-Site) are refused before anything runs, bodies must be JSON
 * and at most 1 MiB, and the router refuses what it would otherwise misread (bad %-encoding, unknown
 * body fields, an unknown statusFilter, a start body without its `input` wrapper). Real HTTP with
 * node's http client, which (unlike fetch) sends whatever Host and Origin a test asks for.
 */
import { request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startTestEngine, type TestEngine } from '../runtime/harness';
import { startHttpServer } from '../../lambda/local/http-server';
import { createApiHandler } from '../../lambda/handlers/api';

const ALLOWED = 'http://localhost:3000';
const passMachine = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

let engine: TestEngine;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let port: number;

beforeAll(async () => {
  engine = await startTestEngine({});
  server = await startHttpServer(engine.deps, 0, '127.0.0.1', { corsOrigins: [ALLOWED] });
  port = Number(new URL(server.url).port);
  expect((await send('POST', '/state-machines', { json: { name: 'pass', definition: passMachine } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/** One request; `json` is sent as application/json unless headers say otherwise, `raw` as given. */
function send(method: string, path: string, opts: { headers?: Record<string, string>; json?: unknown; raw?: string | Buffer; chunked?: boolean } = {}): Promise<Answer> {
  const payload = opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  if (payload !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the status page, or an empty answer
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, body });
      });
    });
    // the server answers 413 before reading a long body; it may close while this side still writes
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end(payload);
  });
}

/** Whether a state machine of that name exists: what a refused request must not have created. */
async function machineExists(name: string): Promise<boolean> {
  const r = await send('GET', `/state-machines/${name}`);
  return r.status === 200;
}

const executions = async () => (await send('GET', '/state-machines/pass/executions')).body.executions as unknown[];

describe('Host: only the names of this server', () => {
  it('answers Host 127.0.0.1, localhost and [::1] on its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const r = await send('GET', '/state-machines', { headers: { host } });
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
    }
  });

  it('refuses a foreign Host (DNS rebinding) or another port with 403 naming it, and runs nothing', async () => {
    const r = await send('POST', '/state-machines', { headers: { host: `attacker.example:${port}` }, json: { name: 'rebound', definition: passMachine } });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'Forbidden', message: expect.stringContaining(`Host 'attacker.example:${port}' is not this server`) });
    expect(await machineExists('rebound')).toBe(false);
    expect((await send('GET', '/state-machines', { headers: { host: 'localhost:1' } })).status).toBe(403);
    expect((await send('GET', '/state-machines', { headers: { host: 'localhost' } })).status).toBe(403); // port 80 implied
  });

  it('answers a JSON-protocol request in its own error shape', async () => {
    const r = await send('POST', '/', { headers: { host: 'attacker.example', 'x-amz-target': 'AWSStepFunctions.ListStateMachines', 'content-type': 'application/x-amz-json-1.0' }, raw: '{}' });
    expect(r.status).toBe(403);
    expect(r.headers['x-amzn-errortype']).toBe('Forbidden');
    expect(r.body.__type).toBe('Forbidden');
  });
});

describe('Origin: no other web page drives the server', () => {
  it('refuses a cross-site POST (Origin of another site) with 403, naming the origin and --cors-origin; nothing is created', async () => {
    const r = await send('POST', '/state-machines', { headers: { origin: 'https://evil.example' }, json: { name: 'csrf', definition: passMachine } });
    expect(r.status).toBe(403);
    expect(r.body.message).toContain("Cross-origin request from 'https://evil.example' refused");
    expect(r.body.message).toContain('--cors-origin https://evil.example');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(await machineExists('csrf')).toBe(false);
  });

  it('refuses a request a browser marks Sec-Fetch-Site: cross-site even without Origin, and an opaque Origin null', async () => {
    const before = (await executions()).length;
    const r = await send('POST', '/state-machines/pass/executions', { headers: { 'sec-fetch-site': 'cross-site' }, json: { input: {} } });
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('Sec-Fetch-Site: cross-site');
    expect((await send('POST', '/state-machines/pass/executions', { headers: { origin: 'null' }, json: { input: {} } })).status).toBe(403);
    expect((await executions()).length).toBe(before);
  });

  it('lets a link from elsewhere open a page (a top-level GET navigation changes nothing)', async () => {
    const r = await send('GET', '/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
    expect(r.status).toBe(200);
    expect(r.text).toContain('Stepwright is running');
  });

  it("accepts the server's own origin", async () => {
    const r = await send('GET', '/state-machines', { headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' } });
    expect(r.status).toBe(200);
  });

  it('--cors-origin: the allowed origin passes the preflight and gets its own origin back, never *', async () => {
    const pre = await send('OPTIONS', '/state-machines/pass/executions', {
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-amz-target' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(pre.headers['access-control-allow-methods']).toContain('POST');
    expect(pre.headers['access-control-allow-headers']).toBe('content-type, x-amz-target');
    expect(pre.headers.vary).toContain('Origin');

    const r = await send('POST', '/state-machines/pass/executions', { headers: { origin: ALLOWED, 'sec-fetch-site': 'same-site' }, json: { input: { from: 'page' } } });
    expect(r.status).toBe(202);
    expect(r.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(r.headers['access-control-expose-headers']).toContain('x-amzn-errortype');

    const other = await send('OPTIONS', '/state-machines/pass/executions', { headers: { origin: 'http://localhost:3001', 'access-control-request-method': 'POST' } });
    expect(other.status).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Bodies: JSON only, 1 MiB at most', () => {
  it('refuses a text/plain POST with a JSON-looking body (what a web form can send) with 415; nothing is created', async () => {
    const r = await send('POST', '/state-machines', { headers: { 'content-type': 'text/plain' }, raw: JSON.stringify({ name: 'plain', definition: passMachine }) });
    expect(r.status).toBe(415);
    expect(r.body).toEqual({ error: 'UnsupportedMediaType', message: expect.stringContaining("Content-Type 'text/plain' is not accepted") });
    expect(await machineExists('plain')).toBe(false);
    const none = await send('POST', '/state-machines', { raw: JSON.stringify({ name: 'untyped', definition: passMachine }) });
    expect(none.status).toBe(415);
    expect(none.body.message).toContain('no Content-Type header');
    expect(await machineExists('untyped')).toBe(false);
  });

  it('takes every JSON content type, with or without charset, and a bodiless POST without one', async () => {
    const types = ['application/json; charset=utf-8', 'Application/JSON', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1'];
    for (const type of types) {
      const r = await send('POST', '/state-machines/pass/executions', { headers: { 'content-type': type }, json: { input: {} } });
      expect({ type, status: r.status }).toEqual({ type, status: 202 });
    }
    expect((await send('POST', '/state-machines/pass/executions')).status).toBe(202);
    const amz = await send('POST', '/', { headers: { 'x-amz-target': 'AWSStepFunctions.ListStateMachines', 'content-type': 'text/plain' }, raw: '{}' });
    expect(amz.status).toBe(415);
    expect(amz.headers['x-amzn-errortype']).toBe('UnsupportedMediaType');
  });

  it('answers a body over 1 MiB with 413 and a JSON error, announced or streamed', async () => {
    const big = JSON.stringify({ input: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    for (const chunked of [false, true]) {
      const r = await send('POST', '/state-machines/pass/executions', { headers: { 'content-type': 'application/json' }, raw: big, chunked });
      expect({ chunked, status: r.status }).toEqual({ chunked, status: 413 });
      expect(r.body).toEqual({ error: 'RequestEntityTooLarge', message: expect.stringContaining('larger than 1048576 bytes') });
    }
    expect((await send('GET', '/state-machines')).status).toBe(200); // and the server goes on
  });
});

describe('The router refuses what it would misread', () => {
  it('bad %-encoding in a path is 400 naming the segment', async () => {
    const r = await send('GET', '/executions/arn%E0%A4%A/history');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'ValidationException', message: expect.stringContaining("malformed %-escape in the segment 'arn%E0%A4%A'") });
  });

  it('a REST start body must wrap the input: {"comment": "hi"} is refused naming comment; empty or {} is input {}', async () => {
    const before = (await executions()).length;
    const r = await send('POST', '/state-machines/pass/executions', { json: { comment: 'hi' } });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('ValidationException');
    expect(r.body.message).toContain("Unknown field 'comment'");
    expect(r.body.message).toContain('{"input": ...}');
    const named = await send('POST', '/state-machines/pass/executions', { json: { name: 'only-a-name' } });
    expect(named.status).toBe(400);
    expect(named.body.message).toContain("has no 'input'");
    expect((await executions()).length).toBe(before);

    const empty = await send('POST', '/state-machines/pass/executions', { json: {} });
    expect(empty.status).toBe(202);
    const described = await send('GET', `/executions/${encodeURIComponent(empty.body.executionArn)}`);
    expect(described.body.input).toEqual({});
  });

  it('unknown fields in REST bodies are refused, each named', async () => {
    const r = await send('POST', '/state-machines', { json: { name: 'typo', defintion: passMachine, colour: 'red' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain("Unknown fields 'defintion', 'colour' in the body of POST /state-machines");
    expect(r.body.message).toContain('accepted: name, definition, roleArn, settings');
    const task = await send('POST', '/tasks/success', { json: { taskToken: 't', output: {}, result: 1 } });
    expect(task.status).toBe(400);
    expect(task.body.message).toContain("'result'");
  });

  it('unknown fields in JSON-protocol requests are a ValidationException naming them; what the SDK sends passes', async () => {
    const target = (action: string) => ({ 'x-amz-target': `AWSStepFunctions.${action}`, 'content-type': 'application/x-amz-json-1.0' });
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:pass';
    const r = await send('POST', '/', { headers: target('StartExecution'), raw: JSON.stringify({ stateMachineArn: arn, inputs: '{}' }) });
    expect(r.status).toBe(400);
    expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(r.body.message).toContain("Unknown field 'inputs' in the body of StartExecution; accepted: stateMachineArn, name, input, traceHeader");
    const ok = await send('POST', '/', { headers: target('StartExecution'), raw: JSON.stringify({ stateMachineArn: arn, input: '{}', traceHeader: 'Root=1-a-b' }) });
    expect(ok.status).toBe(200);
    // the SDK generates a clientToken for RedriveExecution: a known member, so not "unknown"
    const redrive = await send('POST', '/', { headers: target('RedriveExecution'), raw: JSON.stringify({ executionArn: JSON.parse(ok.text).executionArn, clientToken: 'c1' }) });
    expect(redrive.body.message ?? '').not.toContain('Unknown field');
  });

  it('statusFilter must be an ExecutionStatus, over REST and the JSON protocol', async () => {
    const r = await send('GET', '/state-machines/pass/executions?statusFilter=BOGUS');
    expect(r.status).toBe(400);
    expect(r.body.message).toContain("Value 'BOGUS' at 'statusFilter' failed to satisfy constraint");
    expect(r.body.message).toContain('RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE');
    const mapRun = await send('GET', `/map-runs/${encodeURIComponent('arn:aws:states:us-east-1:123456789012:mapRun:pass/x:y')}/executions?statusFilter=done`);
    expect(mapRun.status).toBe(400);
    expect(mapRun.body.message).toContain("Value 'done'");
    const amz = await send('POST', '/', {
      headers: { 'x-amz-target': 'AWSStepFunctions.ListExecutions', 'content-type': 'application/x-amz-json-1.0' },
      raw: JSON.stringify({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:pass', statusFilter: 'succeeded' }),
    });
    expect(amz.status).toBe(400);
    expect(amz.headers['x-amzn-errortype']).toBe('ValidationException');
    for (const ok of ['SUCCEEDED', 'PENDING_REDRIVE']) expect((await send('GET', `/state-machines/pass/executions?statusFilter=${ok}`)).status).toBe(200);
  });
});

describe('behind API Gateway', () => {
  // the same router: the content type, field and statusFilter checks hold for the deployed API too
  const handler = createApiHandler(() => engine.deps);
  const event = (method: string, path: string, headers: Record<string, string>, body?: string, query?: Record<string, string>) =>
    ({ rawPath: path, headers, body, isBase64Encoded: false, queryStringParameters: query, requestContext: { http: { method } } }) as unknown as APIGatewayProxyEventV2;

  it('refuses a non-JSON body, unknown fields and a bad statusFilter', async () => {
    const plain = await handler(event('POST', '/state-machines/pass/executions', { 'content-type': 'text/plain' }, '{"input": {}}'));
    expect(plain.statusCode).toBe(415);
    const unwrapped = await handler(event('POST', '/state-machines/pass/executions', { 'content-type': 'application/json' }, '{"comment": "hi"}'));
    expect(unwrapped.statusCode).toBe(400);
    expect(JSON.parse(unwrapped.body as string).message).toContain("'comment'");
    const filter = await handler(event('GET', '/state-machines/pass/executions', {}, undefined, { statusFilter: 'BOGUS' }));
    expect(filter.statusCode).toBe(400);
  });
});
