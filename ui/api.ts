/** The console's calls to the server's REST API (same origin: the server that served the page). */

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = (text ? JSON.parse(text) : {}) as T & { error?: string; message?: string };
  if (!res.ok) throw new ApiFailure(res.status, parsed.error ?? String(res.status), parsed.message ?? res.statusText);
  return parsed;
}

export const enc = encodeURIComponent;

export type { ExecutionView as Execution } from '../lambda/local/execution-view';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: string;
  [details: string]: unknown;
}

/** Every page of an execution's history. */
export async function history(arn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let token: string | undefined;
  do {
    const page = await api<{ events: HistoryEvent[]; nextToken?: string }>('GET', `/executions/${enc(arn)}/history?maxResults=1000${token ? `&nextToken=${enc(token)}` : ''}`);
    events.push(...page.events);
    token = page.nextToken;
  } while (token);
  return events;
}

/** The machine's name from its ARN (the REST routes take names or ARNs). */
export const machineName = (arn: string) => arn.split(':').pop() ?? arn;
