/**
 * The local server's HTTP side: node's http module in front of the same router API Gateway uses,
 * plus a small status page at GET /.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { route } from '../handlers/api-router';
import type { EngineDeps } from '../runtime/deps';

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function statusPage(deps: EngineDeps): Promise<string> {
  const machines = (await deps.store.listStateMachines({ maxResults: 100 })).items;
  const rows = machines.map((m) => `<li><code>${escapeHtml(m.name)}</code> — <code>${escapeHtml(m.arn)}</code></li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Stepwright</title></head><body>
<h1>Stepwright is running</h1>
<p>Step Functions JSON protocol: <code>POST /</code> with <code>X-Amz-Target: AWSStepFunctions.&lt;Action&gt;</code>.
REST: <code>/state-machines</code>, <code>/executions/{arn}</code>, <code>/tasks/success</code>.</p>
<h2>State machines</h2><ul>${rows || '<li>none yet</li>'}</ul>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export async function startHttpServer(deps: EngineDeps, port: number, host: string): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const body = await readBody(req);
      if (req.method === 'GET' && url.pathname === '/' && !req.headers['x-amz-target']) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(await statusPage(deps));
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const out = await route(deps, { method: req.method ?? 'GET', path: url.pathname, headers, query: Object.fromEntries(url.searchParams), body });
      res.writeHead(out.statusCode, out.headers);
      res.end(out.body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'InternalServerError', message: String((e as Error)?.message ?? e) }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  return {
    server,
    url,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
