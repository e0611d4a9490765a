/**
 * Runs Task states on AWS Lambda, reporting results and errors the way Step Functions does, so Retry
 * and Catch written for AWS match the same names here.
 *
 * Two resource styles:
 * - a function ARN (`arn:aws:lambda:region:acct:function:name[:qualifier]`): the state input is the
 *   event and the result is the function's parsed return value;
 * - `arn:aws:states:::lambda:invoke[.waitForTaskToken]`: the input is the Invoke request
 *   (FunctionName, Payload, Qualifier, InvocationType, ClientContext, LogType) and the result is
 *   Invoke's response ({ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}).
 *
 * Callback resources (`.waitForTaskToken`): the function is invoked with InvocationType 'Event' and
 * the outcome is `{ ok: true, output: undefined }` when Lambda accepted the event. The caller must not
 * treat that as the task's result: see `isCallbackResource`; the answer comes via SendTaskSuccess.
 */
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaServiceException, type InvokeCommandInput, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { LRUCache } from 'lru-cache';
import type { TaskInvoker, TaskOutcome, TaskRequest } from '../ports';
import { LAMBDA_INVOKE, lambdaInvokeResult } from '../lambda-integration';
import { MAX_PAYLOAD_BYTES } from '../engine/limits';
import { isDirectLambdaArn } from '../engine/history';

import { isCallbackResource } from '../engine/definition';

// One definition of "finishes by callback" for the whole engine (the worker uses the same function).
export { isCallbackResource };

const FUNCTION_ARN = /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+)(?::([^:]+))?$/;
/** Lambda's limit on ClientContext (base64 text). */
const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** The Invoke request a Task resource stands for; undefined when the resource is not Lambda. */
export function lambdaTarget(resource: string, input: unknown): { functionName: unknown; qualifier?: unknown; params: Record<string, unknown>; integration: boolean } | undefined {
  const m = FUNCTION_ARN.exec(resource);
  // A qualified ARN is split so the request carries the qualifier in one place only.
  if (m) return { functionName: m[1], qualifier: m[2], params: {}, integration: false };
  if (!LAMBDA_INVOKE.test(resource)) return undefined;
  const params = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  return { functionName: params.FunctionName, qualifier: params.Qualifier, params, integration: true };
}

/** Picks the client a task is invoked with: one holding its state machine's role (assume-role.ts). */
export interface TaskClients {
  clientFor(executionArn: string): Promise<LambdaClient>;
}

export class LambdaTaskInvoker implements TaskInvoker {
  private readonly client: LambdaClient;
  private readonly roles?: TaskClients;

  /** `roles`: run each task with its state machine's role; without it, every task runs with `client`'s credentials. */
  constructor(opts: { client: LambdaClient; roles?: TaskClients }) {
    this.client = opts.client;
    this.roles = opts.roles;
  }

  /** Function timeouts by name and qualifier: a minute for a failed look-up, ten for a timeout (it rarely changes). */
  private readonly timeouts = new LRUCache<string, { seconds: number | undefined }>({ max: 1000, ttl: 600_000 });

  /**
   * The function's configured timeout (GetFunctionConfiguration, with the state machine's role): a
   * synchronous invoke cannot run longer. Undefined when it cannot be read (the worker then sends the
   * task's invoke message instead of running it inline).
   */
  async longestRunSeconds(req: Pick<TaskRequest, 'resource' | 'input' | 'executionArn'>): Promise<number | undefined> {
    const target = lambdaTarget(req.resource, req.input);
    if (!target || typeof target.functionName !== 'string' || target.functionName === '') return undefined;
    const qualifier = typeof target.qualifier === 'string' ? target.qualifier : undefined;
    const key = `${target.functionName}:${qualifier ?? ''}`;
    const known = this.timeouts.get(key);
    if (known) return known.seconds;
    let seconds: number | undefined;
    try {
      const client = this.roles ? await this.roles.clientFor(req.executionArn) : this.client;
      seconds = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: target.functionName, ...(qualifier ? { Qualifier: qualifier } : {}) }))).Timeout;
    } catch {
      seconds = undefined;
    }
    this.timeouts.set(key, { seconds }, seconds === undefined ? { ttl: 60_000 } : undefined);
    return seconds;
  }

  async invoke(req: TaskRequest): Promise<TaskOutcome> {
    const target = lambdaTarget(req.resource, req.input);
    if (!target) return { ok: false, error: 'States.TaskFailed', cause: `LambdaTaskInvoker cannot run resource '${req.resource}'.` };
    const { params, integration } = target;
    if (typeof target.functionName !== 'string' || target.functionName === '') {
      return { ok: false, error: 'States.TaskFailed', cause: `The field 'FunctionName' of '${req.resource}' must be a non-empty string.` };
    }
    const callback = isCallbackResource(req.resource);
    const event = integration ? params.Payload : req.input;
    const payloadText = event === undefined ? undefined : JSON.stringify(event);
    // AWS names a direct Lambda by its ARN and an integration by its service (as the interpreter does).
    const culprit = isDirectLambdaArn(req.resource) ? req.resource : 'lambda';
    if (payloadText !== undefined && Buffer.byteLength(payloadText, 'utf8') > MAX_PAYLOAD_BYTES) {
      return { ok: false, error: 'States.DataLimitExceeded', cause: `The input to the state/task '${culprit}' has a size exceeding the maximum number of bytes service limit.` };
    }
    const invocationType = callback ? 'Event' : ((params.InvocationType as InvokeCommandInput['InvocationType']) ?? 'RequestResponse');
    const command: InvokeCommandInput = {
      FunctionName: target.functionName,
      ...(typeof target.qualifier === 'string' ? { Qualifier: target.qualifier } : {}),
      InvocationType: invocationType,
      ...(typeof params.LogType === 'string' ? { LogType: params.LogType as InvokeCommandInput['LogType'] } : {}),
      ...(payloadText !== undefined ? { Payload: Buffer.from(payloadText, 'utf8') } : {}),
      ClientContext: clientContext(req, params.ClientContext),
    };

    let res: InvokeCommandOutput;
    try {
      const client = this.roles ? await this.roles.clientFor(req.executionArn) : this.client;
      res = await client.send(new InvokeCommand(command));
    } catch (e) {
      return { ok: false, ...sdkFailure(e) };
    }

    const text = res.Payload && res.Payload.length > 0 ? Buffer.from(res.Payload).toString('utf8') : '';
    if (res.FunctionError !== undefined) return { ok: false, ...functionFailure(text) };
    if (callback) return { ok: true, output: undefined };
    if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
      return { ok: false, error: 'States.DataLimitExceeded', cause: `The state/task '${culprit}' returned a result with a size exceeding the maximum number of bytes service limit.` };
    }
    // Event and DryRun answer 202/204 with no body: AWS shows Payload "" there, null never.
    const payload = text === '' ? (invocationType === 'RequestResponse' ? null : '') : parsePayload(text);
    if (!integration) return { ok: true, output: payload };
    const statusCode = res.StatusCode ?? 200;
    const wrapped = lambdaInvokeResult(payload) as Record<string, unknown>;
    return {
      ok: true,
      output: {
        ...wrapped,
        ExecutedVersion: res.ExecutedVersion ?? wrapped.ExecutedVersion,
        ...(res.LogResult !== undefined ? { LogResult: res.LogResult } : {}),
        SdkHttpMetadata: { HttpHeaders: {}, HttpStatusCode: res.$metadata?.httpStatusCode ?? statusCode },
        SdkResponseMetadata: { RequestId: res.$metadata?.requestId ?? '' },
        StatusCode: statusCode,
      },
    };
  }
}

/** A function's return value is JSON; anything else (a custom runtime's raw bytes) stays text. */
function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The function threw (FunctionError 'Unhandled', or the legacy 'Handled'): Step Functions reports the
 * error document's errorType and the document itself, as text, as the cause. Without an errorType
 * (timeouts, out-of-memory) it reports Lambda.Unknown with this fixed preamble.
 */
export function functionFailure(text: string): { error: string; cause: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const errorType = doc !== null && typeof doc === 'object' ? (doc as { errorType?: unknown }).errorType : undefined;
  if (typeof errorType === 'string' && errorType !== '') return { error: errorType, cause: text };
  return { error: 'Lambda.Unknown', cause: `The cause could not be determined because Lambda did not return an error type. Returned payload: ${text}` };
}

/**
 * Invoke itself failed. Step Functions calls Lambda with the Java SDK and reports `Lambda.<exception>`:
 * modelled exceptions by name (ServiceException, TooManyRequestsException, ResourceNotFoundException...),
 * unmodelled service errors (e.g. AccessDeniedException) as Lambda.AWSLambdaException, and failures on
 * the client's side as Lambda.SdkClientException (Lambda.ClientExecutionTimeoutException on a timeout).
 * The cause is the message with the Java SDK's suffix, as AWS shows it.
 */
export function sdkFailure(e: unknown): { error: string; cause: string } {
  const err = (e ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const message = err.message ?? String(e);
  const fromService = e instanceof LambdaServiceException || (err.$metadata?.httpStatusCode !== undefined && typeof err.name === 'string');
  if (!fromService) {
    return { error: err.name === 'TimeoutError' ? 'Lambda.ClientExecutionTimeoutException' : 'Lambda.SdkClientException', cause: message };
  }
  const code = err.name && err.name !== 'Error' ? err.name : 'Unknown';
  // The base class is what the SDK throws for error codes it has no model for.
  const modelled = e instanceof LambdaServiceException ? Object.getPrototypeOf(e) !== LambdaServiceException.prototype : code !== 'Unknown';
  const meta = err.$metadata ?? {};
  const suffix = `(Service: AWSLambda; Status Code: ${meta.httpStatusCode ?? 'null'}; Error Code: ${code}; Request ID: ${meta.requestId ?? 'null'}; Proxy: null)`;
  return { error: modelled ? `Lambda.${code}` : 'Lambda.AWSLambdaException', cause: `${message} ${suffix}` };
}

/**
 * ClientContext (base64 JSON) lets the function dedupe repeated attempts and join the trace:
 * `context.clientContext.custom` = {stepwrightTraceId, idempotencyKey, executionArn, stateName, attempt}.
 * Values are strings because the Java runtime reads `custom` as Map<String, String>. A ClientContext
 * the definition gives is kept, with ours merged into its `custom`; if it is not JSON, or merging would
 * pass Lambda's size limit, the definition's value is sent unchanged. (Lambda hands ClientContext to
 * synchronous invocations only.)
 */
export function clientContext(req: TaskRequest, given: unknown): string | undefined {
  const ours: Record<string, string> = {
    ...(req.traceId !== undefined ? { stepwrightTraceId: req.traceId } : {}),
    idempotencyKey: req.idempotencyKey,
    executionArn: req.executionArn,
    stateName: req.stateName,
    attempt: String(req.attempt),
  };
  let base: Record<string, unknown> = {};
  if (typeof given === 'string') {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(given, 'base64').toString('utf8'));
      if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) return given;
      base = decoded as Record<string, unknown>;
    } catch {
      return given;
    }
  }
  const custom = base.custom !== null && typeof base.custom === 'object' ? (base.custom as Record<string, unknown>) : {};
  const merged = Buffer.from(JSON.stringify({ ...base, custom: { ...custom, ...ours } }), 'utf8').toString('base64');
  if (merged.length <= MAX_CLIENT_CONTEXT_BYTES) return merged;
  return typeof given === 'string' ? given : undefined;
}
