/**
 * `arn:aws:states:::sns:publish[.waitForTaskToken]`: Publish with the task's parameters (TopicArn,
 * TargetArn or PhoneNumber; Message — a JSON value is sent as its text —, Subject, MessageAttributes,
 * MessageStructure, MessageGroupId, MessageDeduplicationId); the result is Publish's response
 * ({MessageId}) with the SDK metadata. Errors: `SNS.<ErrorCode>Exception` (SNS.NotFoundException...).
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import { asText, isObject, parameterFailure, serviceFailure } from './failures';
import { sdkMetadata, type ServiceCaller } from './service-caller';

export const SNS_NAMES = { prefix: 'SNS', javaService: 'AmazonSNS' };

export async function snsPublish(caller: ServiceCaller, req: TaskRequest): Promise<TaskOutcome> {
  const params = isObject(req.input) ? req.input : {};
  if (params.Message === undefined) return parameterFailure(req.stateName, 'Message', 'given');
  if (![params.TopicArn, params.TargetArn, params.PhoneNumber].some((v) => typeof v === 'string')) {
    return parameterFailure(req.stateName, 'TopicArn', 'a topic ARN (or give TargetArn or PhoneNumber)');
  }
  try {
    const res = await caller.call('sns', 'Publish', { ...params, Message: asText(params.Message) });
    return { ok: true, output: { ...res.output, ...sdkMetadata(res) } };
  } catch (e) {
    return serviceFailure(SNS_NAMES, e);
  }
}
