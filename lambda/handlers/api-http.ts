/**
 * What both ways into the API share: the transport-neutral request and response, JSON answers,
 * the content-type rule, body parsing and the checks on body fields and their values.
 */
import { apiError } from '../runtime/api-errors';
import type { ExecutionStatus } from '../engine/types';

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };
export const AMZ_JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/x-amz-json-1.0' };

export function json(statusCode: number, value: unknown, headers: Record<string, string> = JSON_HEADERS): HttpResponse {
  return { statusCode, headers, body: JSON.stringify(value) };
}

export function header(req: HttpRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function parseBody(req: HttpRequest): Record<string, unknown> {
  if (!req.body) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body);
  } catch (e) {
    throw apiError.validation(`The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw apiError.validation(`The request body must be a JSON object, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}`);
}

/**
 * Bodies are JSON, and a body must say so: a browser can send a cross-site "simple" POST only as
 * text/plain, form-urlencoded or multipart, so refusing those types also keeps a web page from
 * driving the API (the local server checks Origin too). Empty bodies (a bare POST .../stop) need no type.
 */
const JSON_CONTENT_TYPES = ['application/json', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1'];

export function contentTypeProblem(req: HttpRequest): string | undefined {
  if (!req.body) return undefined;
  const given = header(req, 'content-type');
  const type = given?.split(';')[0].trim().toLowerCase();
  if (type && JSON_CONTENT_TYPES.includes(type)) return undefined;
  return `${given === undefined ? 'The request has a body but no Content-Type header' : `Content-Type '${given}' is not accepted`}: send the body as ${JSON_CONTENT_TYPES.join(', ')} (charset optional)`;
}

/** Fields a body may carry; anything else is a mistake the caller should hear about (a typo, input not wrapped). */
export function allowFields(b: Record<string, unknown>, allowed: readonly string[], where: string, hint = ''): void {
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return;
  throw apiError.validation(
    `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} in the body of ${where}; accepted: ${allowed.join(', ')}${hint}`,
  );
}

// ------------------------------------------------------------------ body fields

export const str = (body: Record<string, unknown>, field: string): string => {
  const v = body[field];
  if (typeof v !== 'string') throw apiError.validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  return v;
};

export const optStr = (body: Record<string, unknown>, field: string): string | undefined => {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw apiError.validation(`Value at '${field}' must be a string`);
  return v;
};

/** The page sizes both ways in accept (AWS's maxResults: 0 means the default page size). */
export const MAX_RESULTS_RANGE = { min: 0, max: 1000 } as const;

export const optNum = (body: Record<string, unknown>, field: string): number | undefined => {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  const { min, max } = MAX_RESULTS_RANGE;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw apiError.validation(`Value at '${field}' must be an integer between ${min} and ${max}`);
  return v;
};

/** AWS's ExecutionStatus values (PENDING_REDRIVE never matches here: a redriven execution is RUNNING at once). */
const STATUS_FILTERS = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

export type StatusFilter = ExecutionStatus | 'PENDING_REDRIVE';

export function statusFilterOf(v: unknown): StatusFilter | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (STATUS_FILTERS as readonly string[]).includes(v)) return v as StatusFilter;
  throw apiError.validation(`1 validation error detected: Value '${typeof v === 'string' ? v : JSON.stringify(v)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUS_FILTERS.join(', ')}]`);
}
