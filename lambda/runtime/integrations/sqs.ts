/**
 * `arn:aws:states:::sqs:sendMessage[.waitForTaskToken]`: SendMessage with the task's parameters
 * (QueueUrl, MessageBody — a JSON value is sent as its text — DelaySeconds, MessageAttributes,
 * MessageGroupId, MessageDeduplicationId); the result is SendMessage's response with the SDK metadata
 * Step Functions adds. Errors: `SQS.<ErrorCode>Exception` (e.g. SQS.QueueDoesNotExistException).
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import { asText, isObject, parameterFailure, serviceFailure } from './failures';
import { sdkMetadata, type ServiceCaller } from './service-caller';

export const SQS_NAMES = { prefix: 'SQS', javaService: 'AmazonSQS' };

export async function sqsSendMessage(caller: ServiceCaller, req: TaskRequest): Promise<TaskOutcome> {
  const params = isObject(req.input) ? req.input : {};
  if (typeof params.QueueUrl !== 'string' || params.QueueUrl === '') return parameterFailure(req.stateName, 'QueueUrl', 'a queue URL');
  if (params.MessageBody === undefined) return parameterFailure(req.stateName, 'MessageBody', 'given');
  try {
    const res = await caller.call('sqs', 'SendMessage', { ...params, MessageBody: asText(params.MessageBody) });
    return { ok: true, output: { ...res.output, ...sdkMetadata(res) } };
  } catch (e) {
    return serviceFailure(SQS_NAMES, e);
  }
}
