/**
 * Routes one HTTP request to the Step Functions operations in lambda/runtime/service.ts.
 * Two ways in, one set of operations:
 *   - the Step Functions JSON protocol (api-json-protocol.ts): POST / with
 *     `X-Amz-Target: AWSStepFunctions.<Action>` (dates as epoch seconds, errors as {__type, message}),
 *     so @aws-sdk/client-sfn works unchanged;
 *   - REST routes for curl and browsers (api-rest-routes.ts: ISO dates, errors as {error, message}).
 * Transport-neutral: API Gateway (handlers/api.ts) and the local HTTP server both call `route`.
 */
import { ApiError, apiError } from '../runtime/api-errors';
import { roleArnProblem } from '../runtime/task-role';
import { accessDenied, describableMachines, isAllowed, type AccessPolicy, type AccessRequest, type Caller } from '../runtime/access';
import type { EngineDeps } from '../runtime/deps';
import { jsonAccessRequest, restAccessRequest } from './api-access';
import { AMZ_JSON_HEADERS, contentTypeProblem, header, json, type HttpRequest, type HttpResponse } from './api-http';
import { jsonProtocol } from './api-json-protocol';
import { dispatchRest } from './api-rest-routes';

export type { HttpRequest, HttpResponse } from './api-http';

/**
 * The access check for one request: the recorded grants and the caller (undefined: not identified,
 * refused). Without it every request runs (the local server's default; a deployment with a
 * non-IAM authorizer).
 */
export interface RouteAccess {
  readonly policy: AccessPolicy;
  readonly caller: Caller | undefined;
  /**
   * The roles state machines created or updated through the API may run with (the engine's
   * apiStateMachineRoles); when set, CreateStateMachine must name one (runtime/task-role.ts).
   */
  readonly stateMachineRoles?: readonly string[];
}

/** Access checks for a local server's engine: the grants, and the header that names the caller. */
export interface LocalAccess {
  readonly policy: AccessPolicy;
  /** e.g. 'x-stepwright-caller': its value is the caller's ARN (an IAM user or an assumed-role session) */
  readonly callerHeader: string;
}

// Keyed by the engine the local server serves, so `startHttpServer` needs no option of its own; nothing
// sets it unless a test or an embedder asks, so `stepwright serve` answers its own user as before.
const localAccess = new WeakMap<EngineDeps, LocalAccess>();

/**
 * Makes the router check grants for requests on this engine that come without a RouteAccess (the
 * local server's), taking the caller from `callerHeader`. The header is honoured only here: the
 * deployed API takes the caller from API Gateway's request context, never from a header.
 */
export function enableLocalAccessChecks(deps: EngineDeps, access: LocalAccess): void {
  localAccess.set(deps, access);
}

function accessOf(deps: EngineDeps, req: HttpRequest, given: RouteAccess | undefined): RouteAccess | undefined {
  if (given) return given;
  const local = localAccess.get(deps);
  if (!local) return undefined;
  const arn = header(req, local.callerHeader);
  return { policy: local.policy, caller: arn ? { userArn: arn } : undefined };
}

function refusal(e: ApiError, amz: boolean, restStatus = 403): HttpResponse {
  // JSON protocol: 400 with __type, as AWS answers a denied action; REST: 403
  return amz
    ? { statusCode: 400, headers: { ...AMZ_JSON_HEADERS, 'x-amzn-errortype': e.code }, body: JSON.stringify({ __type: e.code, message: e.message }) }
    : json(restStatus, { error: e.code, message: e.message });
}

/** A state machine created or updated through the API must run with a role the engine may assume. */
function roleProblem(access: RouteAccess, request: AccessRequest, req: HttpRequest): ApiError | undefined {
  const action = request.action;
  if (!access.stateMachineRoles || (action !== 'CreateStateMachine' && action !== 'UpdateStateMachine')) return undefined;
  let roleArn: unknown;
  try {
    roleArn = (JSON.parse(req.body || '{}') as { roleArn?: unknown }).roleArn;
  } catch {
    return undefined; // the action answers a body that is not JSON itself
  }
  const problem = roleArnProblem(action, roleArn, access.stateMachineRoles);
  return problem === undefined ? undefined : apiError.validation(problem);
}

/** ListStateMachines shows only the machines the caller may describe. */
function filterListing(res: HttpResponse, access: RouteAccess): HttpResponse {
  const visible = access.caller ? describableMachines(access.policy, access.caller) : new Set<string>();
  if (visible === '*' || res.statusCode !== 200) return res;
  const body = JSON.parse(res.body) as { stateMachines?: { name: string }[] };
  return { ...res, body: JSON.stringify({ ...body, stateMachines: (body.stateMachines ?? []).filter((m) => visible.has(m.name)) }) };
}

export async function route(deps: EngineDeps, req: HttpRequest, given?: RouteAccess): Promise<HttpResponse> {
  const target = header(req, 'x-amz-target');
  const typeProblem = contentTypeProblem(req);
  if (typeProblem) {
    return req.method === 'POST' && target
      ? { statusCode: 415, headers: { ...AMZ_JSON_HEADERS, 'x-amzn-errortype': 'UnsupportedMediaType' }, body: JSON.stringify({ __type: 'UnsupportedMediaType', message: typeProblem }) }
      : json(415, { error: 'UnsupportedMediaType', message: typeProblem });
  }
  const jsonTarget = req.method === 'POST' ? target : undefined;
  const access = accessOf(deps, req, given);
  let request: AccessRequest | undefined;
  if (access) {
    request = jsonTarget !== undefined ? await jsonAccessRequest(deps, req, jsonTarget) : await restAccessRequest(deps, req);
    if (!isAllowed(access.policy, access.caller, request)) return refusal(accessDenied(access.caller, request), jsonTarget !== undefined);
    const invalidRole = roleProblem(access, request, req);
    if (invalidRole) return refusal(invalidRole, jsonTarget !== undefined, 400);
  }
  const res = await dispatch(deps, req, jsonTarget);
  return access && request?.action === 'ListStateMachines' ? filterListing(res, access) : res;
}

async function dispatch(deps: EngineDeps, req: HttpRequest, target: string | undefined): Promise<HttpResponse> {
  if (target !== undefined) return jsonProtocol(deps, req, target);
  try {
    return await dispatchRest(deps, req);
  } catch (e) {
    // REST answers a missing resource with 404 (the JSON protocol, as AWS, with 400)
    if (e instanceof ApiError) return json(e.httpStatus === 400 && /DoesNotExist$|^ResourceNotFound$/.test(e.code) ? 404 : e.httpStatus, { error: e.code, message: e.message });
    throw e;
  }
}
