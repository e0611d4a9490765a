/**
 * `stepwright console --endpoint <deployed API>`: the web console of `stepwright serve`, served on
 * this machine for a deployed engine. The page comes from here (the same files, lambda/local/
 * console-assets.ts); its API calls come here too and are sent on to the deployment SigV4-signed with
 * the user's AWS credentials (bin/signed-fetch.ts), so the deployed API keeps its IAM authorization
 * and grants, and nothing new is exposed on AWS.
 *
 * Since this process signs with the user's credentials, it answers only the user's own browser tab,
 * with the local server's rules (lambda/local/http-server.ts): loopback only, the Host must name this
 * proxy (no DNS rebinding), and cross-origin requests (Origin, Sec-Fetch-Site) are refused. Those
 * checks are written again here rather than shared: http-server.ts keeps them private to itself.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { CONSOLE_CSP, consoleHtml, consoleScript, consoleStyles } from '../../lambda/local/console-assets';
import { signedFetch, type SignedFetchOptions } from '../signed-fetch';
import { CliError } from './api-client';

export interface ConsoleProxyOptions {
  /** the deployed API's URL (its stage included, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod) */
  endpoint: string;
  region?: string;
  /** local port (0: any free one) */
  port: number;
  /** tests: their own credentials, and signing a local stand-in */
  credentials?: SignedFetchOptions['credentials'];
  alwaysSign?: boolean;
}

/** The same limit as the local server's (http-server.ts MAX_BODY_BYTES): nothing the API takes is larger. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The request headers worth sending on (the rest, cookies included, stay here). */
const FORWARDED_REQUEST = ['content-type', 'accept', 'x-amz-target'];
/** The answer headers worth passing back. */
const FORWARDED_ANSWER = ['content-type', 'x-amzn-errortype', 'x-amzn-requestid'];

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, error: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error, message }));
}

/** Why a request may not be served (a foreign Host, a cross-origin caller), or undefined. */
function refusalOf(req: IncomingMessage, port: number): string | undefined {
  const own = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = (req.headers.host ?? '').toLowerCase();
  if (!own.includes(host)) return `Host '${req.headers.host ?? ''}' is not this proxy: it answers only http://127.0.0.1:${port} (another name pointing here is how DNS rebinding reaches a local server)`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return `Cross-origin request from '${origin}' refused: this proxy signs with your AWS credentials and answers only its own page`;
  if (origin === undefined && req.headers['sec-fetch-site'] === 'cross-site') return 'Cross-site request refused (Sec-Fetch-Site: cross-site)';
  return undefined;
}

/** Starts the proxy on 127.0.0.1; resolves once it listens. */
export async function startConsoleProxy(opts: ConsoleProxyOptions): Promise<{ url: string; close(): Promise<void> }> {
  const endpoint = opts.endpoint.replace(/\/$/, '');
  let port = opts.port;
  const sign: SignedFetchOptions = { region: opts.region, credentials: opts.credentials, alwaysSign: opts.alwaysSign };
  const page = consoleHtml(`<h1>Stepwright console</h1><p>for the deployed API <code>${escapeHtml(endpoint)}</code>, through this local proxy (requests signed with your AWS credentials).</p>`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refusal = refusalOf(req, port);
    if (refusal) return answer(res, 403, 'Forbidden', refusal);
    const u = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET') {
      const file = u.pathname === '/' ? { type: 'text/html; charset=utf-8', body: () => Promise.resolve(page) }
        : u.pathname === '/console/app.js' ? { type: 'text/javascript; charset=utf-8', body: consoleScript }
        : u.pathname === '/console/style.css' ? { type: 'text/css; charset=utf-8', body: () => Promise.resolve(consoleStyles()) }
        : undefined;
      if (file) {
        const text = await file.body();
        res.writeHead(200, { 'content-type': file.type, 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
        return void res.end(text);
      }
      if (u.pathname === '/metrics') {
        // a deployment's metrics are CloudWatch's (namespace Stepwright), not an API route
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end('# a deployed engine publishes its metrics to CloudWatch (namespace Stepwright)\n');
      }
    }
    const body = await readBody(req);
    if (body === undefined) return answer(res, 413, 'RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB)`);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    let upstream: Response;
    try {
      upstream = await signedFetch(`${endpoint}${u.pathname}${u.search}`, { method: req.method ?? 'GET', headers, body: body === '' ? undefined : body }, sign);
    } catch (e) {
      return answer(res, 502, 'BadGateway', `cannot reach ${endpoint}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
    }
    const out: Record<string, string> = {};
    for (const name of FORWARDED_ANSWER) {
      const v = upstream.headers.get(name);
      if (v !== null) out[name] = v;
    }
    res.writeHead(upstream.status, out);
    res.end(await upstream.text());
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      answer(res, 500, 'InternalServerError', String((e as Error)?.message ?? e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('open the web console for a deployed engine: served here, its API calls sent on to --endpoint SigV4-signed with your AWS credentials')
    .requiredOption('--endpoint <url>', "the deployed Stepwright API, with its stage (the stack's ApiUrl output)")
    .option('--region <region>', "the API's region (default: from its execute-api host name)")
    .option('--port <port>', 'local port of the console', '8084')
    .action(async (o: { endpoint: string; region?: string; port: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, got '${o.port}'`);
      let endpoint: URL;
      try {
        endpoint = new URL(o.endpoint);
      } catch {
        throw new CliError(`--endpoint must be a URL like https://<id>.execute-api.<region>.amazonaws.com/prod, got '${o.endpoint}'`);
      }
      const proxy = await startConsoleProxy({ endpoint: endpoint.toString(), region: o.region, port }).catch((e: NodeJS.ErrnoException) => {
        throw e.code === 'EADDRINUSE' ? new CliError(`port ${port} is in use (try --port)`) : e;
      });
      console.log(`console for ${endpoint.toString().replace(/\/$/, '')}: ${proxy.url}/  (Ctrl-C to stop)`);
      const stop = () => void proxy.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
