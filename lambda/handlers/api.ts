/**
 * The API Lambda behind API Gateway (HTTP API, payload format 2.0): REST routes and the Step
 * Functions JSON protocol, both served by api-router.
 *
 * Access: the stack records its grants in STEPWRIGHT_ACCESS_GRANTS (engine-http-api.ts) and API
 * Gateway's IAM authorizer reports who signed the request (requestContext.authorizer.iam); the router
 * refuses what no grant allows. Without that variable (a deployment with a non-IAM authorizer) every
 * authorized request runs, as before.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { route, type RouteAccess } from './api-router';
import type { EngineDeps } from '../runtime/deps';
import { parseAccessPolicy, type AccessPolicy, type Caller } from '../runtime/access';
import { addLambdaContext, logger } from '../runtime/logger';

/** The IAM identity API Gateway's IAM authorizer puts in the request context (payload 2.0). */
interface IamAuthorizerContext {
  iam?: { userArn?: string; accountId?: string; callerId?: string; principalOrgId?: string | null };
}

/** Who signed the request, as API Gateway verified it; undefined when no IAM authorizer ran. */
export function callerOf(event: APIGatewayProxyEventV2): Caller | undefined {
  const authorizer = (event.requestContext as { authorizer?: IamAuthorizerContext }).authorizer;
  const iam = authorizer?.iam;
  if (!iam?.userArn && !iam?.accountId) return undefined;
  return { userArn: iam.userArn || undefined, accountId: iam.accountId || undefined };
}

export function createApiHandler(
  getDeps: () => EngineDeps | Promise<EngineDeps>,
  policy: AccessPolicy | undefined = policyFromEnv(),
  stateMachineRoles: readonly string[] | undefined = rolesFromEnv(),
) {
  // context: Lambda's (request id and cold start on every log line); the local runtime passes none
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    addLambdaContext(context);
    const deps = await getDeps();
    const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
    const access: RouteAccess | undefined = policy ? { policy, caller: callerOf(event), stateMachineRoles } : undefined;
    try {
      const res = await route(deps, { method: event.requestContext.http.method, path: event.rawPath, headers: event.headers ?? {}, query, body }, access);
      return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    } catch (e) {
      logger.error('unhandled API error', { error: String((e as Error)?.stack ?? e) });
      return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ __type: 'InternalServerError', error: 'InternalServerError', message: 'internal error' }) };
    }
  };
}

/** The grants the stack recorded; read once per cold start (a change of grants redeploys the function). */
function policyFromEnv(): AccessPolicy | undefined {
  const text = process.env.STEPWRIGHT_ACCESS_GRANTS;
  return text === undefined ? undefined : parseAccessPolicy(text);
}

/** The roles state machines created through the API may run with (the engine's apiStateMachineRoles). */
function rolesFromEnv(): readonly string[] | undefined {
  const text = process.env.STEPWRIGHT_API_STATE_MACHINE_ROLES;
  if (text === undefined) return undefined;
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || !v.every((r) => typeof r === 'string')) throw new Error('STEPWRIGHT_API_STATE_MACHINE_ROLES must be a JSON array of role ARNs');
  return v;
}

export const handler = createApiHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv());
