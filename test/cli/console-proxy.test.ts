/**
 * `stepwright console --endpoint <deployed API>` (bin/commands/console-proxy.ts) against a stand-in
 * for a deployment: a real HTTP server on a free port that, like API Gateway with IAM authorization,
 * checks each request's SigV4 signature (by signing it again with the same secret) before handing it
 * to the API router of a local engine, under a stage path (/prod). The console page is served by the
 * proxy; its API calls reach the "deployment" signed; foreign callers are refused before anything is sent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { route } from '../../lambda/handlers/api-router';
import { startConsoleProxy } from '../../bin/commands/console-proxy';
import { startTestEngine, type TestEngine } from '../runtime/harness';

jest.setTimeout(60_000);

const credentials = { accessKeyId: 'AKIDTESTPROXY', secretAccessKey: 'the-secret' };
let engine: TestEngine;
let deployment: Server;
let proxy: Awaited<ReturnType<typeof startConsoleProxy>>;
const seen: { path: string; verified: boolean }[] = [];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Signs the request again with the secret and the date it names: the same Authorization, or it was not signed with that secret. */
async function verified(req: IncomingMessage, url: URL, text: string): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
  if (!m || m[1] !== credentials.accessKeyId) return false;
  const amzDate = req.headers['x-amz-date'] as string;
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const headers: Record<string, string> = {};
  for (const name of m[4].split(';')) headers[name] = String(req.headers[name]);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signer = new SignatureV4({ service: 'execute-api', region: m[3], credentials, sha256: Sha256 });
  const again = await signer.sign({ method: req.method!, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: text || undefined }, { signingDate });
  return again.headers.authorization === auth;
}

beforeAll(async () => {
  engine = await startTestEngine();
  deployment = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, `http://${req.headers.host}`);
      const text = await body(req);
      const ok = await verified(req, url, text);
      seen.push({ path: url.pathname, verified: ok });
      if (!ok || !url.pathname.startsWith('/prod/')) {
        res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'IncompleteSignatureException' });
        return res.end(JSON.stringify({ message: 'Missing Authentication Token' }));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const out = await route(engine.deps, { method: req.method!, path: url.pathname.slice('/prod'.length), headers, query: Object.fromEntries(url.searchParams), body: text });
      res.writeHead(out.statusCode, out.headers);
      res.end(out.body);
    })();
  });
  await new Promise<void>((r) => deployment.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(deployment.address() as AddressInfo).port}/prod`;
  proxy = await startConsoleProxy({ endpoint, region: 'eu-west-1', port: 0, credentials, alwaysSign: true });
});

afterAll(async () => {
  await proxy?.close();
  await new Promise((r) => deployment?.close(r));
  await engine?.close();
});

const json = { 'content-type': 'application/json' };

it('serves the console page itself, naming the deployment, with the local server\'s CSP', async () => {
  const res = await fetch(`${proxy.url}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  const html = await res.text();
  expect(html).toContain('<script src="/console/app.js"></script>');
  expect(html).toContain('/prod</code>');
  expect(seen).toEqual([]);
});

it("sends the console's API calls on, signed: create a machine, start it, wait for its end", async () => {
  const definition = { StartAt: 'Hello', States: { Hello: { Type: 'Pass', Result: { hello: 'deployed' }, End: true } } };
  const created = await fetch(`${proxy.url}/state-machines`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'through-proxy', definition }) });
  expect(created.status).toBe(201);
  const listed = (await (await fetch(`${proxy.url}/state-machines`)).json()) as { stateMachines: { name: string }[] };
  expect(listed.stateMachines.map((s) => s.name)).toContain('through-proxy');

  const started = (await (await fetch(`${proxy.url}/state-machines/through-proxy/executions`, { method: 'POST', headers: json, body: JSON.stringify({ input: {} }) })).json()) as { executionArn: string };
  const done = (await (await fetch(`${proxy.url}/executions/${encodeURIComponent(started.executionArn)}?waitSeconds=10`)).json()) as { status: string; output: unknown };
  expect(done).toMatchObject({ status: 'SUCCEEDED', output: { hello: 'deployed' } });
  expect(seen.length).toBeGreaterThanOrEqual(4);
  expect(seen.every((s) => s.verified && s.path.startsWith('/prod/'))).toBe(true);
});

it("passes the deployment's errors back as they came", async () => {
  const missing = 'arn:aws:states:us-east-1:111111111111:execution:nope:x';
  const direct = await route(engine.deps, { method: 'GET', path: `/executions/${encodeURIComponent(missing)}`, headers: {}, query: {}, body: '' });
  const res = await fetch(`${proxy.url}/executions/${encodeURIComponent(missing)}`);
  expect(res.status).toBe(direct.statusCode);
  expect(await res.json()).toEqual(JSON.parse(direct.body));
  expect(direct.body).toContain('ExecutionDoesNotExist');
});

it('the stand-in refuses what is not signed with the secret (so the signed calls above were checked)', async () => {
  const res = await fetch(`${new URL(proxy.url).protocol}//127.0.0.1:${(deployment.address() as AddressInfo).port}/prod/state-machines`);
  expect(res.status).toBe(403);
  expect(seen[seen.length - 1]).toEqual({ path: '/prod/state-machines', verified: false });
  seen.pop();
});

it('refuses another Host name and cross-origin callers, sending nothing on', async () => {
  const before = seen.length;
  const port = new URL(proxy.url).port;
  const raw = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path: '/state-machines', method: 'GET', headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      r.on('error', reject);
      r.end();
    });
  expect(await raw({ host: `attacker.example:${port}` })).toBe(403);
  expect(await raw({ origin: 'https://attacker.example' })).toBe(403);
  expect(await raw({ 'sec-fetch-site': 'cross-site' })).toBe(403);
  expect(await raw({})).toBe(200);
  expect(seen.length).toBe(before + 1);
});
