/**
 * The engine's functions, created in the engine's own scope: the worker (SQS batches), the API
 * function (behind the HTTP API, engine-http-api.ts), the reconciler and its schedule, the
 * environment they share, and the secret task tokens are signed with.
 */
import * as path from 'node:path';
import { Aws, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from './engine-monitoring';
import type { ResolvedEngineSettings, StepwrightEngineProps } from './engine-props';
import { lambdaRole, nodeFunction, PROJECT_ROOT } from './lambda-functions';
import { acknowledge } from './nag';

/** What the engine's functions are built from. */
export interface EngineFunctionContext {
  readonly props: StepwrightEngineProps;
  readonly settings: ResolvedEngineSettings;
  readonly table: dynamodb.ITable;
  readonly queue: sqs.IQueue;
}

/**
 * The table actions the functions' DynamoDB adapter (lambda/aws/dynamo-store.ts) sends: GetItem
 * (records, revisions, name reservations), PutItem (conditional record writes, task claims),
 * UpdateItem (fan-in sets), Query (history, chunked bodies, the listings on the indexes),
 * BatchGetItem (children and fan-out records), BatchWriteItem (history and body chunks). Nothing scans
 * the table, reads its stream or describes it.
 */
export const EXECUTION_TABLE_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
];
/** The API's actions: the executions' plus DeleteItem (DeleteStateMachine), which no other function sends. */
export const API_TABLE_ACTIONS: readonly string[] = [...EXECUTION_TABLE_ACTIONS, 'dynamodb:DeleteItem'];
/** What reading and writing items encrypted with a customer managed key takes (as CDK's grantReadWriteData grants on it). */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** `actions` on the table and its indexes, and on its customer managed key when it has one. */
export function grantTableActions(ctx: EngineFunctionContext, grantee: iam.IGrantable, actions: readonly string[]): void {
  ctx.table.grant(grantee, ...actions);
  ctx.props.encryptionKey?.grant(grantee, ...TABLE_KEY_ACTIONS);
}

/** The environment every engine function (and every trigger function) gets. */
export function functionEnvironment(ctx: EngineFunctionContext): Record<string, string> {
  const { props, settings } = ctx;
  return {
    STEPWRIGHT_TABLE: ctx.table.tableName,
    STEPWRIGHT_QUEUE_URL: ctx.queue.queueUrl,
    // the worker fails an execution on its message's last delivery before the DLQ takes it
    STEPWRIGHT_MAX_RECEIVES: String(settings.maxReceiveCount),
    // the API applies events too (task answers, stops): both must fan out alike
    STEPWRIGHT_FAN_OUT: props.fanOut ?? 'auto',
    // the reconciler's bound; the API also delays its watchdog messages by it
    STEPWRIGHT_RECONCILE_AFTER_SECONDS: String(settings.reconcileAfter.toSeconds()),
    STEPWRIGHT_REGION: Aws.REGION,
    STEPWRIGHT_ACCOUNT_ID: Aws.ACCOUNT_ID,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
    ...(props.sourceMaps ?? true ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
  };
}

/**
 * Task tokens carry a MAC under this secret, so knowing an execution ARN is not enough to answer a
 * callback task. Not rotated: a new value would invalidate every token handed out and not yet answered.
 */
export function createTaskTokenSecret(engine: Construct, props: StepwrightEngineProps): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(engine, 'TaskTokenSecret', {
    description: 'Stepwright: signs task tokens (HMAC-SHA256)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    encryptionKey: props.encryptionKey,
  });
  acknowledge(secret, 'AwsSolutions-SMG4', 'Not rotated on purpose: rotating the task token key would invalidate every task token handed out and not yet answered (a manual approval waiting for days would become unanswerable).');
  return secret;
}

/** The worker: advances executions from the work queue (`environment` carries the task token secret's ARN). */
export function createWorker(engine: Construct, ctx: EngineFunctionContext, environment: Record<string, string>): { role: iam.Role; fn: nodejs.NodejsFunction } {
  const { props, settings } = ctx;
  const role = lambdaRole(engine, 'WorkerRole', 'Stepwright worker: advances executions and invokes their task functions');
  const fn = nodeFunction(engine, 'Worker', {
    entry: path.join(PROJECT_ROOT, 'lambda/handlers/worker.ts'),
    description: 'Stepwright worker: advances executions from the work queue',
    memorySize: props.workerMemorySize ?? 512,
    timeout: settings.workerTimeout,
    role,
    environment,
    logRetention: settings.logRetention,
  }, props);
  fn.addEventSource(
    new SqsEventSource(ctx.queue, {
      batchSize: props.workerBatchSize ?? 10,
      reportBatchItemFailures: true,
      maxConcurrency: settings.workerMaxConcurrency,
    }),
  );
  grantTableActions(ctx, fn, EXECUTION_TABLE_ACTIONS);
  ctx.queue.grantSendMessages(fn);
  // Each state machine's tasks run with its own role, which the worker assumes (lambda/aws/assume-role.ts);
  // a machine registered with this role (as before roles per machine) runs with the worker's credentials.
  fn.addEnvironment('STEPWRIGHT_WORKER_ROLE_ARN', role.roleArn);
  const apiRoles = props.apiStateMachineRoles ?? [];
  if (apiRoles.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: apiRoles }));
    const wildcards = apiRoles.filter((r) => r.includes('*'));
    if (wildcards.length > 0) {
      acknowledge(role, 'AwsSolutions-IAM5', 'apiStateMachineRoles: the roles the owner of the stack lets state machines created through the API run with (each must also trust the worker role).', wildcards.map((r) => `Resource::${r}`));
    }
  }
  return { role, fn };
}

/** The API function: REST routes and the Step Functions JSON protocol (`environment` carries the task token secret's ARN). */
export function createApiFunction(engine: Construct, ctx: EngineFunctionContext, environment: Record<string, string>): nodejs.NodejsFunction {
  const { props, settings } = ctx;
  const role = lambdaRole(engine, 'ApiRole', 'Stepwright API: starts, describes and stops executions');
  const fn = nodeFunction(engine, 'Api', {
    entry: path.join(PROJECT_ROOT, 'lambda/handlers/api.ts'),
    description: 'Stepwright API: REST routes and the Step Functions JSON protocol',
    memorySize: props.apiMemorySize ?? 512,
    timeout: Duration.seconds(29),
    role,
    environment,
    logRetention: settings.logRetention,
  }, props);
  grantTableActions(ctx, fn, API_TABLE_ACTIONS);
  ctx.queue.grantSendMessages(fn);
  // CreateStateMachine must name one of these roles (lambda/runtime/task-role.ts)
  fn.addEnvironment('STEPWRIGHT_API_STATE_MACHINE_ROLES', JSON.stringify(props.apiStateMachineRoles ?? []));
  return fn;
}

/**
 * Whatever process dies when, an accepted execution finishes: a schedule sweeps the RUNNING
 * executions and resumes those a crash left without pending work. It flushes outboxes and sends
 * messages; it runs no interpreter step and issues no task token (no secret).
 */
export function createReconciler(engine: Construct, ctx: EngineFunctionContext, environment: Record<string, string>): nodejs.NodejsFunction {
  const { props, settings } = ctx;
  const role = lambdaRole(engine, 'ReconcilerRole', 'Stepwright reconciler: resumes executions a crash left without pending work');
  const fn = nodeFunction(engine, 'Reconciler', {
    entry: path.join(PROJECT_ROOT, 'lambda/handlers/reconciler.ts'),
    description: 'Stepwright reconciler: resumes executions a crash left without pending work',
    memorySize: 512,
    timeout: Duration.minutes(5),
    role,
    environment,
    logRetention: settings.logRetention,
  }, props);
  grantTableActions(ctx, fn, EXECUTION_TABLE_ACTIONS);
  ctx.queue.grantSendMessages(fn);
  new events.Rule(engine, 'ReconcilerSchedule', {
    description: 'Stepwright: sweep for executions a crash left without pending work',
    schedule: events.Schedule.rate(Duration.minutes(Math.max(1, Math.floor(settings.reconcileAfter.toMinutes({ integral: false }) / 2)))),
    // a missed sweep is made up by the next one
    targets: [new eventTargets.LambdaFunction(fn, { retryAttempts: 0 })],
  });
  return fn;
}
