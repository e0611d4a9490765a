/**
 * The API Lambda behind API Gateway (HTTP API, payload format 2.0): REST routes and the Step
 * Functions JSON protocol, both served by api-router.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { route } from './api-router';
import type { EngineDeps } from '../runtime/deps';
import { addLambdaContext, logger } from '../runtime/logger';

export function createApiHandler(getDeps: () => EngineDeps | Promise<EngineDeps>) {
  // context: Lambda's (request id and cold start on every log line); the local runtime passes none
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    addLambdaContext(context);
    const deps = await getDeps();
    const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
    try {
      const res = await route(deps, { method: event.requestContext.http.method, path: event.rawPath, headers: event.headers ?? {}, query, body });
      return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    } catch (e) {
      logger.error('unhandled API error', { error: String((e as Error)?.stack ?? e) });
      return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ __type: 'InternalServerError', error: 'InternalServerError', message: 'internal error' }) };
    }
  };
}

export const handler = createApiHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv());
