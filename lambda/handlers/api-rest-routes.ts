/**
 * The REST routes, for curl and browsers (ISO dates, input and output as JSON values, errors as
 * {error, message}). One table, like the JSON protocol's action map: each route is a method, a path
 * pattern whose `{named}` segments are parameters (each URL-decoded once), the query parameters and
 * body fields it accepts, and its handler. The dispatcher checks the rest in one place: a bad
 * %-escape is 400, a query value of the wrong kind is a ValidationException naming the parameter, a
 * known path with another method is 405 with an Allow header, and any other path is 404.
 */
import { writeOutboxForReaders } from '../runtime/advance-execution';
import * as svc from '../runtime/service';
import * as mapRuns from '../runtime/map-runs';
import { startSyncExecution } from '../runtime/express-api';
import * as activities from '../runtime/activities';
import { ApiError, apiError } from '../runtime/api-errors';
import type { EngineDeps } from '../runtime/deps';
import type { ExecutionStatus } from '../engine/types';
import { exceedsDepth, MAX_DATA_DEPTH } from '../engine/limits';
import { allowFields, header, json, MAX_RESULTS_RANGE, optStr, parseBody, statusFilterOf, str, type HttpRequest, type HttpResponse, type StatusFilter } from './api-http';

// ------------------------------------------------------------------ query parameters

/** The longest a GET /executions/{arn}?waitSeconds=N may wait: well inside API Gateway's 29 s. */
export const MAX_WAIT_SECONDS = 20;

/**
 * How a waiting GET /executions/{arn} sleeps until the execution may have changed: a process that
 * hears its engine's commits (the local server: lambda/local/execution-events.ts) registers a
 * waiter that wakes on the end; without one (AWS, where the worker is another Lambda) it re-reads
 * every half second within the wait.
 */
export const executionWaiters = new WeakMap<EngineDeps, (executionArn: string, ms: number) => Promise<void>>();
const POLL_MS = 500;

async function describeWaiting(deps: EngineDeps, executionArn: string, waitSeconds: number): Promise<svc.ExecutionDescription> {
  const deadline = Date.now() + waitSeconds * 1000;
  let d = await svc.describeExecution(deps, executionArn);
  while (d.status === 'RUNNING' && Date.now() < deadline) {
    const left = deadline - Date.now();
    const waiter = executionWaiters.get(deps);
    // the local waiter also wakes after a second: a fallback should an end be committed elsewhere
    await (waiter ? waiter(executionArn, Math.min(left, 1000)) : new Promise((r) => setTimeout(r, Math.min(left, POLL_MS))));
    d = await svc.describeExecution(deps, executionArn);
  }
  // A client that waited for the end reads the history next: the end's events are written just after its
  // commit, so answer once they are (waiting for this process's flush of them, or writing them).
  if (waitSeconds > 0 && d.status !== 'RUNNING') {
    const rec = await deps.store.getExecution(executionArn);
    if (rec) await writeOutboxForReaders(deps, rec);
  }
  return d;
}

/** Every query parameter a route may accept, as its handler gets it: validated, typed, absent when not given. */
export interface QueryValues {
  maxResults?: number;
  nextToken?: string;
  reverseOrder?: boolean;
  includeExecutionData?: boolean;
  statusFilter?: StatusFilter;
  /** GET /executions/{arn}: answer once the execution leaves RUNNING, or after this many seconds (0..20) */
  waitSeconds?: number;
  /** POST /state-machines/{name}/executions: run an EXPRESS execution to its end and answer with its result (StartSyncExecution) */
  sync?: boolean;
}
type QueryName = keyof QueryValues;

function integerParam(min: number, max: number) {
  return (raw: string, name: string): number => {
    const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    throw apiError.validation(`1 validation error detected: Value '${raw}' at '${name}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`);
  };
}

function booleanParam(raw: string, name: string): boolean {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw apiError.validation(`1 validation error detected: Value '${raw}' at '${name}' failed to satisfy constraint: Member must be true or false`);
}

/** How each query parameter is read: the one place query values are checked. */
const QUERY_PARAMS: { [K in QueryName]-?: (raw: string, name: K) => QueryValues[K] } = {
  maxResults: integerParam(MAX_RESULTS_RANGE.min, MAX_RESULTS_RANGE.max),
  nextToken: (raw) => raw,
  reverseOrder: booleanParam,
  includeExecutionData: booleanParam,
  statusFilter: (raw) => statusFilterOf(raw),
  waitSeconds: integerParam(0, MAX_WAIT_SECONDS),
  sync: booleanParam,
};

function readQuery(req: HttpRequest, accepted: readonly QueryName[]): QueryValues {
  const out: QueryValues = {};
  for (const name of accepted) {
    const raw = req.query[name];
    if (raw === undefined) continue;
    (out as Record<QueryName, unknown>)[name] = (QUERY_PARAMS[name] as (raw: string, name: QueryName) => unknown)(raw, name);
  }
  return out;
}

// ------------------------------------------------------------------ the route table's shape

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The `{name}` parameters of a path pattern, as a union of their names. */
type ParamsOf<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamsOf<Rest> : never;

/** What a route's handler is given, checked. */
export interface RouteRequest<Params extends string = string> {
  /** The path parameters, URL-decoded once. */
  params: Record<Params, string>;
  /** The accepted query parameters that were given. */
  query: QueryValues;
  /** The JSON body ({} when empty), holding only the accepted fields. */
  body: Record<string, unknown>;
  req: HttpRequest;
}

interface RouteOptions {
  /** Query parameters read (others are ignored). */
  query?: readonly QueryName[];
  /** Body fields accepted; any other is a ValidationException naming it. Routes without `body` ignore the body. */
  body?: readonly string[];
  /** Appended to the unknown-field message (how the body should look). */
  bodyHint?: string;
}

export interface RestRoute extends RouteOptions {
  readonly method: Method;
  /** e.g. `/executions/{arn}/history` */
  readonly path: string;
  readonly segments: readonly ({ literal: string } | { param: string })[];
  readonly handler: (deps: EngineDeps, r: RouteRequest) => Promise<HttpResponse>;
}

function on<P extends string>(method: Method, path: P, options: RouteOptions, handler: (deps: EngineDeps, r: RouteRequest<ParamsOf<P>>) => Promise<HttpResponse>): RestRoute {
  const segments = path.split('/').filter(Boolean).map((s) => (/^\{\w+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));
  return { method, path, segments, ...options, handler };
}

// ------------------------------------------------------------------ the routes

const smArn = (deps: EngineDeps, name: string) => (name.startsWith('arn:') ? name : svc.stateMachineArnFor(deps, name));

/** A definition or input given as a JSON value is stored as its text. */
const asText = (v: unknown) => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

/** JSON text the store holds (it was checked when stored), as the value it stands for. */
const parse = (s: string | undefined): unknown => (s === undefined ? undefined : JSON.parse(s));

/** REST shows input and output as JSON values, not JSON text. */
function restExecution(d: svc.ExecutionDescription) {
  return { ...d, input: parse(d.input), output: parse(d.output) };
}

const PAGE: readonly QueryName[] = ['maxResults', 'nextToken'];

export const REST_ROUTES: readonly RestRoute[] = [
  // ---------------------------------------------------------------- state machines
  on('POST', '/state-machines', { body: ['name', 'definition', 'roleArn', 'settings'] }, async (deps, { body: b }) => {
    const definition = typeof b.definition === 'string' ? b.definition : JSON.stringify(b.definition);
    return json(201, await svc.createStateMachine(deps, { name: str(b, 'name'), definition, roleArn: optStr(b, 'roleArn'), settings: b.settings }));
  }),
  on('GET', '/state-machines', { query: PAGE }, async (deps, { query: q }) => {
    const page = await svc.listStateMachines(deps, { maxResults: q.maxResults, nextToken: q.nextToken });
    return json(200, { stateMachines: page.items.map((s) => ({ name: s.name, stateMachineArn: s.arn, creationDate: s.creationDate })), nextToken: page.nextToken });
  }),
  on('GET', '/state-machines/{name}', {}, async (deps, { params }) => {
    const sm = await svc.requireStateMachine(deps, smArn(deps, params.name));
    return json(200, { name: sm.name, stateMachineArn: sm.arn, definition: parse(sm.definition), status: sm.status, creationDate: sm.creationDate, updateDate: sm.updateDate, revisionId: sm.revisionId, settings: sm.settings ?? {} });
  }),
  on('PUT', '/state-machines/{name}', { body: ['definition', 'roleArn', 'settings'] }, async (deps, { params, body: b }) =>
    json(200, await svc.updateStateMachine(deps, { stateMachineArn: smArn(deps, params.name), definition: asText(b.definition), roleArn: optStr(b, 'roleArn'), settings: b.settings })),
  ),
  on('DELETE', '/state-machines/{name}', {}, async (deps, { params }) => {
    await svc.deleteStateMachine(deps, smArn(deps, params.name));
    return json(200, {});
  }),
  // The execution input is wrapped: {"input": ..., "name"?}. A body that is the input itself
  // (e.g. {"comment": "hi"}) must not start with {} silently; an empty body or {} means input {}.
  on('POST', '/state-machines/{name}/executions', { query: ['sync'], body: ['input', 'name'], bodyHint: ' (the execution input goes inside {"input": ...})' }, async (deps, { params, query: q, body: b, req }) => {
    if (Object.keys(b).length > 0 && !('input' in b)) throw apiError.validation('The body of POST /state-machines/{name}/executions has no \'input\': send {"input": <execution input>, "name"?: "..."}, or an empty body for input {}');
    // JSON.stringify would throw a RangeError on input nested too deep: refused as StartExecution refuses it
    if (b.input !== undefined && typeof b.input !== 'string' && exceedsDepth(b.input)) {
      throw apiError.invalidExecutionInput(`Invalid State Machine Execution Input: the input nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the limit is ${MAX_DATA_DEPTH})`);
    }
    const start = { stateMachineArn: smArn(deps, params.name), name: optStr(b, 'name'), input: asText(b.input), traceHeader: header(req, 'x-amzn-trace-id') };
    if (q.sync) {
      // StartSyncExecution: the EXPRESS run's result, input and output as JSON values
      const r = await startSyncExecution(deps, start);
      return json(200, { ...r, input: parse(r.input), output: r.output === undefined ? undefined : parse(r.output) });
    }
    return json(202, await svc.startExecution(deps, start));
  }),
  on('GET', '/state-machines/{name}/executions', { query: ['statusFilter', ...PAGE] }, async (deps, { params, query: q }) => {
    const page = await svc.listExecutions(deps, { stateMachineArn: smArn(deps, params.name), statusFilter: q.statusFilter as ExecutionStatus | undefined, maxResults: q.maxResults, nextToken: q.nextToken });
    return json(200, { executions: page.items, nextToken: page.nextToken });
  }),

  // ---------------------------------------------------------------- executions
  on('GET', '/executions/{arn}', { query: ['waitSeconds'] }, async (deps, { params, query: q }) => json(200, restExecution(await describeWaiting(deps, params.arn, q.waitSeconds ?? 0)))),
  on('GET', '/executions/{arn}/history', { query: [...PAGE, 'reverseOrder', 'includeExecutionData'] }, async (deps, { params, query: q }) => {
    const page = await svc.getExecutionHistory(deps, { executionArn: params.arn, maxResults: q.maxResults, nextToken: q.nextToken, reverseOrder: q.reverseOrder ?? false, includeExecutionData: q.includeExecutionData ?? true });
    return json(200, { events: page.items, nextToken: page.nextToken });
  }),
  on('GET', '/executions/{arn}/map-runs', { query: PAGE }, async (deps, { params, query: q }) => {
    const page = await mapRuns.listMapRuns(deps, { executionArn: params.arn, maxResults: q.maxResults, nextToken: q.nextToken });
    return json(200, { mapRuns: page.items, nextToken: page.nextToken });
  }),
  on('POST', '/executions/{arn}/redrive', { body: ['useLatestDefinition'] }, async (deps, { params, body: b }) =>
    json(200, await svc.redriveExecution(deps, { executionArn: params.arn, useLatestDefinition: b.useLatestDefinition === true })),
  ),
  on('POST', '/executions/{arn}/stop', { body: ['error', 'cause'] }, async (deps, { params, body: b }) =>
    json(200, await svc.stopExecution(deps, { executionArn: params.arn, error: optStr(b, 'error'), cause: optStr(b, 'cause') })),
  ),

  // ---------------------------------------------------------------- map runs
  // a Map Run's ARN holds '/': clients encode it as one path segment (%2F)
  on('GET', '/map-runs/{mapRunArn}', {}, async (deps, { params }) => json(200, await mapRuns.describeMapRun(deps, params.mapRunArn))),
  on('GET', '/map-runs/{mapRunArn}/results', { query: PAGE }, async (deps, { params, query: q }) => {
    const page = await mapRuns.getMapRunResults(deps, { mapRunArn: params.mapRunArn, maxResults: q.maxResults, nextToken: q.nextToken });
    return json(200, { results: page.items, nextToken: page.nextToken });
  }),
  on('GET', '/map-runs/{mapRunArn}/executions', { query: ['statusFilter', ...PAGE] }, async (deps, { params, query: q }) => {
    if (q.statusFilter === 'PENDING_REDRIVE') return json(200, { executions: [] });
    const page = await mapRuns.listMapRunExecutions(deps, { mapRunArn: params.mapRunArn, statusFilter: q.statusFilter, maxResults: q.maxResults, nextToken: q.nextToken });
    return json(200, { executions: page.items, nextToken: page.nextToken });
  }),

  // ---------------------------------------------------------------- activities (runtime/activities.ts), by name or ARN
  on('POST', '/activities', { body: ['name'] }, async (deps, { body: b }) => json(200, await activities.createActivity(deps, { name: b.name }))),
  on('GET', '/activities', { query: PAGE }, async (deps, { query: q }) => {
    const page = await activities.listActivities(deps, { maxResults: q.maxResults, nextToken: q.nextToken });
    return json(200, { activities: page.items, nextToken: page.nextToken });
  }),
  on('GET', '/activities/{name}', {}, async (deps, { params }) => json(200, await activities.describeActivity(deps, { activityArn: activityArnOf(deps, params.name) }))),
  on('DELETE', '/activities/{name}', {}, async (deps, { params }) => {
    await activities.deleteActivity(deps, { activityArn: activityArnOf(deps, params.name) });
    return json(200, {});
  }),
  // GetActivityTask: a shorter poll than the JSON protocol's 60 s, inside API Gateway's 29 s (as GET /executions/{arn}?waitSeconds)
  on('POST', '/activities/{name}/task', { body: ['workerName'] }, async (deps, { params, body: b }) =>
    json(200, await activities.getActivityTask(deps, { activityArn: activityArnOf(deps, params.name), workerName: b.workerName }, { pollSeconds: MAX_WAIT_SECONDS })),
  ),

  // ---------------------------------------------------------------- task callbacks
  on('POST', '/tasks/success', { body: ['taskToken', 'output'] }, async (deps, { body: b }) => {
    // JSON.stringify would throw a RangeError on output nested too deep: refused as SendTaskSuccess refuses it
    if (typeof b.output !== 'string' && exceedsDepth(b.output)) {
      throw new ApiError('InvalidOutput', `Invalid State Machine Execution Output: the output nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the limit is ${MAX_DATA_DEPTH})`);
    }
    const output = typeof b.output === 'string' ? b.output : JSON.stringify(b.output ?? null);
    await svc.sendTaskSuccess(deps, { taskToken: str(b, 'taskToken'), output });
    return json(200, {});
  }),
  on('POST', '/tasks/failure', { body: ['taskToken', 'error', 'cause'] }, async (deps, { body: b }) => {
    await svc.sendTaskFailure(deps, { taskToken: str(b, 'taskToken'), error: optStr(b, 'error'), cause: optStr(b, 'cause') });
    return json(200, {});
  }),
  on('POST', '/tasks/heartbeat', { body: ['taskToken'] }, async (deps, { body: b }) => {
    await svc.sendTaskHeartbeat(deps, { taskToken: str(b, 'taskToken') });
    return json(200, {});
  }),
];

const activityArnOf = (deps: EngineDeps, nameOrArn: string) => (nameOrArn.startsWith('arn:') ? nameOrArn : activities.activityArnFor(deps, nameOrArn));

// ------------------------------------------------------------------ dispatch

function pathSegments(path: string): string[] {
  return path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw apiError.validation(`The path ${path} has a malformed %-escape in the segment '${p}' (encode '%' as %25)`);
    }
  });
}

function match(route: RestRoute, parts: readonly string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const s = route.segments[i];
    if ('literal' in s) {
      if (s.literal !== parts[i]) return undefined;
    } else params[s.param] = parts[i];
  }
  return params;
}

/** Finds the route and runs it; ApiErrors propagate (the router maps them to HTTP answers). */
export async function dispatchRest(deps: EngineDeps, req: HttpRequest, routes: readonly RestRoute[] = REST_ROUTES): Promise<HttpResponse> {
  const parts = pathSegments(req.path);
  const method = req.method.toUpperCase();
  const allowed: string[] = [];
  for (const r of routes) {
    const params = match(r, parts);
    if (!params) continue;
    if (r.method !== method) {
      if (!allowed.includes(r.method)) allowed.push(r.method);
      continue;
    }
    const query = readQuery(req, r.query ?? []);
    let body: Record<string, unknown> = {};
    if (r.body) {
      body = parseBody(req);
      allowFields(body, r.body, `${r.method} ${r.path}`, r.bodyHint);
    }
    return r.handler(deps, { params, query, body, req });
  }
  if (allowed.length > 0) {
    const allow = allowed.join(', ');
    return json(405, { error: 'MethodNotAllowed', message: `${method} is not allowed on ${req.path}; allowed: ${allow}` }, { 'content-type': 'application/json', allow });
  }
  return json(404, { error: 'NotFound', message: `No route for ${method} ${req.path}` });
}
