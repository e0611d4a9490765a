/**
 * The Step Functions JSON protocol: POST / with `X-Amz-Target: AWSStepFunctions.<Action>`, dates as
 * epoch seconds, errors as {__type, message}, so @aws-sdk/client-sfn works unchanged. One entry of
 * ACTIONS per action, its accepted members in ACTION_FIELDS.
 */
import * as svc from '../runtime/service';
import * as mapRuns from '../runtime/map-runs';
import { startSyncExecution } from '../runtime/express-api';
import * as activities from '../runtime/activities';
import { ApiError, apiError } from '../runtime/api-errors';
import { testState, type TestStateRequest } from '../runtime/test-state';
import type { EngineDeps } from '../runtime/deps';
import type { ExecutionStatus } from '../engine/types';
import { LOGGING_OFF } from '../runtime/execution-logging';
import { AMZ_JSON_HEADERS, allowFields, header, json, optNum, optStr, parseBody, statusFilterOf, str, type HttpRequest, type HttpResponse } from './api-http';

/** Epoch seconds with milliseconds, as the JSON protocol sends timestamps. */
const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

type Action = (deps: EngineDeps, body: Record<string, unknown>, req: HttpRequest) => Promise<unknown>;

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
    // AWS answers { level: 'OFF', includeExecutionData: false } for a machine that set none
    loggingConfiguration: sm.settings?.loggingConfiguration ?? LOGGING_OFF,
  };
}

function executionOut(d: svc.ExecutionDescription) {
  return { ...d, startDate: epoch(d.startDate), stopDate: epoch(d.stopDate), redriveDate: epoch(d.redriveDate) };
}

/**
 * Each action's request members, from AWS's API model (what @aws-sdk/client-sfn may send, e.g. the
 * clientToken it generates for RedriveExecution; members Stepwright does not act on, such as tags or
 * tracingConfiguration, are accepted and ignored as before; loggingConfiguration is kept with the
 * machine and honoured by the worker, runtime/execution-logging.ts), plus Stepwright's extensions:
 * `settings`, `description`, `useLatestDefinition`.
 */
const ACTION_FIELDS: Record<string, readonly string[]> = {
  CreateStateMachine: ['name', 'definition', 'roleArn', 'type', 'loggingConfiguration', 'tags', 'tracingConfiguration', 'publish', 'versionDescription', 'encryptionConfiguration', 'description', 'settings'],
  DescribeStateMachine: ['stateMachineArn', 'includedData'],
  ListStateMachines: ['maxResults', 'nextToken'],
  UpdateStateMachine: ['stateMachineArn', 'definition', 'roleArn', 'loggingConfiguration', 'tracingConfiguration', 'publish', 'versionDescription', 'encryptionConfiguration', 'settings'],
  DeleteStateMachine: ['stateMachineArn'],
  StartExecution: ['stateMachineArn', 'name', 'input', 'traceHeader'],
  StartSyncExecution: ['stateMachineArn', 'name', 'input', 'traceHeader', 'includedData'],
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
  TestState: ['definition', 'roleArn', 'input', 'inspectionLevel', 'revealSecrets', 'variables', 'stateName', 'mock', 'context', 'stateConfiguration'],
  // activities (runtime/activities.ts): tags and encryptionConfiguration are accepted and not used
  CreateActivity: ['name', 'tags', 'encryptionConfiguration'],
  DescribeActivity: ['activityArn'],
  ListActivities: ['maxResults', 'nextToken'],
  DeleteActivity: ['activityArn'],
  GetActivityTask: ['activityArn', 'workerName'],
};

const ACTIONS: Record<string, Action> = {
  CreateStateMachine: async (deps, b) => {
    // `settings` is Stepwright's extension (curl users; the AWS SDK sends only AWS's members)
    const r = await svc.createStateMachine(deps, { name: str(b, 'name'), definition: str(b, 'definition'), roleArn: optStr(b, 'roleArn'), type: optStr(b, 'type'), description: optStr(b, 'description'), settings: b.settings, loggingConfiguration: b.loggingConfiguration });
    return { stateMachineArn: r.stateMachineArn, creationDate: epoch(r.creationDate) };
  },
  DescribeStateMachine: async (deps, b) => smOut(await svc.requireStateMachine(deps, str(b, 'stateMachineArn'))),
  ListStateMachines: async (deps, b) => {
    const page = await svc.listStateMachines(deps, { maxResults: optNum(b, 'maxResults'), nextToken: optStr(b, 'nextToken') });
    return { stateMachines: page.items.map((sm) => ({ stateMachineArn: sm.arn, name: sm.name, type: sm.type, creationDate: epoch(sm.creationDate) })), nextToken: page.nextToken };
  },
  UpdateStateMachine: async (deps, b) => {
    const r = await svc.updateStateMachine(deps, { stateMachineArn: str(b, 'stateMachineArn'), definition: optStr(b, 'definition'), roleArn: optStr(b, 'roleArn'), settings: b.settings, loggingConfiguration: b.loggingConfiguration });
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
  StartSyncExecution: async (deps, b, req) => {
    const r = await startSyncExecution(deps, { stateMachineArn: str(b, 'stateMachineArn'), name: optStr(b, 'name'), input: optStr(b, 'input'), traceHeader: optStr(b, 'traceHeader') ?? header(req, 'x-amzn-trace-id') });
    return { ...r, startDate: epoch(r.startDate), stopDate: epoch(r.stopDate) };
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
      // as AWS: Express executions are not supported by GetExecutionHistory
      refuseExpress: true,
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
  CreateActivity: async (deps, b) => {
    const r = await activities.createActivity(deps, { name: b.name });
    return { activityArn: r.activityArn, creationDate: epoch(r.creationDate) };
  },
  DescribeActivity: async (deps, b) => {
    const a = await activities.describeActivity(deps, { activityArn: b.activityArn });
    return { ...a, creationDate: epoch(a.creationDate) };
  },
  ListActivities: async (deps, b) => {
    const page = await activities.listActivities(deps, { maxResults: optNum(b, 'maxResults'), nextToken: optStr(b, 'nextToken') });
    return { activities: page.items.map((a) => ({ activityArn: a.activityArn, name: a.name, creationDate: epoch(a.creationDate) })), nextToken: page.nextToken };
  },
  DeleteActivity: async (deps, b) => {
    await activities.deleteActivity(deps, { activityArn: b.activityArn });
    return {};
  },
  // In Lambda (the deployed API) the poll ends inside the function's 29 s; elsewhere (the local server) AWS's 60 s
  GetActivityTask: (deps, b) => activities.getActivityTask(deps, { activityArn: b.activityArn, workerName: b.workerName }, process.env.AWS_LAMBDA_FUNCTION_NAME ? { pollSeconds: activities.DEPLOYED_ACTIVITY_POLL_SECONDS } : {}),
  ValidateStateMachineDefinition: (_deps, b) => Promise.resolve(svc.validateStateMachineDefinition(str(b, 'definition'))),
  // runtime/test-state.ts; `context` is accepted and not used (the state sees Stepwright's own $$)
  TestState: (deps, b) => testState(deps, { definition: str(b, 'definition'), roleArn: optStr(b, 'roleArn'), input: optStr(b, 'input'), inspectionLevel: optStr(b, 'inspectionLevel'), revealSecrets: b.revealSecrets === true, variables: optStr(b, 'variables'), stateName: optStr(b, 'stateName'), mock: b.mock as TestStateRequest['mock'], stateConfiguration: b.stateConfiguration as TestStateRequest['stateConfiguration'] }),
};

export async function jsonProtocol(deps: EngineDeps, req: HttpRequest, target: string): Promise<HttpResponse> {
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
