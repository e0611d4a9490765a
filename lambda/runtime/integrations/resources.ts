/**
 * What a Task state's Resource names, read once: a Lambda function ARN, an optimized service
 * integration (`arn:aws:states:::sqs:sendMessage.waitForTaskToken`), an AWS SDK integration
 * (`arn:aws:states:::aws-sdk:s3:getObject`), an activity, or something else. Pure: the validator,
 * the synth check, the IAM derivation and the worker's dispatch all read resources through it.
 */

export type IntegrationPattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

export type ParsedResource =
  | { kind: 'lambda-function'; functionArn: string; functionName: string; qualifier?: string }
  | { kind: 'optimized'; service: string; action: string; pattern: IntegrationPattern }
  | { kind: 'aws-sdk'; service: string; action: string; pattern: IntegrationPattern }
  | { kind: 'activity'; activityArn: string }
  | { kind: 'other-arn' }
  | { kind: 'name' };

const FUNCTION_ARN = /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+))(?::([^:]+))?$/;
const SERVICE_ARN = /^arn:[^:]+:states:::([a-zA-Z0-9-]+):([a-zA-Z0-9]+)(?:\.(sync:2|sync|waitForTaskToken))?$/;
const SDK_ARN = /^arn:[^:]+:states:::aws-sdk:([a-z0-9-]+):([a-zA-Z0-9]+)(?:\.(sync:2|sync|waitForTaskToken))?$/;
const ACTIVITY_ARN = /^arn:[^:]+:states:[^:]+:\d{12}:activity:[^:]+$/;

export function parseResource(resource: string): ParsedResource {
  const fn = FUNCTION_ARN.exec(resource);
  if (fn) return { kind: 'lambda-function', functionArn: fn[1], functionName: fn[2], ...(fn[3] !== undefined ? { qualifier: fn[3] } : {}) };
  const sdk = SDK_ARN.exec(resource);
  if (sdk) return { kind: 'aws-sdk', service: sdk[1], action: sdk[2], pattern: patternOf(sdk[3]) };
  const svc = SERVICE_ARN.exec(resource);
  if (svc) return { kind: 'optimized', service: svc[1], action: svc[2], pattern: patternOf(svc[3]) };
  if (ACTIVITY_ARN.test(resource)) return { kind: 'activity', activityArn: resource };
  return resource.startsWith('arn:') ? { kind: 'other-arn' } : { kind: 'name' };
}

function patternOf(suffix: string | undefined): IntegrationPattern {
  return suffix === undefined ? 'request-response' : (suffix as IntegrationPattern);
}

/** The suffix a pattern adds to a resource, for messages. */
export function patternSuffix(pattern: IntegrationPattern): string {
  return pattern === 'request-response' ? '' : `.${pattern}`;
}

/**
 * The optimized integrations Stepwright runs, with the patterns each allows (AWS allows the same or
 * more; what is missing here is refused at validation).
 */
export const OPTIMIZED_INTEGRATIONS: ReadonlyMap<string, readonly IntegrationPattern[]> = new Map<string, readonly IntegrationPattern[]>([
  ['lambda:invoke', ['request-response', 'waitForTaskToken']],
  ['states:startExecution', ['request-response', 'sync', 'sync:2', 'waitForTaskToken']],
  ['sqs:sendMessage', ['request-response', 'waitForTaskToken']],
  ['sns:publish', ['request-response', 'waitForTaskToken']],
  ['events:putEvents', ['request-response', 'waitForTaskToken']],
  // AWS's optimized DynamoDB integration is request-response only
  ['dynamodb:getItem', ['request-response']],
  ['dynamodb:putItem', ['request-response']],
  ['dynamodb:updateItem', ['request-response']],
  ['dynamodb:deleteItem', ['request-response']],
]);

/**
 * Services whose jobs run on compute Stepwright has no stand-in for (ECS tasks, Batch jobs, Glue job
 * runs): refused with this reason rather than failing at run time.
 */
export const OUT_OF_REACH: ReadonlyMap<string, string> = new Map([
  ['ecs', 'ECS tasks (ecs:runTask, with or without .sync) are not supported by Stepwright: there is no local stand-in for ECS, and the deployed engine does not poll ECS for completion; start the task from a Lambda function instead'],
  ['batch', 'AWS Batch jobs (batch:submitJob) are not supported by Stepwright; submit the job from a Lambda function instead'],
  ['glue', 'AWS Glue job runs (glue:startJobRun) are not supported by Stepwright; start the job run from a Lambda function instead'],
]);
