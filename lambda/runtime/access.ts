/**
 * Who may do what: the grants a deployment records (StepwrightStateMachine.grant*, engine.grantAdmin)
 * and the check the API makes against the caller's IAM identity before it runs an action.
 *
 * API Gateway's IAM authorizer proves who signed the request; it cannot tell one JSON-protocol action
 * from another (every one is POST /). So the engine checks each request here: action and state machine
 * against the grants. Pure: no I/O; the caller comes from the request context (handlers/api.ts) or, in
 * tests of the local server, from a header honoured only when configured (handlers/api-router.ts).
 *
 * A grant names a principal (an IAM role ARN, a user ARN, or an account id), a state machine by name
 * (or '*': every machine, including those created at run time) and actions (Step Functions' action
 * names, or a group: '@start', '@read', '@task', '@redrive', '@admin', '*').
 */
import { ApiError } from './api-errors';

/** The Step Functions actions the API serves, as IAM names them (without the `states:` prefix). */
export const API_ACTIONS = [
  'CreateStateMachine', 'DescribeStateMachine', 'ListStateMachines', 'UpdateStateMachine', 'DeleteStateMachine',
  'StartExecution', 'DescribeExecution', 'ListExecutions', 'GetExecutionHistory', 'StopExecution', 'RedriveExecution',
  'DescribeMapRun', 'ListMapRuns', 'SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat', 'ValidateStateMachineDefinition',
  'StartSyncExecution', 'TestState', 'CreateActivity', 'DescribeActivity', 'ListActivities', 'DeleteActivity', 'GetActivityTask',
] as const;
export type ApiAction = (typeof API_ACTIONS)[number];

/**
 * The groups the construct's grant methods record (short, so many grants fit the API function's
 * environment), mirroring what sfn.StateMachine's grant methods give.
 */
export const ACTION_GROUPS: Readonly<Record<string, readonly ApiAction[]>> = {
  '@start': ['StartExecution'],
  '@read': ['DescribeStateMachine', 'ListStateMachines', 'ListExecutions', 'DescribeExecution', 'GetExecutionHistory', 'DescribeMapRun', 'ListMapRuns', 'ValidateStateMachineDefinition'],
  '@task': ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'],
  '@redrive': ['RedriveExecution'],
  // an activity's workers (StepwrightActivity.grant), as IAM's states:GetActivityTask and states:SendTask* on its ARN
  '@activity': ['GetActivityTask', 'DescribeActivity', 'SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'],
  '@admin': [...API_ACTIONS],
  '*': [...API_ACTIONS],
};

/** One grant: [principal, state machine name or '*', actions (names or groups)]. */
export type Grant = readonly [principal: string, stateMachine: string, actions: readonly string[]];

/** The recorded grants, as the construct writes them (JSON) and the API reads them once per process. */
export interface AccessPolicy {
  readonly grants: readonly Grant[];
}

/** The caller as API Gateway's IAM authorizer reports it (requestContext.authorizer.iam). */
export interface Caller {
  /** e.g. arn:aws:iam::123456789012:user/alice or arn:aws:sts::123456789012:assumed-role/Ops/session */
  readonly userArn?: string;
  readonly accountId?: string;
}

/**
 * What one request asks to do: the action, and the state machine it touches ('*' for engine-wide ones).
 * An action this module does not know (one added to the API later) is allowed by '*' / '@admin' grants only.
 */
export interface AccessRequest {
  readonly action: string;
  /** the state machine's name (CreateStateMachine: the one to create); '*' for ListStateMachines and ValidateStateMachineDefinition */
  readonly stateMachine: string;
  /** the ARN shown in the refusal */
  readonly resource: string;
  /**
   * The activity it touches, by name (GetActivityTask, DescribeActivity, or SendTask* with the token of
   * an activity task): a grant on `activity:<name>` (activityGrantKey) allows it too.
   */
  readonly activity?: string;
}

/**
 * The key a grant on an activity records in place of a state machine name: `activity:<name>`. A
 * state machine's name cannot hold ':' (AWS's naming rule), so the two never clash.
 */
export function activityGrantKey(activityName: string): string {
  return `activity:${activityName}`;
}

/** Expands a grant's action list (groups included); an unknown name is an error naming it. */
export function expandActions(actions: readonly string[], where = 'actions'): Set<ApiAction> {
  const out = new Set<ApiAction>();
  for (const a of actions) {
    const bare = a.startsWith('states:') ? a.slice('states:'.length) : a;
    const group = ACTION_GROUPS[bare];
    if (group) for (const g of group) out.add(g);
    else if ((API_ACTIONS as readonly string[]).includes(bare)) out.add(bare as ApiAction);
    else throw new Error(`${where}: '${a}' is not an action the Stepwright API serves (one of ${API_ACTIONS.join(', ')}, or a group ${Object.keys(ACTION_GROUPS).join(', ')})`);
  }
  return out;
}

/** Reads the policy the construct recorded (STEPWRIGHT_ACCESS_GRANTS); bad text is an error naming the field. */
export function parseAccessPolicy(text: string, where = 'STEPWRIGHT_ACCESS_GRANTS'): AccessPolicy {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new Error(`${where} must be a JSON array of [principal, stateMachine, actions]`);
  const grants = v.map((g: unknown, i): Grant => {
    if (!Array.isArray(g) || g.length !== 3 || typeof g[0] !== 'string' || typeof g[1] !== 'string' || !Array.isArray(g[2]) || !g[2].every((a) => typeof a === 'string')) {
      throw new Error(`${where}/${i} must be [principal, stateMachine, [action, ...]] (strings)`);
    }
    expandActions(g[2], `${where}/${i}/2`);
    return [g[0], g[1], g[2]];
  });
  return { grants };
}

/**
 * Does this principal (as the grant names it) stand for the caller? Roles match the sessions assumed
 * from them (arn:<p>:sts::<acct>:assumed-role/<name>/<session>: the role's path is not in that ARN,
 * so account and name are compared); users match their ARN; a 12-digit account id matches every
 * caller of that account.
 */
export function principalMatches(principal: string, caller: Caller): boolean {
  const callerArn = caller.userArn;
  const callerAccount = caller.accountId ?? (callerArn ? accountOf(callerArn) : undefined);
  if (/^\d{12}$/.test(principal)) return callerAccount === principal;
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal);
  if (root) return callerAccount === root[1];
  if (!callerArn) return false;
  const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(principal);
  if (role) {
    const assumed = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
    if (assumed) return assumed[1] === role[1] && assumed[2] === role[2];
    return callerArn === principal;
  }
  return callerArn === principal;
}

function accountOf(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** May the caller do this? */
export function isAllowed(policy: AccessPolicy, caller: Caller | undefined, request: AccessRequest): boolean {
  if (!caller) return false;
  return policy.grants.some(([principal, machine, actions]) =>
    (machine === '*' || machine === request.stateMachine || (request.stateMachine === '*' && grantsEngineWide(request.action)) ||
      (request.activity !== undefined && machine === activityGrantKey(request.activity))) &&
    principalMatches(principal, caller) &&
    (actions.some((a) => a === '*' || a === '@admin') || expandActions(actions).has(request.action as ApiAction)));
}

/**
 * Engine-wide reads are open to whoever may read any one machine: ListStateMachines (the router then
 * shows only the machines the caller may describe) and ValidateStateMachineDefinition (reads nothing).
 */
function grantsEngineWide(action: string): boolean {
  return action === 'ListStateMachines' || action === 'ValidateStateMachineDefinition';
}

/** The state machines (by name) this caller may describe, or '*' for all: filters ListStateMachines. */
export function describableMachines(policy: AccessPolicy, caller: Caller): '*' | Set<string> {
  const names = new Set<string>();
  for (const [principal, machine, actions] of policy.grants) {
    if (!principalMatches(principal, caller) || !expandActions(actions).has('DescribeStateMachine')) continue;
    if (machine === '*') return '*';
    names.add(machine);
  }
  return names;
}

/** AWS's refusal, worded as IAM words it, so the caller sees which action on which resource to ask for. */
export function accessDenied(caller: Caller | undefined, request: AccessRequest): ApiError {
  const who = caller?.userArn ?? caller?.accountId ?? 'an unidentified caller';
  return new ApiError(
    'AccessDeniedException',
    `User: ${who} is not authorized to perform: states:${request.action} on resource: ${request.resource} because no Stepwright grant allows it (grant it with the state machine's grant* methods or engine.grantAdmin)`,
  );
}

/**
 * The state machine an ARN belongs to: its own name for a state machine, the machine's for an
 * execution, a spread child (<machine>/<label>...) or a Map Run (arn:...:mapRun:<machine>/<label>:<id>).
 */
export function stateMachineNameOf(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states') return undefined;
  if (!['stateMachine', 'execution', 'mapRun', 'express'].includes(parts[5])) return undefined;
  const name = parts[6].split('/')[0];
  return name === '' ? undefined : name;
}
