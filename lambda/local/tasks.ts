/**
 * Local task tables: which function answers a Task's Resource when running on a laptop.
 * A table maps resource ARNs, or bare function names, to functions. `arn:aws:states:::lambda:invoke`
 * resolves its FunctionName (ARN or name) in the same table, passes the Payload as the event and wraps
 * the result the way the Lambda integration does ({Payload, StatusCode, ...}).
 */
import type { TaskFunction, TaskResolver } from './runner';
import { isCallbackResource } from '../engine/definition';
import { LAMBDA_INVOKE, lambdaInvokeResult } from '../lambda-integration';

/** "arn:aws:lambda:us-east-1:123:function:name[:alias]" -> "name" */
export function lambdaFunctionName(arnOrName: string): string {
  const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arnOrName);
  return m ? m[1] : arnOrName;
}

/** The cause of a task no local function answers: names the resource, and a lambda:invoke's FunctionName. */
export function missingTaskCause(resource: string, input: unknown): string {
  const fn = LAMBDA_INVOKE.test(resource) && input !== null && typeof input === 'object' ? (input as { FunctionName?: unknown }).FunctionName : undefined;
  return typeof fn === 'string'
    ? `No local task is configured for resource '${resource}' with FunctionName '${fn}'.`
    : `No local task is configured for resource '${resource}'.`;
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
      return { fn, input: params.Payload === undefined ? {} : params.Payload, wrap };
    }
    const found = direct ?? lookup(resource);
    return found === undefined ? undefined : { fn: found, input };
  };
}
