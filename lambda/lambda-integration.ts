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

/**
 * The function's name in every form Lambda's FunctionName accepts: a full ARN
 * (`arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]`), a partial ARN
 * (`123456789012:function:name[:qualifier]`), or a name with or without a qualifier (`name:prod`, `name:7`).
 */
export function functionNameOf(nameOrArn: string): string {
  const full = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(nameOrArn);
  if (full) return full[1];
  const partial = /^\d{12}:function:([^:]+)/.exec(nameOrArn);
  if (partial) return partial[1];
  const qualified = /^([^:]+):[^:]+$/.exec(nameOrArn);
  return qualified ? qualified[1] : nameOrArn;
}
