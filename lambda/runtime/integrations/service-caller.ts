/**
 * The port through which service integrations call AWS APIs: one method, service + action + input in
 * the API's own (PascalCase) shape. The adapter (aws/sdk-service-caller.ts) sends it with the AWS SDK
 * for JavaScript v3, to AWS or to the endpoint the local config names; integrations here only shape
 * requests and results and name errors, so they run the same on both.
 */
import type { TaskInvoker } from '../../ports';

export interface ServiceResponse {
  /** the API's response fields (PascalCase), without the SDK's $metadata */
  output: Record<string, unknown>;
  httpStatusCode: number;
  requestId: string;
}

export interface ServiceCaller {
  /**
   * `service`: Step Functions' service name (`sqs`, `dynamodb`, `sns`, `eventbridge`, `s3`...);
   * `action`: the API action in PascalCase (`SendMessage`). Throws ServiceCallError.
   */
  call(service: string, action: string, input: Record<string, unknown>): Promise<ServiceResponse>;
  /** whether the client package for an aws-sdk integration can be loaded */
  sdkClientInstalled(packageName: string): boolean;
}

/**
 * A failed call, already sorted: `service` when the service answered with an error (`code` is its
 * error code, e.g. ConditionalCheckFailedException), `client` when the call did not get an answer
 * (network, timeout, no endpoint configured locally), `unknown-action` when the client has no such command.
 */
export class ServiceCallError extends Error {
  name = 'ServiceCallError';
  constructor(
    public readonly kind: 'service' | 'client' | 'unknown-action',
    public readonly code: string,
    message: string,
    public readonly httpStatusCode?: number,
    public readonly requestId?: string,
  ) {
    super(message);
  }
}

/** A task invoker that knows which AWS SDK clients are installed (the service-integration invoker). */
export interface SdkAwareInvoker {
  sdkClientInstalled(packageName: string): boolean;
}

/** The invoker's check of installed SDK clients, if it has one (used when CreateStateMachine validates). */
export function sdkClientCheckOf(invoker: TaskInvoker): ((packageName: string) => boolean) | undefined {
  const aware = invoker as Partial<SdkAwareInvoker>;
  return typeof aware.sdkClientInstalled === 'function' ? (pkg) => aware.sdkClientInstalled!(pkg) : undefined;
}

/** The metadata Step Functions' optimized integrations add to every result (from the Java SDK). */
export function sdkMetadata(res: Pick<ServiceResponse, 'httpStatusCode' | 'requestId'>): Record<string, unknown> {
  return {
    SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: res.httpStatusCode },
    SdkResponseMetadata: { RequestId: res.requestId },
  };
}
