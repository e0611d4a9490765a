/**
 * The engine's HTTP API, created in the engine's own scope: API Gateway (HTTP API, payload 2.0) in
 * front of the API function, every route behind one authorizer (IAM by default), with JSON access logs.
 */
import { Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ResolvedEngineSettings, StepwrightEngineProps } from './engine-props';
import { expandActions, type Grant } from '../lambda/runtime/access';

/** The stage throttling when `apiThrottle` is not given (engine-props.ts says why). */
export const DEFAULT_API_THROTTLE: apigwv2.ThrottleSettings = { rateLimit: 1000, burstLimit: 500 };

export interface EngineHttpApi {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** The grants the API checks, bound to the API function's environment. */
  readonly access: EngineAccessGrants;
}

/** The HTTP API: POST / (the Step Functions JSON protocol) and /{proxy+} (REST) to the API function. */
export function createHttpApi(engine: Construct, apiFunction: lambda.Function, props: StepwrightEngineProps, settings: ResolvedEngineSettings): EngineHttpApi {
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
  const access = new EngineAccessGrants(api, authorizer instanceof HttpIamAuthorizer);
  access.bind(engine, apiFunction);
  return { api, stage, access };
}

/** execute-api:Invoke on every route of the API (for the default IAM authorization). */
export function grantInvokeHttpApi(api: apigwv2.HttpApi, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['execute-api:Invoke'],
    resourceArns: [api.arnForExecuteApi()],
  });
}

/**
 * The grants the API checks each request against (lambda/runtime/access.ts), recorded as the app
 * calls the grant methods and written into the API function's environment (STEPWRIGHT_ACCESS_GRANTS).
 *
 * Why the environment: the grants are known at synth time, go out in the same deployment as the
 * execute-api:Invoke statements that go with them, and a change replaces the function's
 * configuration, so no warm container keeps old grants; reading them costs nothing per request (no
 * table read, no SSM call, no cache to expire). The price is Lambda's 4 KB for all variables: grants
 * use group names (@start, @read...) and state machine names to stay small, and synth fails with a
 * clear error well before the limit (about 30 grants to distinct roles).
 */
export class EngineAccessGrants {
  private readonly grants: Grant[] = [];

  constructor(
    private readonly api: apigwv2.HttpApi,
    /** false with a non-IAM authorizer: there is no IAM caller to check, so nothing is recorded */
    readonly enforced: boolean,
  ) {}

  /** Records `actions` on `stateMachine` ('*': every one) for the grantee, and execute-api:Invoke on the API. */
  grant(grantee: iam.IGrantable, stateMachine: string, actions: readonly string[]): iam.Grant {
    expandActions(actions, `grant on ${stateMachine}`);
    if (this.enforced) this.grants.push([principalOf(grantee), stateMachine, [...actions]]);
    return grantInvokeHttpApi(this.api, grantee);
  }

  /**
   * Records `actions` for a principal given as text (a role or user ARN, or an account id) whose
   * own IAM policies allow execute-api:Invoke (an administrator's do): nothing is added to them.
   */
  record(principal: string, stateMachine: string, actions: readonly string[]): void {
    expandActions(actions, `grant on ${stateMachine}`);
    if (!Token.isUnresolved(principal) && !/^\d{12}$|^arn:[^:]+:iam::\d{12}:(role|user)\/.+|^arn:[^:]+:iam::\d{12}:root$/.test(principal)) {
      throw new Error(`Stepwright: '${principal}' is not an IAM role or user ARN or an account id (apiAdmins)`);
    }
    if (this.enforced) this.grants.push([principal, stateMachine, [...actions]]);
  }

  /** Sets the API function's STEPWRIGHT_ACCESS_GRANTS (resolved at synth, after every grant is made). */
  bind(scope: Construct, apiFunction: lambda.Function): void {
    if (!this.enforced) return;
    apiFunction.addEnvironment('STEPWRIGHT_ACCESS_GRANTS', Lazy.string({ produce: () => Stack.of(scope).toJsonString(this.grants) }));
    scope.node.addValidation({
      validate: () => {
        const size = estimatedSize(this.grants);
        return size <= MAX_GRANTS_BYTES
          ? []
          : [`Stepwright: the recorded grants take about ${size} bytes, more than the ${MAX_GRANTS_BYTES} kept for them in the API function's 4 KB environment: grant a role shared by several teams (or engine.grantAdmin) instead of many roles one by one`];
      },
    });
  }
}

/** What the grants may take of Lambda's 4 KB of environment (the other variables take under 1 KB). */
const MAX_GRANTS_BYTES = 3000;
/** A token's length once deployed, for the estimate (a role ARN with a generated name is about 90). */
const TOKEN_ESTIMATE = 100;

function estimatedSize(grants: readonly Grant[]): number {
  return grants.reduce((n, [p, m, a]) => n + (Token.isUnresolved(p) ? TOKEN_ESTIMATE : p.length) + (Token.isUnresolved(m) ? TOKEN_ESTIMATE : m.length) + JSON.stringify(a).length + 10, 2);
}

/**
 * The principal a grant names, as the API matches it against the caller: a role's ARN (its sessions
 * match), a user's ARN, or an account id. Groups and service principals never sign API requests.
 */
function principalOf(grantee: iam.IGrantable): string {
  const p = grantee.grantPrincipal;
  if (p instanceof iam.AccountPrincipal) return String(p.accountId);
  if (p instanceof iam.ArnPrincipal) return p.arn;
  const arn = (p as Partial<iam.IRole>).roleArn ?? (p as Partial<iam.IUser>).userArn;
  if (typeof arn === 'string') return arn;
  throw new Error(`Stepwright: cannot grant API access to ${JSON.stringify(p.policyFragment.principalJson)}: grant an IAM role, a user, or an account (a group's members sign as themselves)`);
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
