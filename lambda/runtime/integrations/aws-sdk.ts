/**
 * `arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]`: the task's parameters (PascalCase,
 * as the API names them) are the command's input; the result is the API's response without the SDK's
 * metadata, as AWS returns it. Errors: `<Service>.<ErrorCode>` with the Exception suffix Step Functions
 * adds (`S3.NoSuchKeyException`, `DynamoDb.ConditionalCheckFailedException`); no answer:
 * `<Service>.SdkClientException`.
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import { isObject, serviceFailure } from './failures';
import { apiActionName, sdkErrorPrefix } from './sdk-names';
import type { ServiceCaller } from './service-caller';

export async function awsSdkCall(caller: ServiceCaller, req: TaskRequest, service: string, action: string): Promise<TaskOutcome> {
  const params = isObject(req.input) ? req.input : {};
  const prefix = sdkErrorPrefix(service);
  try {
    const res = await caller.call(service, apiActionName(action), params);
    return { ok: true, output: res.output };
  } catch (e) {
    return serviceFailure({ prefix, javaService: prefix }, e);
  }
}
