/**
 * The local server's HTTP side: node's http module in front of the same router API Gateway uses,
 * plus the web console at GET / (console-assets.ts) and GET /metrics (metrics-text.ts).
 *
 * It answers only its own user. The deployed API has IAM; this one has no credentials, so what
 * keeps a web page the user happens to visit from driving it (starting executions that run local
 * tasks) is checked here, before anything is read or run: the Host must name this server (DNS
 * rebinding), and a browser's cross-origin request (Origin, Sec-Fetch-Site) is refused unless the
 * user allowed that origin with --cors-origin. The router then takes JSON bodies only (no HTML form
 * can send those cross-site without a preflight).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { route } from '../handlers/api-router';
import type { EngineDeps } from '../runtime/deps';
import { attachExecutionEvents } from './execution-events';
import { metricsOf } from './metrics-text';
import { CONSOLE_CSP, consoleHtml, consoleScript, consoleStyles } from './console-assets';

/**
 * 1 MiB: four times the largest state input or output (256 KiB) with room for JSON escaping and a
 * definition; nothing the API takes is larger.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/** how much of a too-large body is read and dropped so its sender gets the 413 (see readBody) */
const DISCARD_BYTES = 64 * 1024 * 1024;

export interface HttpServerOptions {
  /**
   * Origins (scheme://host[:port]) whose web pages may call this server from a browser; every
   * other foreign origin is refused. Default none: only the server's own pages and non-browser clients.
   */
  corsOrigins?: string[];
}

class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

/**
 * Reads the body up to the limit. A longer one (announced by Content-Length, or found while
 * streaming) is answered with 413 at once, and the rest is read and dropped: a client still sending
 * when the connection closed would see a reset (EPIPE) instead of the answer. Past DISCARD_BYTES
 * the connection is cut anyway.
 */
function readBody(req: IncomingMessage): Promise<string | Refusal> {
  const tooLarge = new Refusal(413, 'RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB), this server's limit`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      resolve(tooLarge);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) refuse();
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DISCARD_BYTES) req.destroy();
      else if (refused) return;
      else if (size > MAX_BODY_BYTES) refuse();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `[::1]` -> `::1`; hostnames in lower case. */
const bare = (h: string) => h.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/**
 * Which Host headers name this server: the bound address and the loopback names, on the bound
 * port. Anything else is a browser sent here by a name that merely resolves to us (DNS rebinding).
 * A server bound to every interface (0.0.0.0, ::) is also reached by IP address literals, which
 * cannot be rebound.
 */
function hostChecker(boundHost: string, port: number): (hostHeader: string | undefined) => boolean {
  const names = new Set(['localhost', '127.0.0.1', '::1', bare(boundHost)]);
  const wildcard = ['0.0.0.0', '::', ''].includes(bare(boundHost));
  return (hostHeader) => {
    const m = hostHeader?.match(/^(\[[^\]]*\]|[^:[\]]+)(?::(\d+))?$/);
    if (!m) return false;
    const name = bare(m[1]);
    if (Number(m[2] ?? 80) !== port) return false;
    return names.has(name) || (wildcard && isIP(name) !== 0);
  };
}

/**
 * A browser marks every cross-origin request with Origin (and Sec-Fetch-Site): those are refused
 * unless the user allowed that origin. Returns the origin to answer CORS for, if any.
 */
function checkOrigin(req: IncomingMessage, allowed: Set<string>, own: string): string | undefined | Refusal {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const hint = (o: string) => ` (start the server with --cors-origin ${o} to allow that web page)`;
  if (origin !== undefined) {
    if (origin.toLowerCase() === `http://${req.headers.host ?? ''}`.toLowerCase()) return undefined;
    if (allowed.has(origin)) return origin;
    return new Refusal(403, 'Forbidden', `Cross-origin request from '${origin}' refused: this local server answers only its own origin ${own}${origin === 'null' ? '' : hint(origin)}`);
  }
  if (site === 'cross-site') {
    // Following a link to the status page or a GET route shows the answer to the user only and
    // changes nothing, so top-level navigations may come from anywhere.
    if ((req.method === 'GET' || req.method === 'HEAD') && req.headers['sec-fetch-mode'] === 'navigate') return undefined;
    return new Refusal(403, 'Forbidden', `Cross-site request refused (Sec-Fetch-Site: cross-site): this local server answers only its own origin ${own}`);
  }
  return undefined;
}

function corsHeaders(origin: string): Record<string, string> {
  // never '*', and no credentials: the allowed page gets exactly what a local client would
  return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'x-amzn-errortype, x-amzn-requestid' };
}

function preflight(req: IncomingMessage, res: ServerResponse, origin: string): void {
  const headers: Record<string, string> = {
    ...corsHeaders(origin),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'access-control-allow-methods': 'GET, POST, PUT, DELETE',
    'access-control-max-age': '600',
  };
  // the origin is trusted, so whatever headers its page sends (x-amz-target, the SDK's amz-sdk-*) may come
  const asked = req.headers['access-control-request-headers'];
  if (asked) headers['access-control-allow-headers'] = asked;
  // Chrome's Private Network Access: a public page calling a loopback server asks for this in the preflight
  if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true';
  res.writeHead(204, headers);
  res.end();
}

/** An error in the shape of the protocol the request used: JSON protocol ({__type}) or REST ({error}). */
function refuse(req: IncomingMessage, res: ServerResponse, r: Refusal, extra: Record<string, string> = {}): void {
  const amz = req.headers['x-amz-target'] !== undefined;
  const headers = amz ? { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': r.code } : { 'content-type': 'application/json' };
  res.writeHead(r.status, { ...headers, ...extra });
  res.end(JSON.stringify(amz ? { __type: r.code, message: r.message } : { error: r.code, message: r.message }));
}

async function statusPage(deps: EngineDeps): Promise<string> {
  const machines = (await deps.store.listStateMachines({ maxResults: 100 })).items;
  const rows = machines.map((m) => `<li><code>${escapeHtml(m.name)}</code> — <code>${escapeHtml(m.arn)}</code></li>`).join('');
  return `<h1>Stepwright is running</h1>
<p>Step Functions JSON protocol: <code>POST /</code> with <code>X-Amz-Target: AWSStepFunctions.&lt;Action&gt;</code>.
REST: <code>/state-machines</code>, <code>/executions/{arn}</code>, <code>/tasks/success</code>.</p>
<h2>State machines</h2><ul>${rows || '<li>none yet</li>'}</ul>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * `deps` may be a promise: `serve` binds the port first (a busy port must fail before the engine
 * resumes anything) and hands the engine over once it has started; requests wait for it.
 */
export async function startHttpServer(
  deps: EngineDeps | Promise<EngineDeps>,
  port: number,
  host: string,
  opts: HttpServerOptions = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const engine = Promise.resolve(deps);
  engine.catch(() => undefined); // a failed start is the caller's to report; requests then answer 500
  // executions' events (waits that end on a commit, /metrics) from the engine's start on
  const metrics = engine.then((d) => metricsOf(attachExecutionEvents(d)));
  metrics.catch(() => undefined);
  const allowedOrigins = new Set(opts.corsOrigins ?? []);
  let hostAllowed: (h: string | undefined) => boolean = () => false;
  let url = '';
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (!hostAllowed(req.headers.host)) {
        const what = req.headers.host === undefined ? 'A request without a Host header is refused' : `Host '${req.headers.host}' is not this server`;
        const refusal = new Refusal(403, 'Forbidden', `${what}: it answers only ${url} (or localhost, 127.0.0.1, [::1] on its port); another name pointing here is how DNS rebinding reaches a local server`);
        return refuse(req, res, refusal);
      }
      const cors = checkOrigin(req, allowedOrigins, url);
      if (cors instanceof Refusal) return refuse(req, res, cors);
      if (req.method === 'OPTIONS' && cors && req.headers['access-control-request-method']) return preflight(req, res, cors);
      const extra = cors ? corsHeaders(cors) : {};
      const body = await readBody(req);
      if (body instanceof Refusal) return refuse(req, res, body, extra);
      const u = new URL(req.url ?? '/', 'http://local');
      const d = await engine;
      if (req.method === 'GET' && !req.headers['x-amz-target']) {
        // the web console (ui/): its page, script and styles; the page then calls the REST routes
        const file = u.pathname === '/' ? { type: 'text/html; charset=utf-8', body: async () => consoleHtml(await statusPage(d)) }
          : u.pathname === '/console/app.js' ? { type: 'text/javascript; charset=utf-8', body: consoleScript }
          : u.pathname === '/console/style.css' ? { type: 'text/css; charset=utf-8', body: () => Promise.resolve(consoleStyles()) }
          : undefined;
        if (file) {
          const text = await file.body();
          res.writeHead(200, { 'content-type': file.type, 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', ...extra });
          res.end(text);
          return;
        }
      }
      if (req.method === 'GET' && u.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', ...extra });
        res.end((await metrics).text());
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const out = await route(d, { method: req.method ?? 'GET', path: u.pathname, headers, query: Object.fromEntries(u.searchParams), body });
      res.writeHead(out.statusCode, { ...out.headers, ...extra });
      res.end(out.body);
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'InternalServerError', message: String((e as Error)?.message ?? e) }));
    }
  };
  // the handler answers every failure itself (500), so nothing waits on its promise
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  hostAllowed = hostChecker(host, addr.port);
  return {
    server,
    url,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
