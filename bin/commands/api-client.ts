/**
 * How the CLI's server commands reach a Stepwright API: `stepwright serve` (the default endpoint) or
 * a deployed one. Every request goes through `callApi`, which sends it with bin/signed-fetch.ts:
 * SigV4-signed (execute-api, the standard AWS credentials) for a deployed API behind IAM, plain for a
 * local endpoint.
 */
import { signedFetch } from '../signed-fetch';

/** Where requests go: the endpoint, and the deployed API's region when its host name does not tell it. */
export interface ApiTarget {
  endpoint: string;
  region?: string;
}

/** A failure meant for the user: cli.ts prints its message on one line and exits 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The local server's address unless told (--endpoint, or STEPWRIGHT_ENDPOINT). */
export const DEFAULT_ENDPOINT = process.env.STEPWRIGHT_ENDPOINT ?? 'http://127.0.0.1:8083';

/** Sends one REST request and returns the parsed JSON answer; an error answer becomes a CliError naming it. */
export async function callApi<T = Record<string, unknown>>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const endpoint = target.endpoint;
  const url = `${endpoint.replace(/\/$/, '')}${path}`;
  let res: Response;
  try {
    res = await signedFetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }, { region: target.region });
  } catch (e) {
    if ((e as Error).message.includes('--region')) throw new CliError((e as Error).message);
    throw new CliError(`cannot reach ${endpoint}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message} (is \`stepwright serve\` running? or give --endpoint)`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw new CliError(`${method} ${url}: answer ${res.status} is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = parsed as { error?: string; message?: string };
    throw new CliError(`${err.error ?? res.status}: ${err.message ?? res.statusText}`);
  }
  return parsed as T;
}

export const enc = encodeURIComponent;
