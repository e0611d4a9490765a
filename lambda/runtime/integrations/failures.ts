/**
 * How a failed service call becomes a Task failure, named as Step Functions names it so Retry and
 * Catch written for AWS match: `<Prefix>.<ErrorCode>` (with AWS's `Exception` suffix), e.g.
 * `DynamoDB.ConditionalCheckFailedException`, `SQS.QueueDoesNotExistException`; a call that got no
 * answer is `<Prefix>.SdkClientException`. The cause carries the message with the Java SDK's
 * suffix, as AWS shows it.
 */
import type { TaskOutcome } from '../../ports';
import { ServiceCallError } from './service-caller';

export interface ServiceNames {
  /** the error prefix: `SQS`, `SNS`, `DynamoDB`, `EventBridge`, or an aws-sdk service's `S3`, `DynamoDb` */
  prefix: string;
  /** the Java SDK's service name in causes: `AmazonSQS`, `AmazonDynamoDBv2`... */
  javaService: string;
}

export function serviceFailure(names: ServiceNames, e: unknown): Extract<TaskOutcome, { ok: false }> {
  if (!(e instanceof ServiceCallError)) {
    return { ok: false, error: `${names.prefix}.SdkClientException`, cause: e instanceof Error ? e.message : String(e) };
  }
  if (e.kind === 'client') return { ok: false, error: `${names.prefix}.SdkClientException`, cause: e.message };
  if (e.kind === 'unknown-action') return { ok: false, error: 'States.Runtime', cause: e.message };
  const code = e.code.endsWith('Exception') ? e.code : `${e.code}Exception`;
  const suffix = `(Service: ${names.javaService}; Status Code: ${e.httpStatusCode ?? 'null'}; Error Code: ${e.code}; Request ID: ${e.requestId ?? 'null'}; Proxy: null)`;
  return { ok: false, error: `${names.prefix}.${code}`, cause: `${e.message} ${suffix}` };
}

/** A parameter the API requires is missing or of the wrong type: AWS fails the task before calling. */
export function parameterFailure(resource: string, field: string, expected: string): Extract<TaskOutcome, { ok: false }> {
  return { ok: false, error: 'States.Runtime', cause: `An error occurred while executing the state '${resource}': the field '${field}' must be ${expected}.` };
}

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Step Functions serialises a JSON value given where the API takes a string (MessageBody, Message, Detail). */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
