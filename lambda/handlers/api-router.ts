/**
 * Routes one HTTP request to the Step Functions operations in lambda/runtime/service.ts.
 * Two ways in, one set of operations:
 *   - the Step Functions JSON protocol (api-json-protocol.ts): POST / with
 *     `X-Amz-Target: AWSStepFunctions.<Action>` (dates as epoch seconds, errors as {__type, message}),
 *     so @aws-sdk/client-sfn works unchanged;
 *   - REST routes for curl and browsers (api-rest-routes.ts: ISO dates, errors as {error, message}).
 * Transport-neutral: API Gateway (handlers/api.ts) and the local HTTP server both call `route`.
 */
import { ApiError } from '../runtime/api-errors';
import type { EngineDeps } from '../runtime/deps';
import { AMZ_JSON_HEADERS, contentTypeProblem, header, json, type HttpRequest, type HttpResponse } from './api-http';
import { jsonProtocol } from './api-json-protocol';
import { dispatchRest } from './api-rest-routes';

export type { HttpRequest, HttpResponse } from './api-http';

export async function route(deps: EngineDeps, req: HttpRequest): Promise<HttpResponse> {
  const target = header(req, 'x-amz-target');
  const typeProblem = contentTypeProblem(req);
  if (typeProblem) {
    return req.method === 'POST' && target
      ? { statusCode: 415, headers: { ...AMZ_JSON_HEADERS, 'x-amzn-errortype': 'UnsupportedMediaType' }, body: JSON.stringify({ __type: 'UnsupportedMediaType', message: typeProblem }) }
      : json(415, { error: 'UnsupportedMediaType', message: typeProblem });
  }
  if (req.method === 'POST' && target) return jsonProtocol(deps, req, target);
  try {
    return await dispatchRest(deps, req);
  } catch (e) {
    // REST answers a missing resource with 404 (the JSON protocol, as AWS, with 400)
    if (e instanceof ApiError) return json(e.httpStatus === 400 && /DoesNotExist$|^ResourceNotFound$/.test(e.code) ? 404 : e.httpStatus, { error: e.code, message: e.message });
    throw e;
  }
}
