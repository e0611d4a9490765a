/**
 * The Step Functions Lambda integration (`arn:aws:states:::lambda:invoke[.waitForTaskToken]`) as both
 * task invokers see it: which resources it is, and the response it wraps a function's result in. Shared
 * here, below the adapters, so the AWS invoker does not import the local one (aws/ and local/ are
 * siblings; neither depends on the other).
 */

/** `arn:<partition>:states:::lambda:invoke`, optionally `.waitForTaskToken`. */
export const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** Invoke's response around `payload`, as the integration returns it (the AWS invoker fills in the real metadata). */
export function lambdaInvokeResult(payload: unknown): unknown {
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload === undefined ? null : payload,
    SdkHttpMetadata: { HttpHeaders: {}, HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: 'local' },
    StatusCode: 200,
  };
}
