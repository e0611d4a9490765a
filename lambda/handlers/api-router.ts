/**
 * Routes one HTTP request to the Step Functions operations in lambda/runtime/service.ts.
 * Two ways in, one set of operations:
 *   - the Step Functions JSON protocol: POST / with `X-Amz-Target: AWSStepFunctions.<Action>`
 *     (dates as epoch seconds, errors as {__type, message}), so @aws-sdk/client-sfn works unchanged;
 *   - REST routes for curl and browsers (ISO dates, errors as {error, message}).
 * Transport-neutral: API Gateway (handlers/api.ts) and the local HTTP server both call `route`.
 */
import * as svc from '../runtime/service';
import * as mapRuns from '../runtime/map-runs';
import { ApiError, apiError } from '../runtime/api-errors';
import type { EngineDeps } from '../runtime/deps';
import type { ExecutionStatus } from '../engine/types';
import { exceedsDepth, MAX_DATA_DEPTH } from '../engine/limits';

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

const JSON_HEADERS = { 'content-type': 'application/json' };
const AMZ_JSON_HEADERS = { 'content-type': 'application/x-amz-json-1.0' };

function json(statusCode: number, value: unknown, headers = JSON_HEADERS): HttpResponse {
  return { statusCode, headers, body: JSON.stringify(value) };
}

function header(req: HttpRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function parseBody(req: HttpRequest): Record<string, unknown> {
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

function contentTypeProblem(req: HttpRequest): string | undefined {
  if (!req.body) return undefined;
  const given = header(req, 'content-type');
  const type = given?.split(';')[0].trim().toLowerCase();
  if (type && JSON_CONTENT_TYPES.includes(type)) return undefined;
  return `${given === undefined ? 'The request has a body but no Content-Type header' : `Content-Type '${given}' is not accepted`}: send the body as ${JSON_CONTENT_TYPES.join(', ')} (charset optional)`;
}

/** Fields a body may carry; anything else is a mistake the caller should hear about (a typo, input not wrapped). */
function allowFields(b: Record<string, unknown>, allowed: readonly string[], where: string, hint = ''): void {
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return;
  throw apiError.validation(
    `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} in the body of ${where}; accepted: ${allowed.join(', ')}${hint}`,
  );
}

/** AWS's ExecutionStatus values (PENDING_REDRIVE never matches here: a redriven execution is RUNNING at once). */
const STATUS_FILTERS = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

function statusFilterOf(v: unknown): ExecutionStatus | 'PENDING_REDRIVE' | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (STATUS_FILTERS as readonly string[]).includes(v)) return v as ExecutionStatus | 'PENDING_REDRIVE';
  throw apiError.validation(`1 validation error detected: Value '${String(v)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUS_FILTERS.join(', ')}]`);
}

/** Epoch seconds with milliseconds, as the JSON protocol sends timestamps. */
const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

export async function route(deps: EngineDeps, req: HttpRequest): Promise<HttpResponse> {
  const target = header(req, 'x-amz-target');
  const typeProblem = contentTypeProblem(req);
  if (typeProblem) {
    return req.method === 'POST' && target
      ? { statusCode: 415, headers: { ...AMZ_JSON_HEADERS, 'x-amzn-errortype': 'UnsupportedMediaType' }, body: JSON.stringify({ __type: 'UnsupportedMediaType', message: typeProblem }) }
      : json(415, { error: 'UnsupportedMediaType', message: typeProblem });
  }
  if (req.method === 'POST' && target) return jsonProtocol(deps, req, target);
  try {
    return await rest(deps, req);
  } catch (e) {
    if (e instanceof ApiError) return json(e.httpStatus === 400 && /DoesNotExist$|^ResourceNotFound$/.test(e.code) ? 404 : e.httpStatus, { error: e.code, message: e.message });
    throw e;
  }
}

// ------------------------------------------------------------------ JSON protocol

type Action = (deps: EngineDeps, body: Record<string, unknown>, req: HttpRequest) => Promise<unknown>;

const str = (body: Record<string, unknown>, field: string): string => {
  const v = body[field];
  if (typeof v !== 'string') throw apiError.validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  return v;
};
const optStr = (body: Record<string, unknown>, field: string): string | undefined => {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw apiError.validation(`Value at '${field}' must be a string`);
  return v;
};
const optNum = (body: Record<string, unknown>, field: string): number | undefined => {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) throw apiError.validation(`Value at '${field}' must be an integer between 0 and 1000`);
  return v;
};

function smOut(sm: Awaited<ReturnType<typeof svc.requireStateMachine>>) {
  return {
    stateMachineArn: sm.arn,
    name: sm.name,
    status: sm.status,
    definition: sm.definition,
    roleArn: sm.roleArn,
    type: sm.type,
    creationDate: epoch(sm.creationDate),
    revisionId: sm.revisionId,
    ...(sm.description ? { description: sm.description } : {}),
  };
}

function executionOut(d: svc.ExecutionDescription) {
  return { ...d, startDate: epoch(d.startDate), stopDate: epoch(d.stopDate) };
}

/**
 * Each action's request members, from AWS's API model (what @aws-sdk/client-sfn may send, e.g. the
 * clientToken it generates for RedriveExecution; members Stepwright does not act on, such as tags or
 * loggingConfiguration, are accepted and ignored as before), plus Stepwright's extensions:
 * `settings`, `description`, `useLatestDefinition`.
 */
const ACTION_FIELDS: Record<string, readonly string[]> = {
  CreateStateMachine: ['name', 'definition', 'roleArn', 'type', 'loggingConfiguration', 'tags', 'tracingConfiguration', 'publish', 'versionDescription', 'encryptionConfiguration', 'description', 'settings'],
  DescribeStateMachine: ['stateMachineArn', 'includedData'],
  ListStateMachines: ['maxResults', 'nextToken'],
  UpdateStateMachine: ['stateMachineArn', 'definition', 'roleArn', 'loggingConfiguration', 'tracingConfiguration', 'publish', 'versionDescription', 'encryptionConfiguration', 'settings'],
  DeleteStateMachine: ['stateMachineArn'],
  StartExecution: ['stateMachineArn', 'name', 'input', 'traceHeader'],
  DescribeExecution: ['executionArn', 'includedData'],
  ListExecutions: ['stateMachineArn', 'statusFilter', 'maxResults', 'nextToken', 'mapRunArn', 'redriveFilter'],
  DescribeMapRun: ['mapRunArn'],
  ListMapRuns: ['executionArn', 'maxResults', 'nextToken'],
  GetExecutionHistory: ['executionArn', 'maxResults', 'reverseOrder', 'nextToken', 'includeExecutionData'],
  StopExecution: ['executionArn', 'error', 'cause'],
  RedriveExecution: ['executionArn', 'clientToken', 'useLatestDefinition'],
  SendTaskSuccess: ['taskToken', 'output'],
  SendTaskFailure: ['taskToken', 'error', 'cause'],
  SendTaskHeartbeat: ['taskToken'],
  ValidateStateMachineDefinition: ['definition', 'type', 'severity', 'maxResults'],
};

const ACTIONS: Record<string, Action> = {
  CreateStateMachine: async (deps, b) => {
    // `settings` is Stepwright's extension (curl users; the AWS SDK sends only AWS's members)
    const r = await svc.createStateMachine(deps, { name: str(b, 'name'), definition: str(b, 'definition'), roleArn: optStr(b, 'roleArn'), type: optStr(b, 'type'), description: optStr(b, 'description'), settings: b.settings });
    return { stateMachineArn: r.stateMachineArn, creationDate: epoch(r.creationDate) };
  },
  DescribeStateMachine: async (deps, b) => smOut(await svc.requireStateMachine(deps, str(b, 'stateMachineArn'))),
  ListStateMachines: async (deps, b) => {
    const page = await svc.listStateMachines(deps, { maxResults: optNum(b, 'maxResults'), nextToken: optStr(b, 'nextToken') });
    return { stateMachines: page.items.map((sm) => ({ stateMachineArn: sm.arn, name: sm.name, type: sm.type, creationDate: epoch(sm.creationDate) })), nextToken: page.nextToken };
  },
  UpdateStateMachine: async (deps, b) => {
    const r = await svc.updateStateMachine(deps, { stateMachineArn: str(b, 'stateMachineArn'), definition: optStr(b, 'definition'), roleArn: optStr(b, 'roleArn'), settings: b.settings });
    return { updateDate: epoch(r.updateDate), revisionId: r.revisionId };
  },
  DeleteStateMachine: async (deps, b) => {
    await svc.deleteStateMachine(deps, str(b, 'stateMachineArn'));
    return {};
  },
  StartExecution: async (deps, b, req) => {
    const r = await svc.startExecution(deps, { stateMachineArn: str(b, 'stateMachineArn'), name: optStr(b, 'name'), input: optStr(b, 'input'), traceHeader: optStr(b, 'traceHeader') ?? header(req, 'x-amzn-trace-id') });
    return { executionArn: r.executionArn, startDate: epoch(r.startDate) };
  },
  DescribeExecution: async (deps, b) => executionOut(await svc.describeExecution(deps, str(b, 'executionArn'))),
  ListExecutions: async (deps, b) => {
    // AWS: a Map Run's child executions are listed by mapRunArn, given instead of stateMachineArn
    const statusFilter = statusFilterOf(b.statusFilter);
    if (b.mapRunArn !== undefined && b.mapRunArn !== null) {
      if (b.stateMachineArn !== undefined && b.stateMachineArn !== null) throw apiError.validation('Specify either stateMachineArn or mapRunArn, not both');
      if (statusFilter === 'PENDING_REDRIVE') return { executions: [] };
      const page = await mapRuns.listMapRunExecutions(deps, { mapRunArn: str(b, 'mapRunArn'), statusFilter, maxResults: optNum(b, 'maxResults'), nextToken: optStr(b, 'nextToken') });
      return { executions: page.items.map((e) => ({ ...e, startDate: epoch(e.startDate), stopDate: epoch(e.stopDate) })), nextToken: page.nextToken };
    }
    if (b.stateMachineArn === undefined || b.stateMachineArn === null) throw apiError.validation("1 validation error detected: either 'stateMachineArn' or 'mapRunArn' must be given");
    const page = await svc.listExecutions(deps, { stateMachineArn: str(b, 'stateMachineArn'), statusFilter: statusFilter as ExecutionStatus | undefined, maxResults: optNum(b, 'maxResults'), nextToken: optStr(b, 'nextToken') });
    return { executions: page.items.map((e) => ({ ...e, startDate: epoch(e.startDate), stopDate: epoch(e.stopDate) })), nextToken: page.nextToken };
  },
  DescribeMapRun: async (deps, b) => {
    const d = await mapRuns.describeMapRun(deps, str(b, 'mapRunArn'));
    return { ...d, startDate: epoch(d.startDate), stopDate: epoch(d.stopDate) };
  },
  ListMapRuns: async (deps, b) => {
    const page = await mapRuns.listMapRuns(deps, { executionArn: str(b, 'executionArn'), maxResults: optNum(b, 'maxResults'), nextToken: optStr(b, 'nextToken') });
    return { mapRuns: page.items.map((m) => ({ ...m, startDate: epoch(m.startDate), stopDate: epoch(m.stopDate) })), nextToken: page.nextToken };
  },
  GetExecutionHistory: async (deps, b) => {
    const page = await svc.getExecutionHistory(deps, {
      executionArn: str(b, 'executionArn'),
      maxResults: optNum(b, 'maxResults'),
      nextToken: optStr(b, 'nextToken'),
      reverseOrder: b.reverseOrder === true,
      includeExecutionData: b.includeExecutionData !== false,
    });
    return { events: page.items.map((e) => ({ ...e, timestamp: epoch(e.timestamp) })), nextToken: page.nextToken };
  },
  StopExecution: async (deps, b) => {
    const r = await svc.stopExecution(deps, { executionArn: str(b, 'executionArn'), error: optStr(b, 'error'), cause: optStr(b, 'cause') });
    return { stopDate: epoch(r.stopDate) };
  },
  RedriveExecution: async (deps, b) => {
    const r = await svc.redriveExecution(deps, { executionArn: str(b, 'executionArn'), useLatestDefinition: b.useLatestDefinition === true });
    return { redriveDate: epoch(r.redriveDate) };
  },
  SendTaskSuccess: async (deps, b) => {
    await svc.sendTaskSuccess(deps, { taskToken: str(b, 'taskToken'), output: str(b, 'output') });
    return {};
  },
  SendTaskFailure: async (deps, b) => {
    await svc.sendTaskFailure(deps, { taskToken: str(b, 'taskToken'), error: optStr(b, 'error'), cause: optStr(b, 'cause') });
    return {};
  },
  SendTaskHeartbeat: async (deps, b) => {
    await svc.sendTaskHeartbeat(deps, { taskToken: str(b, 'taskToken') });
    return {};
  },
  ValidateStateMachineDefinition: async (_deps, b) => svc.validateStateMachineDefinition(str(b, 'definition')),
};

async function jsonProtocol(deps: EngineDeps, req: HttpRequest, target: string): Promise<HttpResponse> {
  const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : undefined;
  const fn = action ? ACTIONS[action] : undefined;
  try {
    if (!fn) throw new ApiError('UnknownOperationException', `Unknown operation ${target}`);
    const body = parseBody(req);
    allowFields(body, ACTION_FIELDS[action!], action!);
    const result = await fn(deps, body, req);
    return json(200, dropUndefined(result), AMZ_JSON_HEADERS);
  } catch (e) {
    if (e instanceof ApiError) {
      return { statusCode: e.httpStatus, headers: { ...AMZ_JSON_HEADERS, 'x-amzn-errortype': e.code }, body: JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${e.code}`, message: e.message }) };
    }
    throw e;
  }
}

function dropUndefined(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? {}));
}

// ------------------------------------------------------------------ REST

async function rest(deps: EngineDeps, req: HttpRequest): Promise<HttpResponse> {
  const parts = req.path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw apiError.validation(`The path ${req.path} has a malformed %-escape in the segment '${p}' (encode '%' as %25)`);
    }
  });
  const m = req.method.toUpperCase();
  const smArn = (name: string) => (name.startsWith('arn:') ? name : svc.stateMachineArnFor(deps, name));
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

  if (parts[0] === 'state-machines') {
    if (parts.length === 1 && m === 'POST') {
      const b = parseBody(req);
      allowFields(b, ['name', 'definition', 'roleArn', 'settings'], 'POST /state-machines');
      const definition = typeof b.definition === 'string' ? b.definition : JSON.stringify(b.definition);
      const r = await svc.createStateMachine(deps, { name: str(b, 'name'), definition, roleArn: optStr(b, 'roleArn'), settings: b.settings });
      return json(201, r);
    }
    if (parts.length === 1 && m === 'GET') {
      const page = await svc.listStateMachines(deps, { maxResults: num(req.query.maxResults), nextToken: req.query.nextToken });
      return json(200, { stateMachines: page.items.map((s) => ({ name: s.name, stateMachineArn: s.arn, creationDate: s.creationDate })), nextToken: page.nextToken });
    }
    if (parts.length === 2 && m === 'GET') {
      const sm = await svc.requireStateMachine(deps, smArn(parts[1]));
      return json(200, { name: sm.name, stateMachineArn: sm.arn, definition: JSON.parse(sm.definition), status: sm.status, creationDate: sm.creationDate, updateDate: sm.updateDate, revisionId: sm.revisionId, settings: sm.settings ?? {} });
    }
    if (parts.length === 2 && m === 'PUT') {
      const b = parseBody(req);
      allowFields(b, ['definition', 'roleArn', 'settings'], 'PUT /state-machines/{name}');
      const definition = b.definition === undefined ? undefined : typeof b.definition === 'string' ? b.definition : JSON.stringify(b.definition);
      return json(200, await svc.updateStateMachine(deps, { stateMachineArn: smArn(parts[1]), definition, roleArn: optStr(b, 'roleArn'), settings: b.settings }));
    }
    if (parts.length === 2 && m === 'DELETE') {
      await svc.deleteStateMachine(deps, smArn(parts[1]));
      return json(200, {});
    }
    if (parts.length === 3 && parts[2] === 'executions' && m === 'POST') {
      const b = parseBody(req);
      // The execution input is wrapped: {"input": ..., "name"?}. A body that is the input itself
      // (e.g. {"comment": "hi"}) must not start with {} silently; an empty body or {} means input {}.
      const where = 'POST /state-machines/{name}/executions';
      allowFields(b, ['input', 'name'], where, ' (the execution input goes inside {"input": ...})');
      if (Object.keys(b).length > 0 && !('input' in b)) throw apiError.validation(`The body of ${where} has no 'input': send {"input": <execution input>, "name"?: "..."}, or an empty body for input {}`);
      // JSON.stringify below would throw a RangeError on input nested too deep: refused as StartExecution refuses it
      if (b.input !== undefined && typeof b.input !== 'string' && exceedsDepth(b.input)) {
        throw apiError.invalidExecutionInput(`Invalid State Machine Execution Input: the input nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the limit is ${MAX_DATA_DEPTH})`);
      }
      const input = b.input === undefined ? undefined : typeof b.input === 'string' ? b.input : JSON.stringify(b.input);
      const r = await svc.startExecution(deps, { stateMachineArn: smArn(parts[1]), name: optStr(b, 'name'), input, traceHeader: header(req, 'x-amzn-trace-id') });
      return json(202, r);
    }
    if (parts.length === 3 && parts[2] === 'executions' && m === 'GET') {
      const page = await svc.listExecutions(deps, { stateMachineArn: smArn(parts[1]), statusFilter: statusFilterOf(req.query.statusFilter) as ExecutionStatus | undefined, maxResults: num(req.query.maxResults), nextToken: req.query.nextToken });
      return json(200, { executions: page.items, nextToken: page.nextToken });
    }
  }
  if (parts[0] === 'executions' && parts.length >= 2) {
    const arn = parts[1];
    if (parts.length === 2 && m === 'GET') return json(200, restExecution(await svc.describeExecution(deps, arn)));
    if (parts.length === 3 && parts[2] === 'history' && m === 'GET') {
      const page = await svc.getExecutionHistory(deps, { executionArn: arn, maxResults: num(req.query.maxResults), nextToken: req.query.nextToken, reverseOrder: req.query.reverseOrder === 'true', includeExecutionData: req.query.includeExecutionData !== 'false' });
      return json(200, { events: page.items, nextToken: page.nextToken });
    }
    if (parts.length === 3 && parts[2] === 'map-runs' && m === 'GET') {
      const page = await mapRuns.listMapRuns(deps, { executionArn: arn, maxResults: num(req.query.maxResults), nextToken: req.query.nextToken });
      return json(200, { mapRuns: page.items, nextToken: page.nextToken });
    }
    if (parts.length === 3 && parts[2] === 'redrive' && m === 'POST') {
      const b = parseBody(req);
      allowFields(b, ['useLatestDefinition'], 'POST /executions/{arn}/redrive');
      return json(200, await svc.redriveExecution(deps, { executionArn: arn, useLatestDefinition: b.useLatestDefinition === true }));
    }
    if (parts.length === 3 && parts[2] === 'stop' && m === 'POST') {
      const b = parseBody(req);
      allowFields(b, ['error', 'cause'], 'POST /executions/{arn}/stop');
      return json(200, await svc.stopExecution(deps, { executionArn: arn, error: optStr(b, 'error'), cause: optStr(b, 'cause') }));
    }
  }
  // a Map Run's ARN holds '/': clients encode it as one path segment (%2F)
  if (parts[0] === 'map-runs' && parts.length === 2 && m === 'GET') return json(200, await mapRuns.describeMapRun(deps, parts[1]));
  if (parts[0] === 'map-runs' && parts.length === 3 && parts[2] === 'results' && m === 'GET') {
    const page = await mapRuns.getMapRunResults(deps, { mapRunArn: parts[1], maxResults: num(req.query.maxResults), nextToken: req.query.nextToken });
    return json(200, { results: page.items, nextToken: page.nextToken });
  }
  if (parts[0] === 'map-runs' && parts.length === 3 && parts[2] === 'executions' && m === 'GET') {
    const statusFilter = statusFilterOf(req.query.statusFilter);
    if (statusFilter === 'PENDING_REDRIVE') return json(200, { executions: [] });
    const page = await mapRuns.listMapRunExecutions(deps, { mapRunArn: parts[1], statusFilter, maxResults: num(req.query.maxResults), nextToken: req.query.nextToken });
    return json(200, { executions: page.items, nextToken: page.nextToken });
  }
  if (parts[0] === 'tasks' && parts.length === 2 && m === 'POST') {
    const b = parseBody(req);
    const fields: Record<string, readonly string[]> = { success: ['taskToken', 'output'], failure: ['taskToken', 'error', 'cause'], heartbeat: ['taskToken'] };
    if (fields[parts[1]]) allowFields(b, fields[parts[1]], `POST /tasks/${parts[1]}`);
    if (parts[1] === 'success') {
      // JSON.stringify below would throw a RangeError on output nested too deep: refused as SendTaskSuccess refuses it
      if (typeof b.output !== 'string' && exceedsDepth(b.output)) {
        throw new ApiError('InvalidOutput', `Invalid State Machine Execution Output: the output nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the limit is ${MAX_DATA_DEPTH})`);
      }
      const output = typeof b.output === 'string' ? b.output : JSON.stringify(b.output ?? null);
      await svc.sendTaskSuccess(deps, { taskToken: str(b, 'taskToken'), output });
      return json(200, {});
    }
    if (parts[1] === 'failure') {
      await svc.sendTaskFailure(deps, { taskToken: str(b, 'taskToken'), error: optStr(b, 'error'), cause: optStr(b, 'cause') });
      return json(200, {});
    }
    if (parts[1] === 'heartbeat') {
      await svc.sendTaskHeartbeat(deps, { taskToken: str(b, 'taskToken') });
      return json(200, {});
    }
  }
  return json(404, { error: 'NotFound', message: `No route for ${m} ${req.path}` });
}

/** REST shows input and output as JSON values, not JSON text. */
function restExecution(d: svc.ExecutionDescription) {
  const parse = (s: string | undefined) => (s === undefined ? undefined : JSON.parse(s));
  return { ...d, input: parse(d.input), output: parse(d.output) };
}
