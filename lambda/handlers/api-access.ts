/**
 * What one HTTP request asks to do, for the access check (runtime/access.ts): its Step Functions
 * action and the state machine it touches, from the JSON protocol's target and body or the REST
 * route. Read before the action runs, so a refused request changes nothing.
 *
 * A request whose target cannot be read (a field missing, an ARN of another shape) is attributed to
 * no state machine: only a grant on every machine ('*') allows it, and the action itself then
 * answers with its usual ValidationException.
 */
import { stateMachineNameOf, type AccessRequest, type ApiAction } from '../runtime/access';
import { parseResource } from '../runtime/integrations/resources';
import { stateMachineArnFor } from '../runtime/service';
import { activityArnFor } from '../runtime/activities';
import { taskTokensOf } from '../runtime/task-tokens';
import type { EngineDeps } from '../runtime/deps';
import type { HttpRequest } from './api-http';

/** No state machine: matches only grants on '*'. */
const UNKNOWN = '';

/**
 * Where each JSON-protocol action names its resource. 'engine': engine-wide (creating, deleting and
 * listing activities; TestState, which runs tasks with a role it is given): only grants on every
 * machine allow it. 'activityArn': one activity, which its workers' grant allows (StepwrightActivity.grant).
 */
const JSON_RESOURCE: Record<ApiAction, 'name' | 'stateMachineArn' | 'executionArn' | 'mapRunArn' | 'taskToken' | 'list' | 'none' | 'engine' | 'activityArn'> = {
  CreateStateMachine: 'name',
  DescribeStateMachine: 'stateMachineArn',
  UpdateStateMachine: 'stateMachineArn',
  DeleteStateMachine: 'stateMachineArn',
  StartExecution: 'stateMachineArn',
  ListExecutions: 'list',
  DescribeExecution: 'executionArn',
  GetExecutionHistory: 'executionArn',
  StopExecution: 'executionArn',
  RedriveExecution: 'executionArn',
  ListMapRuns: 'executionArn',
  DescribeMapRun: 'mapRunArn',
  SendTaskSuccess: 'taskToken',
  SendTaskFailure: 'taskToken',
  SendTaskHeartbeat: 'taskToken',
  ListStateMachines: 'none',
  ValidateStateMachineDefinition: 'none',
  StartSyncExecution: 'stateMachineArn',
  TestState: 'engine',
  CreateActivity: 'engine',
  DescribeActivity: 'activityArn',
  ListActivities: 'engine',
  DeleteActivity: 'engine',
  GetActivityTask: 'activityArn',
};

/** REST routes (api-rest-routes.ts) by method and path shape: the action and where its resource is. */
const REST: { method: string; path: RegExp; action: ApiAction; resource: 'name' | 'arn' | 'body-name' | 'taskToken' | 'none' | 'activity' }[] = [
  { method: 'POST', path: /^\/state-machines$/, action: 'CreateStateMachine', resource: 'body-name' },
  { method: 'GET', path: /^\/state-machines$/, action: 'ListStateMachines', resource: 'none' },
  { method: 'GET', path: /^\/state-machines\/[^/]+$/, action: 'DescribeStateMachine', resource: 'name' },
  { method: 'PUT', path: /^\/state-machines\/[^/]+$/, action: 'UpdateStateMachine', resource: 'name' },
  { method: 'DELETE', path: /^\/state-machines\/[^/]+$/, action: 'DeleteStateMachine', resource: 'name' },
  { method: 'POST', path: /^\/state-machines\/[^/]+\/executions$/, action: 'StartExecution', resource: 'name' },
  { method: 'GET', path: /^\/state-machines\/[^/]+\/executions$/, action: 'ListExecutions', resource: 'name' },
  { method: 'GET', path: /^\/executions\/[^/]+$/, action: 'DescribeExecution', resource: 'arn' },
  { method: 'GET', path: /^\/executions\/[^/]+\/history$/, action: 'GetExecutionHistory', resource: 'arn' },
  { method: 'GET', path: /^\/executions\/[^/]+\/map-runs$/, action: 'ListMapRuns', resource: 'arn' },
  { method: 'POST', path: /^\/executions\/[^/]+\/redrive$/, action: 'RedriveExecution', resource: 'arn' },
  { method: 'POST', path: /^\/executions\/[^/]+\/stop$/, action: 'StopExecution', resource: 'arn' },
  { method: 'GET', path: /^\/map-runs\/[^/]+$/, action: 'DescribeMapRun', resource: 'arn' },
  { method: 'GET', path: /^\/map-runs\/[^/]+\/results$/, action: 'DescribeMapRun', resource: 'arn' },
  { method: 'GET', path: /^\/map-runs\/[^/]+\/executions$/, action: 'ListExecutions', resource: 'arn' },
  { method: 'POST', path: /^\/tasks\/success$/, action: 'SendTaskSuccess', resource: 'taskToken' },
  { method: 'POST', path: /^\/tasks\/failure$/, action: 'SendTaskFailure', resource: 'taskToken' },
  { method: 'POST', path: /^\/tasks\/heartbeat$/, action: 'SendTaskHeartbeat', resource: 'taskToken' },
  // an activity's workers (creating, listing and deleting activities stay admin-only: not listed)
  { method: 'GET', path: /^\/activities\/[^/]+$/, action: 'DescribeActivity', resource: 'activity' },
  { method: 'POST', path: /^\/activities\/[^/]+\/task$/, action: 'GetActivityTask', resource: 'activity' },
];

function bodyOf(req: HttpRequest): Record<string, unknown> {
  try {
    const v: unknown = req.body ? JSON.parse(req.body) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function byArn(action: ApiAction, arn: unknown): AccessRequest {
  const resource = typeof arn === 'string' ? arn : '*';
  return { action, stateMachine: typeof arn === 'string' ? (stateMachineNameOf(arn) ?? UNKNOWN) : UNKNOWN, resource };
}

function byName(deps: EngineDeps, action: ApiAction, name: unknown): AccessRequest {
  if (typeof name !== 'string') return { action, stateMachine: UNKNOWN, resource: '*' };
  return name.startsWith('arn:') ? byArn(action, name) : { action, stateMachine: name, resource: stateMachineArnFor(deps, name) };
}

/** An activity's ARN (arn:<p>:states:<region>:<account>:activity:<name>): its name, which a worker's grant names. */
function byActivityArn(action: ApiAction, arn: unknown): AccessRequest {
  const parsed = typeof arn === 'string' ? parseResource(arn) : undefined;
  if (parsed?.kind !== 'activity') return { action, stateMachine: UNKNOWN, resource: '*' };
  return { action, stateMachine: UNKNOWN, resource: parsed.activityArn, activity: parsed.activityArn.slice(parsed.activityArn.lastIndexOf(':') + 1) };
}

/**
 * A task token names the execution it answers (checked by its MAC); a token that fails the check is
 * refused later as InvalidToken. The token of an activity task is answered by that activity's workers
 * too (as IAM allows states:SendTask* on the activity's ARN): the execution's snapshot says which
 * activity the waiting Task names (one read of the record, only for a genuine token).
 */
async function byToken(deps: EngineDeps, action: ApiAction, token: unknown): Promise<AccessRequest> {
  if (typeof token !== 'string' || !deps.taskTokens) return { action, stateMachine: UNKNOWN, resource: '*' };
  const verified = (await taskTokensOf(deps)).verify(token);
  if (!verified) return { action, stateMachine: UNKNOWN, resource: '*' };
  const request = byArn(action, verified.executionArn);
  const rec = await deps.store.getExecution(verified.executionArn);
  const waiting = Object.values(rec?.snapshot?.runs ?? {}).find((r) => r.waiting?.kind === 'task' && r.waiting.token === verified.token)?.waiting;
  const activity = waiting?.kind === 'task' ? byActivityArn(action, waiting.resource).activity : undefined;
  return activity === undefined ? request : { ...request, activity };
}

/**
 * The JSON protocol's request. An action not listed here (added to the API after this table) is
 * attributed to no state machine, so only an admin grant allows it: new actions are closed by default.
 */
export async function jsonAccessRequest(deps: EngineDeps, req: HttpRequest, target: string): Promise<AccessRequest> {
  const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : target;
  if (!Object.prototype.hasOwnProperty.call(JSON_RESOURCE, action)) return { action, stateMachine: UNKNOWN, resource: '*' };
  const a = action as ApiAction;
  const b = bodyOf(req);
  switch (JSON_RESOURCE[a]) {
    case 'name':
      return byName(deps, a, b.name);
    case 'stateMachineArn':
      return byArn(a, b.stateMachineArn);
    case 'executionArn':
      return byArn(a, b.executionArn);
    case 'mapRunArn':
      return byArn(a, b.mapRunArn);
    case 'list':
      return byArn(a, b.mapRunArn ?? b.stateMachineArn);
    case 'taskToken':
      return byToken(deps, a, b.taskToken);
    case 'none':
      return { action: a, stateMachine: '*', resource: '*' };
    case 'engine':
      return { action: a, stateMachine: UNKNOWN, resource: '*' };
    case 'activityArn':
      return byActivityArn(a, b.activityArn);
  }
}

/**
 * A REST route's request. A path not listed here (a route added later, or none at all) is allowed
 * by an admin grant only: others get AccessDeniedException rather than reach an unchecked route.
 */
export async function restAccessRequest(deps: EngineDeps, req: HttpRequest): Promise<AccessRequest> {
  const method = req.method.toUpperCase();
  const found = REST.find((x) => x.method === method && x.path.test(req.path));
  if (!found) return { action: `${method} ${req.path}`, stateMachine: UNKNOWN, resource: '*' };
  // POST .../executions?sync=true waits for the end: StartSyncExecution
  const r = found.action === 'StartExecution' && req.query.sync === 'true' ? { ...found, action: 'StartSyncExecution' as const } : found;
  let param: string | undefined;
  try {
    param = req.path.split('/').filter(Boolean).map(decodeURIComponent)[1];
  } catch {
    param = undefined; // a malformed %-escape: the route answers it with a ValidationException
  }
  switch (r.resource) {
    case 'name':
      return byName(deps, r.action, param);
    case 'arn':
      return byArn(r.action, param);
    case 'body-name':
      return byName(deps, r.action, bodyOf(req).name);
    case 'taskToken':
      return byToken(deps, r.action, bodyOf(req).taskToken);
    case 'none':
      return { action: r.action, stateMachine: '*', resource: '*' };
    case 'activity':
      // by name or ARN, as the route takes it (api-rest-routes.ts activityArnOf)
      return byActivityArn(r.action, param === undefined || param.startsWith('arn:') ? param : activityArnFor(deps, param));
  }
}
