/**
 * Builds the engine's ports on AWS from the Lambda environment the CDK stack sets:
 * STEPWRIGHT_TABLE, STEPWRIGHT_QUEUE_URL, AWS_REGION. Built once per container and reused.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoExecutionStore } from './dynamo-store';
import { SqsWorkQueue } from './sqs-queue';
import { LambdaTaskInvoker } from './lambda-invoker';
import { MachineRoles } from './assume-role';
import { SdkServiceCaller, type SdkServiceCallerOptions } from './sdk-service-caller';
import { ServiceIntegrationInvoker } from '../runtime/integrations/service-invoker';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogWriter } from './cloudwatch-log-writer';
import { machineLogListener, observeHistory, type HistoryListener } from '../runtime/execution-logging';
import { logger } from '../runtime/logger';
// pure (no I/O, type-only imports): the same lines the local server writes
import { logLinesFor } from '../runtime/execution-log-lines';
import { systemClock, type ExecutionStore } from '../ports';
import { finishedMetricPoints, startedMetricPoints, type MetricPoint } from './execution-metrics';
import { retentionPolicy } from '../runtime/retention';
import { fanOutModeOf, type EngineDeps } from '../runtime/deps';
import { TaskTokens } from '../engine/task-tokens';
import { loadOnce } from '../runtime/task-tokens';

let cached: EngineDeps | undefined;

/**
 * CloudWatch metrics as EMF log lines (no API calls): the execution metrics of execution-metrics.ts,
 * each a single-metric line with its own dimensions (`service` from Powertools, plus StateMachineArn
 * on the per-machine series). The stack's alarms and `metric*()` methods read the same names.
 */
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Stepwright', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stepwright' });
const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const satisfies Record<MetricPoint['unit'], string>;

function publish(points: MetricPoint[]): void {
  for (const p of points) {
    const single = metrics.singleMetric();
    for (const [name, value] of Object.entries(p.dimensions)) single.addDimension(name, value);
    single.addMetric(p.name, UNITS[p.unit], p.value);
  }
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

let roles: MachineRoles | undefined;
/** The machines' roles, one set per container (deps.store is built below, read lazily). */
function machineRoles(): MachineRoles {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  roles ??= new MachineRoles({ store: () => depsFromEnv().store, region, workerRoleArn: process.env.STEPWRIGHT_WORKER_ROLE_ARN, lambdaClient: (credentials) => new LambdaClient({ region, credentials }) });
  return roles;
}

const callers = new Map<unknown, SdkServiceCaller>();
/** One SDK caller (and so one client per service) per role provider, kept for the container's life. */
function callerWithRole(region: string, credentials?: SdkServiceCallerOptions['credentials']): SdkServiceCaller {
  let caller = callers.get(credentials);
  if (!caller) {
    caller = new SdkServiceCaller({ region, ...(credentials ? { credentials } : {}) });
    callers.set(credentials, caller);
  }
  return caller;
}

export function depsFromEnv(): EngineDeps {
  if (cached) return cached;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const deps: EngineDeps = {
    store: new DynamoExecutionStore({ client: new DynamoDBClient({ region }), tableName: required('STEPWRIGHT_TABLE'), ttlSeconds: retentionPolicy(() => deps.store) }),
    queue: new SqsWorkQueue({ client: new SQSClient({ region }), queueUrl: required('STEPWRIGHT_QUEUE_URL') }),
    // each task runs with its state machine's role, assumed (STEPWRIGHT_WORKER_ROLE_ARN: the worker's own):
    // Lambda tasks through the invoker's per-role clients, service integrations (SQS, SNS, DynamoDB,
    // EventBridge, aws-sdk) through one SDK caller per role
    invoker: new ServiceIntegrationInvoker(new LambdaTaskInvoker({ client: new LambdaClient({ region }), roles: machineRoles() }), callerWithRole(region), async (req) => {
      const credentials = await machineRoles().credentialsFor(req.executionArn);
      return callerWithRole(region, credentials);
    }),
    clock: systemClock,
    random: { random: Math.random, uuid: randomUUID },
    region,
    // The account id is the first path segment of the queue URL: https://sqs.<region>.amazonaws.com/<account>/<name>
    accountId: process.env.STEPWRIGHT_ACCOUNT_ID ?? new URL(required('STEPWRIGHT_QUEUE_URL')).pathname.split('/')[1] ?? '000000000000',
    // the work queue's redrive policy (maxReceiveCount), set by the stack
    maxReceiveCount: process.env.STEPWRIGHT_MAX_RECEIVES ? Number(process.env.STEPWRIGHT_MAX_RECEIVES) : undefined,
    // the reconciler's bound (the stack sets it beside the reconciler's schedule; default 60 s)
    reconcileAfterSeconds: process.env.STEPWRIGHT_RECONCILE_AFTER_SECONDS ? Number(process.env.STEPWRIGHT_RECONCILE_AFTER_SECONDS) : undefined,
    // how Map items and Parallel branches run (the stack's `fanOut` prop; default auto)
    fanOut: fanOutModeOf(process.env.STEPWRIGHT_FAN_OUT, 'STEPWRIGHT_FAN_OUT'),
    // read when a token is first issued or checked, once per container (only the API and worker may read it)
    taskTokens: loadOnce(() => taskTokensFromSecretsManager(region)),
    onExecutionStarted: (record) => publish(startedMetricPoints(record)),
    onExecutionFinished: (status, _executionArn, record) => publish(finishedMetricPoints(status, record)),
  };
  // Each machine's loggingConfiguration: whatever function writes history (the worker's commits, the
  // API's StartSyncExecution and StopExecution) sends it to the machine's log group. The worker (the
  // one function given STEPWRIGHT_WORKER_ROLE_ARN) also logs its own Powertools lines.
  deps.store = withExecutionLogs(deps.store, region, { powertoolsLines: process.env.STEPWRIGHT_WORKER_ROLE_ARN !== undefined });
  cached = deps;
  return cached;
}

/**
 * The worker's execution log: its own Powertools lines (start, end, failure, failed task attempt;
 * the same lines as `stepwright serve`'s, lambda/local/execution-log.ts) and each machine's
 * loggingConfiguration (its events to its CloudWatch Logs group). Neither may fail a commit.
 */
function withExecutionLogs(store: ExecutionStore, region: string, opts: { powertoolsLines: boolean }): ExecutionStore {
  const writer = new CloudWatchLogWriter(new CloudWatchLogsClient({ region }));
  const listeners = [...(opts.powertoolsLines ? [executionLogLines(logger)] : []), machineLogListener(() => store, writer)];
  return observeHistory(store, listeners, (e, executionArn) =>
    logger.warn('could not write the execution log', { executionArn, error: String((e as Error)?.message ?? e) }),
  );
}

/** One Powertools line per line of the execution log, with the execution ARN, state name and trace id as keys. */
export function executionLogLines(log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>): HistoryListener {
  return (events, info) => {
    const known = { executionArn: info.executionArn, stateMachineArn: info.stateMachineArn, traceId: info.traceId, startedAt: info.startDate, child: info.child };
    for (const { level, message, timestamp: _at, traceId, ...keys } of logLinesFor(events, known, info.states)) {
      const write = level === 'DEBUG' ? log.debug : level === 'INFO' ? log.info : level === 'WARN' ? log.warn : log.error;
      write.call(log, message, { ...keys, ...(traceId !== undefined ? { xray_trace_id: traceId } : {}) });
    }
  };
}

/** The stack's task token secret (Secrets Manager; its ARN in STEPWRIGHT_TASK_TOKEN_SECRET_ARN). */
async function taskTokensFromSecretsManager(region: string): Promise<TaskTokens> {
  const secretArn = required('STEPWRIGHT_TASK_TOKEN_SECRET_ARN');
  const r = await new SecretsManagerClient({ region }).send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (typeof r.SecretString !== 'string') throw new Error(`the task token secret ${secretArn} has no SecretString`);
  return new TaskTokens(r.SecretString, `the secret ${secretArn}`);
}
