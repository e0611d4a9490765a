/**
 * The one registry of Task resources that are not a plain Lambda call, in two parts:
 * - engine-answered integrations (`integrationFor`), which need the engine itself (states:startExecution);
 *   the worker asks here first;
 * - service integrations (`serviceIntegrationFor`), which call an AWS API through a ServiceCaller:
 *   SQS, SNS, DynamoDB, EventBridge and any aws-sdk:<service>:<action>. ServiceIntegrationInvoker
 *   (service-invoker.ts) runs them in front of the Lambda task invoker.
 * What may be named at all is decided by support.ts from resources.ts's catalog, at validation.
 * Engine-answered resources that answer later (`answersLater`): .waitForTaskToken callbacks, nested
 * executions with .sync/.sync:2 (the child's end answers, start-execution-sync.ts) and activities (a
 * worker answers through SendTaskSuccess/Failure, activity.ts).
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import type { EngineDeps } from '../deps';
import { awsSdkCall } from './aws-sdk';
import { dynamoDbIntegration } from './dynamodb';
import { eventBridgePutEvents } from './eventbridge';
import { parseResource } from './resources';
import type { ServiceCaller } from './service-caller';
import { snsPublish } from './sns';
import { sqsSendMessage } from './sqs';
import { startExecutionIntegration } from './start-execution';
import { activityIntegration } from './activity';
import { isCallbackResource } from '../../engine/definition';

/** `waitToken`: the execution's wait token for this task attempt (the answer is applied by it) */
type Integration = (deps: EngineDeps, req: TaskRequest, waitToken: string) => Promise<TaskOutcome>;
export type ServiceIntegration = (caller: ServiceCaller, req: TaskRequest) => Promise<TaskOutcome>;

// Maps, not object literals: the resource is the user's string, and INTEGRATIONS['constructor'] would be
// Object itself, "called" as an integration in the worker.
const INTEGRATIONS = new Map<string, Integration>([
  ['states:startExecution', (deps, req, waitToken) => {
    const parsed = parseResource(req.resource);
    return startExecutionIntegration(deps, req, parsed.kind === 'optimized' ? parsed.pattern : 'request-response', waitToken);
  }],
]);

export function integrationFor(resource: string): Integration | undefined {
  const parsed = parseResource(resource);
  if (parsed.kind === 'activity') return activityIntegration;
  if (parsed.kind === 'optimized') return INTEGRATIONS.get(`${parsed.service}:${parsed.action}`);
  return undefined;
}

/**
 * Whether a task's answer comes later, not from its invocation: the worker then leaves the task
 * waiting, and does not invoke it again while another delivery holds the attempt (it was handed out).
 */
export function answersLater(resource: string): boolean {
  if (isCallbackResource(resource)) return true;
  const parsed = parseResource(resource);
  if (parsed.kind === 'activity') return true;
  return parsed.kind === 'optimized' && parsed.service === 'states' && parsed.action === 'startExecution' && (parsed.pattern === 'sync' || parsed.pattern === 'sync:2');
}

/** Optimized service integrations by `service:action` (the pattern suffix is the worker's business). */
const SERVICE_INTEGRATIONS = new Map<string, ServiceIntegration>([
  ['sqs:sendMessage', sqsSendMessage],
  ['sns:publish', snsPublish],
  ['events:putEvents', eventBridgePutEvents],
  ['dynamodb:getItem', dynamoDbIntegration('getItem')],
  ['dynamodb:putItem', dynamoDbIntegration('putItem')],
  ['dynamodb:updateItem', dynamoDbIntegration('updateItem')],
  ['dynamodb:deleteItem', dynamoDbIntegration('deleteItem')],
]);

/** The service integration that runs `resource`, or undefined (a Lambda task, or nothing we run). */
export function serviceIntegrationFor(resource: string): ServiceIntegration | undefined {
  const parsed = parseResource(resource);
  if (parsed.kind === 'aws-sdk') return (caller, req) => awsSdkCall(caller, req, parsed.service, parsed.action);
  if (parsed.kind === 'optimized') return SERVICE_INTEGRATIONS.get(`${parsed.service}:${parsed.action}`);
  return undefined;
}
