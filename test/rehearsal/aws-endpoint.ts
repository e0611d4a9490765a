/**
 * The one AWS endpoint the rehearsed functions see (AWS_ENDPOINT_URL): a recording proxy in front of
 * the emulators, DynamoDB to dynalite and SQS to fauxqs; Secrets Manager's GetSecretValue it answers
 * itself from `secrets` (the values the stack's secrets were generated with). It reads who called from the SigV4
 * credential (each function runs with its own access key id, as each Lambda function gets its role's
 * credentials) and which API action from X-Amz-Target, so the test can hold every call against the
 * caller's IAM statements. A call to any other service is recorded and refused: the rehearsal has no
 * stand-in for it, and the test fails on it. `fault` may answer a call instead of the emulator.
 * Queue URLs: the functions see queues at this endpoint (`<url>/<account>/<name>`, the shape of
 * https://sqs.<region>.amazonaws.com/<account>/<name>); `queueUrls` maps them to fauxqs's own.
 */
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** the access key id: the calling function's logical id */
  caller: string;
  /** SigV4 service name: dynamodb, sqs, ... */
  service: string;
  /** the API action (PutItem, SendMessage...) */
  action: string;
  body: Record<string, any>;
}

export type Fault = (call: RecordedCall) => { status: number; body: unknown } | undefined;

export interface AwsEndpoint {
  url: string;
  calls: RecordedCall[];
  fault?: Fault;
  /** the functions' queue URLs -> the emulator's */
  queueUrls: Map<string, string>;
  /** secret ARN -> SecretString */
  secrets: Map<string, string>;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

function secretValue(secrets: Map<string, string>, call: RecordedCall): { status: number; body: unknown } {
  const id = String(call.body.SecretId);
  const value = call.action === 'GetSecretValue' ? secrets.get(id) : undefined;
  if (value === undefined) return { status: 400, body: { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret (${call.action} ${id}).` } };
  return { status: 200, body: { ARN: id, Name: id.split(':').pop(), SecretString: value, VersionId: 'rehearsal', VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 } };
}

export async function startAwsEndpoint(upstream: Record<string, string>): Promise<AwsEndpoint> {
  const endpoint: AwsEndpoint = { url: '', calls: [], queueUrls: new Map(), secrets: new Map(), close: async () => {} };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const auth = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '');
      const target = String(req.headers['x-amz-target'] ?? '');
      let parsed: Record<string, any> = {};
      try {
        parsed = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, any>) : {};
      } catch {
        parsed = Object.fromEntries(new URLSearchParams(body.toString('utf8'))); // query protocol
      }
      const call: RecordedCall = { caller: auth?.[1] ?? 'unsigned', service: auth?.[2] ?? 'unknown', action: target.split('.').pop() || String(parsed.Action ?? `${req.method} ${req.url}`), body: parsed };
      endpoint.calls.push(call);
      const answer = endpoint.fault?.(call) ?? (call.service === 'secretsmanager' ? secretValue(endpoint.secrets, call) : undefined) ?? (upstream[call.service] ? undefined : { status: 400, body: { __type: 'UnrecognizedClientException', message: `the rehearsal has no ${call.service} endpoint` } });
      if (answer) {
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body));
        return;
      }
      const to = new URL(upstream[call.service]);
      let forwarded = body;
      const queueUrl = endpoint.queueUrls.get(String(parsed.QueueUrl));
      if (call.service === 'sqs' && queueUrl) forwarded = Buffer.from(JSON.stringify({ ...parsed, QueueUrl: queueUrl }));
      const headers = { ...req.headers, 'content-length': String(forwarded.length) };
      const fwd = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      fwd.on('error', (e) => res.writeHead(502).end(String(e)));
      fwd.end(forwarded);
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the SDK clients keep connections alive
    });
  return endpoint;
}
