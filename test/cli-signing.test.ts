/**
 * The CLI's signed fetch (bin/signed-fetch.ts): requests to a deployed API carry a SigV4 signature
 * (service execute-api) that a real HTTP server verifies by recomputing it with @smithy/signature-v4
 * from what it received; local endpoints are sent unsigned.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { isLocalEndpoint, regionOfEndpoint, signedFetch } from '../bin/signed-fetch';

const SECRETS: Record<string, string> = { AKIDEXAMPLE: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AKIDFROMENV: 'env-secret-0123456789' };

/** Recomputes the signature of what arrived (the headers it names, its date) and compares. */
async function verify(req: IncomingMessage, body: string): Promise<{ ok: boolean; keyId?: string; region?: string; service?: string; why?: string }> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, why: `no SigV4 Authorization header: '${auth}'` };
  const [, keyId, , region, service, signedHeaders] = m;
  const secret = SECRETS[keyId];
  if (!secret) return { ok: false, why: `unknown key ${keyId}` };
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
  const date = String(req.headers['x-amz-date']);
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service, region, credentials: { accessKeyId: keyId, secretAccessKey: secret, sessionToken: headers['x-amz-security-token'] }, sha256: Sha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const expected = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body },
    { signingDate },
  );
  return expected.headers.authorization === auth ? { ok: true, keyId, region, service } : { ok: false, why: 'signature mismatch' };
}

let server: Server;
let base: string;
const received: { path: string; signed: boolean; verdict: Awaited<ReturnType<typeof verify>> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void verify(req, body).then((verdict) => {
        received.push({ path: req.url ?? '', signed: req.headers.authorization !== undefined, verdict });
        res.writeHead(verdict.ok ? 200 : 403, { 'content-type': 'application/json' });
        res.end(JSON.stringify(verdict.ok ? { redriveDate: 'now' } : { error: 'InvalidSignatureException', message: verdict.why }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => (received.length = 0));

const arn = 'arn:aws:states:eu-west-1:123456789012:execution:orders:run 1';
const redrive = (opts: Parameters<typeof signedFetch>[2]) =>
  signedFetch(`${base}/executions/${encodeURIComponent(arn)}/redrive?x=a b`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"useLatestDefinition":true}' }, opts);

test('a signed request verifies: service execute-api, the region given, path and query escaped as SigV4 wants', async () => {
  const res = await redrive({ alwaysSign: true, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRETS.AKIDEXAMPLE } });
  expect(received[0].verdict).toEqual({ ok: true, keyId: 'AKIDEXAMPLE', region: 'eu-west-1', service: 'execute-api' });
  expect(res.status).toBe(200);
});

test('a wrong secret does not verify (the check is real)', async () => {
  const res = await redrive({ alwaysSign: true, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-the-secret' } });
  expect(res.status).toBe(403);
  expect(received[0].verdict).toMatchObject({ ok: false, why: 'signature mismatch' });
});

test('credentials come from the standard provider chain (here: the environment)', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: SECRETS.AKIDFROMENV, AWS_SESSION_TOKEN: 'session-token' });
  try {
    const res = await redrive({ alwaysSign: true, region: 'cn-north-1' });
    expect(res.status).toBe(200);
    expect(received[0].verdict).toMatchObject({ ok: true, keyId: 'AKIDFROMENV', region: 'cn-north-1' });
  } finally {
    process.env = saved;
  }
});

test('a local endpoint is sent unsigned; a deployed one needs a region', async () => {
  const res = await redrive({});
  expect(res.status).toBe(403);
  expect(received[0].signed).toBe(false);
  await expect(signedFetch('https://api.example.com/x', { method: 'GET' }, { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })).rejects.toThrow('give it with --region');
});

test('endpoints: local ones, and the region of execute-api host names', () => {
  expect(['http://127.0.0.1:8083', 'http://localhost:8083', 'http://[::1]:8083'].map((u) => isLocalEndpoint(new URL(u)))).toEqual([true, true, true]);
  expect(isLocalEndpoint(new URL('https://abc123.execute-api.us-east-1.amazonaws.com/'))).toBe(false);
  expect(regionOfEndpoint(new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/'))).toBe('eu-west-1');
  expect(regionOfEndpoint(new URL('https://abc123.execute-api.cn-north-1.amazonaws.com.cn/'))).toBe('cn-north-1');
  expect(regionOfEndpoint(new URL('https://api.example.com/'))).toBeUndefined();
});
