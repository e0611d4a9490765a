/**
 * The engine's HTTP API, created in the engine's own scope: API Gateway (HTTP API, payload 2.0) in
 * front of the API function, every route behind one authorizer (IAM by default), with JSON access logs.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ResolvedEngineSettings, StepwrightEngineProps } from './engine-props';

/** The stage throttling when `apiThrottle` is not given (engine-props.ts says why). */
export const DEFAULT_API_THROTTLE: apigwv2.ThrottleSettings = { rateLimit: 1000, burstLimit: 500 };

export interface EngineHttpApi {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
}

/** The HTTP API: POST / (the Step Functions JSON protocol) and /{proxy+} (REST) to the API function. */
export function createHttpApi(engine: Construct, apiFunction: lambda.IFunction, props: StepwrightEngineProps, settings: ResolvedEngineSettings): EngineHttpApi {
  const accessLogs = new logs.LogGroup(engine, 'ApiAccessLogs', { retention: settings.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  const api = new apigwv2.HttpApi(engine, 'HttpApi', {
    description: 'Stepwright: Step Functions JSON protocol (POST /) and REST routes',
    createDefaultStage: false,
  });
  const stage = api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: props.apiThrottle ?? DEFAULT_API_THROTTLE,
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: accessLogFormat(),
    },
  });
  const integration = new HttpLambdaIntegration('ApiIntegration', apiFunction, {
    payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
  });
  const authorizer = props.authorizer ?? new HttpIamAuthorizer();
  const routeAuth = { authorizer, authorizationScopes: props.authorizationScopes };
  api.addRoutes({ path: '/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration, ...routeAuth });
  api.addRoutes({ path: '/', methods: [apigwv2.HttpMethod.POST], integration, ...routeAuth });
  return { api, stage };
}

/** execute-api:Invoke on every route of the API (for the default IAM authorization). */
export function grantInvokeHttpApi(api: apigwv2.HttpApi, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['execute-api:Invoke'],
    resourceArns: [api.arnForExecuteApi()],
  });
}

/** A JSON access log line with the HTTP API's context variables (caller, route, status, latency, errors). */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      caller: '$context.identity.userArn',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      path: '$context.path',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      latency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
    }),
  );
}
