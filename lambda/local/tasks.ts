/**
 * Local task tables: which function answers a Task's Resource when running on a laptop.
 * A table maps resource ARNs, or bare function names, to functions. `arn:aws:states:::lambda:invoke`
 * resolves its FunctionName (ARN or name) in the same table, passes the Payload as the event and wraps
 * the result the way the Lambda integration does ({Payload, StatusCode, ...}).
 */
import type { TaskFunction, TaskResolver } from './runner';
import { isCallbackResource } from '../engine/definition';
import { isDirectLambdaArn } from '../engine/history';
import { functionNameOf, LAMBDA_INVOKE, lambdaInvokeResult } from '../lambda-integration';

/** "arn:aws:lambda:us-east-1:123:function:name[:alias]", "123:function:name", "name:7" -> "name" */
export function lambdaFunctionName(arnOrName: string): string {
  return functionNameOf(arnOrName);
}

/** The cause of a task no local function answers: names the resource, and a lambda:invoke's FunctionName. */
export function missingTaskCause(resource: string, input: unknown): string {
  const fn = LAMBDA_INVOKE.test(resource) && input !== null && typeof input === 'object' ? (input as { FunctionName?: unknown }).FunctionName : undefined;
  return typeof fn === 'string'
    ? `No local task is configured for resource '${resource}' with FunctionName '${fn}'.`
    : `No local task is configured for resource '${resource}'.`;
}

/** A Lambda function as Step Functions calls it: a direct function ARN, or the lambda:invoke integration. */
export function isLambdaResource(resource: string): boolean {
  return isDirectLambdaArn(resource) || LAMBDA_INVOKE.test(resource);
}

/**
 * What the Node.js Lambda runtime reports for a thrown value (its error document), and so what Step
 * Functions shows: the document's errorType as the error, the document itself, as text, as the cause.
 * An Error (or an object shaped like one) gives its `name`, `message` and its stack split in lines;
 * anything else gives `typeof` as the type, its text as the message and an empty trace. Written here
 * rather than taken from the runtime client: that package is the whole runtime, not a library.
 */
export function nodeLambdaFailure(e: unknown): { error: string; cause: string } {
  const errorLike = e instanceof Error || (e !== null && typeof e === 'object' && ['name', 'message', 'stack'].every((k) => typeof (e as Record<string, unknown>)[k] === 'string' && (e as Record<string, string>)[k] !== ''));
  const doc = errorLike
    ? { errorType: (e as Error).name || 'Error', errorMessage: (e as Error).message ?? '', trace: typeof (e as Error).stack === 'string' ? (e as Error).stack!.split('\n') : [] }
    : { errorType: typeof e, errorMessage: String(e), trace: [] as string[] };
  return { error: doc.errorType, cause: JSON.stringify(doc) };
}

/**
 * A task function for a Lambda resource fails as a Node.js Lambda does (nodeLambdaFailure). It rethrows
 * the failure as `{error, cause}`, the form both task runners (`run` and `serve`) already report as is;
 * a function that throws `{error, cause}` itself keeps its own.
 */
function asNodeLambda(fn: TaskFunction): TaskFunction {
  return async (input, context) => {
    try {
      return await fn(input, context);
    } catch (e) {
      if (e !== null && typeof e === 'object' && !(e instanceof Error) && typeof (e as { error?: unknown }).error === 'string') throw e;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- {error, cause} is how a local task reports a chosen failure to the runners (README)
      throw nodeLambdaFailure(e);
    }
  };
}

/**
 * `table`: resources or function names to functions. Read into a Map: a resource is a user's string, and
 * a plain object would answer `constructor`, `__proto__` or `valueOf` from Object.prototype (a task that
 * "succeeds" with Object's own function, or fails with no error).
 */
export function resolverFromTable(table: Record<string, TaskFunction> | ReadonlyMap<string, TaskFunction>): TaskResolver {
  const functions: ReadonlyMap<string, TaskFunction> = table instanceof Map ? table : new Map(Object.entries(table));
  const lookup = (key: string): TaskFunction | undefined => functions.get(key) ?? functions.get(lambdaFunctionName(key));
  return (resource, input) => {
    const direct = functions.get(resource);
    if (LAMBDA_INVOKE.test(resource)) {
      const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      const fn = direct ?? (typeof params.FunctionName === 'string' ? lookup(params.FunctionName) : undefined);
      if (!fn) return undefined;
      // A callback task's answer is what SendTaskSuccess carries, not a Lambda response: no wrapping.
      const wrap = isCallbackResource(resource) ? undefined : lambdaInvokeResult;
      return { fn: wrap ? asNodeLambda(fn) : fn, input: params.Payload === undefined ? {} : params.Payload, wrap };
    }
    const found = direct ?? lookup(resource);
    if (found === undefined) return undefined;
    return { fn: isLambdaResource(resource) ? asNodeLambda(found) : found, input };
  };
}
