/**
 * A TaskInvoker that runs service integrations (SQS, SNS, DynamoDB, EventBridge, aws-sdk) through a
 * ServiceCaller and hands every other resource to the invoker behind it (Lambda on AWS, local
 * functions on a laptop). Callback resources (`.waitForTaskToken`): the call is made and the outcome
 * is `{ ok: true, output: undefined }`; the task finishes when someone calls SendTaskSuccess/Failure.
 */
import type { TaskInvoker, TaskOutcome, TaskRequest } from '../../ports';
import { isCallbackResource } from '../../engine/definition';
import { serviceIntegrationFor } from './index';
import type { SdkAwareInvoker, ServiceCaller } from './service-caller';

/** How long a service integration's call (SQS, SNS, DynamoDB, EventBridge, an AWS SDK action) may take at most, for inline tasks. */
const SERVICE_CALL_SECONDS = 60;

export class ServiceIntegrationInvoker implements TaskInvoker, SdkAwareInvoker {
  /**
   * `callerFor`: the caller for one task (on AWS, one whose clients hold the task's state machine's
   * assumed role); default: `caller` for every task.
   */
  constructor(
    private readonly inner: TaskInvoker,
    private readonly caller: ServiceCaller,
    private readonly callerFor?: (req: TaskRequest) => Promise<ServiceCaller>,
  ) {}

  async invoke(req: TaskRequest): Promise<TaskOutcome> {
    const integration = serviceIntegrationFor(req.resource);
    if (!integration) return this.inner.invoke(req);
    const caller = this.callerFor ? await this.callerFor(req) : this.caller;
    const outcome = await integration(caller, req);
    return outcome.ok && isCallbackResource(req.resource) ? { ok: true, output: undefined } : outcome;
  }

  /** A service call is bounded by its SDK client (undefined: the caller's default); a Lambda task by its function. */
  async longestRunSeconds(req: Pick<TaskRequest, 'resource' | 'input' | 'executionArn'>): Promise<number | undefined> {
    if (serviceIntegrationFor(req.resource)) return SERVICE_CALL_SECONDS;
    return this.inner.longestRunSeconds?.(req);
  }

  sdkClientInstalled(packageName: string): boolean {
    return this.caller.sdkClientInstalled(packageName);
  }
}
