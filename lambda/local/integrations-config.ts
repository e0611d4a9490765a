/**
 * The `integrations` section of stepwright.config.json: where the local server's service
 * integrations go.
 *
 *   "integrations": {
 *     "sqs": { "port": 9324, "queues": ["approval-requests"] },
 *     "endpoints": { "sns": "http://127.0.0.1:4566", "eventbridge": "http://127.0.0.1:4566" }
 *   }
 *
 * `sqs`: the SQS emulator `serve` runs (fauxqs): its port (default: a free one, printed at start) and
 * the queues to create at start. `endpoints`: a URL per Step Functions service name (`sns`,
 * `eventbridge`, `s3`, any aws-sdk service) for emulators of the user's own; `endpoints.sqs` replaces
 * the built-in SQS and `endpoints.dynamodb` the embedded DynamoDB.
 */
export interface IntegrationsConfig {
  sqs?: { port?: number; queues?: string[] };
  endpoints?: Record<string, string>;
}

type Fail = (field: string, message: string) => never;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

export function checkIntegrations(value: unknown, fail: Fail): IntegrationsConfig | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return fail('integrations', 'must be an object {sqs?, endpoints?}');
  for (const key of Object.keys(value)) if (key !== 'sqs' && key !== 'endpoints') fail('integrations', `unknown field '${key}' (expected one of: sqs, endpoints)`);
  const out: IntegrationsConfig = {};
  if (value.sqs !== undefined) {
    const sqs = value.sqs;
    if (!isObject(sqs)) return fail('integrations.sqs', 'must be an object {port?, queues?}');
    for (const key of Object.keys(sqs)) if (key !== 'port' && key !== 'queues') fail('integrations.sqs', `unknown field '${key}' (expected one of: port, queues)`);
    if (sqs.port !== undefined && (!Number.isInteger(sqs.port) || (sqs.port as number) < 0 || (sqs.port as number) > 65535)) fail('integrations.sqs.port', 'must be a port number (0 to 65535; 0 picks a free one)');
    if (sqs.queues !== undefined && !Array.isArray(sqs.queues)) fail('integrations.sqs.queues', 'must be an array of queue names');
    ((sqs.queues ?? []) as unknown[]).forEach((q, i) => {
      if (typeof q !== 'string' || !QUEUE_NAME.test(q)) fail(`integrations.sqs.queues[${i}]`, 'must be a queue name (1 to 80 letters, digits, - and _, optionally ending in .fifo)');
    });
    out.sqs = { ...(sqs.port !== undefined ? { port: sqs.port as number } : {}), ...(sqs.queues !== undefined ? { queues: sqs.queues as string[] } : {}) };
  }
  if (value.endpoints !== undefined) {
    if (!isObject(value.endpoints)) return fail('integrations.endpoints', 'must be an object mapping service names (sns, eventbridge, s3...) to URLs');
    const endpoints: Record<string, string> = {};
    for (const [service, url] of Object.entries(value.endpoints)) {
      const field = `integrations.endpoints.${service}`;
      if (!/^[a-z0-9-]+$/.test(service)) fail(field, 'must be named by a Step Functions service name in lower case (sns, eventbridge, s3...)');
      if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)) fail(field, 'must be an http:// or https:// URL');
      endpoints[service] = url;
    }
    out.endpoints = endpoints;
  }
  return out;
}
