/**
 * Names around `arn:aws:states:::aws-sdk:<service>:<action>`: the service as Step Functions spells it
 * (lower case), the npm package of its AWS SDK for JavaScript v3 client, the command's class name, and
 * the PascalCase prefix Step Functions puts on the service's errors (`S3.NoSuchKeyException`).
 * Pure string work; which packages are installed is asked of the adapters.
 */

/** Step Functions' service names whose v3 client package is spelled differently. */
const PACKAGE_NAMES: ReadonlyMap<string, string> = new Map([
  ['acmpca', 'acm-pca'],
  ['cloudwatchlogs', 'cloudwatch-logs'],
  ['sfn', 'sfn'],
  ['secretsmanager', 'secrets-manager'],
  ['apigateway', 'api-gateway'],
  ['elasticloadbalancingv2', 'elastic-load-balancing-v2'],
]);

/**
 * Step Functions names errors after the service's Java SDK v2 client (`DynamoDb`, `Sqs`, `AcmPca`):
 * one capital per word, which the lower-case service name does not tell, hence this table.
 */
const ERROR_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['dynamodb', 'DynamoDb'],
  ['acmpca', 'AcmPca'],
  ['eventbridge', 'EventBridge'],
  ['secretsmanager', 'SecretsManager'],
  ['cloudwatch', 'CloudWatch'],
  ['cloudwatchlogs', 'CloudWatchLogs'],
  ['apigateway', 'ApiGateway'],
  ['stepfunctions', 'Sfn'],
]);

/** `@aws-sdk/client-<name>` for a Step Functions service name. */
export function sdkPackageFor(service: string): string {
  return `@aws-sdk/client-${PACKAGE_NAMES.get(service) ?? service}`;
}

/** `getObject` -> `GetObjectCommand`. */
export function commandNameFor(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
}

/** `getObject` -> `GetObject` (the action as IAM and the API name it). */
export function apiActionName(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
}

/** `s3` -> `S3`, `dynamodb` -> `DynamoDb`: the prefix of the integration's error names. */
export function sdkErrorPrefix(service: string): string {
  return ERROR_PREFIXES.get(service) ?? `${service.charAt(0).toUpperCase()}${service.slice(1)}`;
}

/**
 * Step Functions' rule for AWS SDK integration errors: `<Service>.<Name>`, with an `Exception` suffix
 * added when the service's own error name lacks it (S3's `NoSuchKey` is `S3.NoSuchKeyException`).
 */
export function sdkErrorName(prefix: string, code: string): string {
  return `${prefix}.${code.endsWith('Exception') ? code : `${code}Exception`}`;
}
