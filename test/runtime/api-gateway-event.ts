/**
 * An API Gateway HTTP API (payload 2.0) event for a Step Functions JSON-protocol call signed by an
 * IAM caller, as the deployed API handler receives it behind an IAM authorizer: the caller is
 * requestContext.authorizer.iam.userArn in the given account. Shared by the access tests.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export function iamApiEvent(account: string, userArn: string, target: string, body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${target}` },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: account,
      apiId: 'abc',
      domainName: 'abc.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: 'POST /',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: { iam: { accessKey: 'AKIA', accountId: account, callerId: 'AROA:caller', cognitoIdentity: null, principalOrgId: null, userArn, userId: 'AROA:caller' } },
    },
  } as unknown as APIGatewayProxyEventV2;
}
