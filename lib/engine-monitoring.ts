/**
 * The engine's monitoring, created in the engine's own scope: the worker's custom metrics, the
 * alarms (with the alarm topic's actions) and the dashboard.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StepwrightEngineProps } from './engine-props';

/** Where the worker publishes its custom metrics (Powertools metrics, EMF). */
export const METRICS_NAMESPACE = 'Stepwright';
/** POWERTOOLS_SERVICE_NAME; Powertools adds it as the `service` dimension of every metric. */
export const SERVICE_NAME = 'stepwright';

/** The alarms the engine creates; all have the alarm topic's actions when one is given. */
export interface StepwrightAlarms {
  readonly workerErrors: cloudwatch.Alarm;
  readonly apiErrors: cloudwatch.Alarm;
  readonly queueDepth: cloudwatch.Alarm;
  readonly deadLetterQueueDepth: cloudwatch.Alarm;
  readonly executionsFailed: cloudwatch.Alarm;
}

/** What the alarms and the dashboard watch. */
export interface MonitoredParts {
  readonly table: dynamodb.ITable;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly workerFunction: lambda.IFunction;
  readonly apiFunction: lambda.IFunction;
  readonly api: apigwv2.IHttpApi;
}

/** The execution metrics the worker publishes (lambda/aws/execution-metrics.ts), by their AWS names. */
export type ExecutionMetricName = 'ExecutionsStarted' | 'ExecutionsSucceeded' | 'ExecutionsFailed' | 'ExecutionsTimedOut' | 'ExecutionsAborted' | 'ExecutionTime';

/** The dimension of the per-state-machine series (AWS's name for it). */
export const STATE_MACHINE_DIMENSION = 'StateMachineArn';

/**
 * One execution metric as the worker publishes it: `service` always (Powertools adds it), plus
 * StateMachineArn for one state machine's series (omit it for the engine-wide series). Counts are
 * summed over 5 minutes, ExecutionTime (milliseconds) averaged; `props` overrides either.
 */
export function executionMetric(metricName: ExecutionMetricName, stateMachineArn: string | undefined, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...(stateMachineArn ? { [STATE_MACHINE_DIMENSION]: stateMachineArn } : {}) },
    statistic: metricName === 'ExecutionTime' ? 'Average' : 'Sum',
    period: Duration.minutes(5),
    ...props,
  });
}

/**
 * Executions that ended FAILED or TIMED_OUT: the sum the "executions failed" alarm watches (a
 * missing series counts 0). ABORTED is left out: an abort is a StopExecution someone asked for, not
 * a fault (watch `metricAborted()` for it). Spread Map items and Parallel branches are not counted:
 * only their parent's outcome is.
 */
export function executionsFailedOrTimedOut(stateMachineArn: string | undefined, props: cloudwatch.MathExpressionOptions = {}): cloudwatch.MathExpression {
  const period = props.period ?? Duration.minutes(5);
  return new cloudwatch.MathExpression({
    expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
    usingMetrics: {
      failed: executionMetric('ExecutionsFailed', stateMachineArn, { period }),
      timedOut: executionMetric('ExecutionsTimedOut', stateMachineArn, { period }),
    },
    label: 'Executions failed or timed out',
    period,
    ...props,
  });
}

/** @deprecated the engine-wide ExecutionsFailed series; use `executionMetric('ExecutionsFailed', undefined, props)` */
export function executionsFailedMetric(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return executionMetric('ExecutionsFailed', undefined, props);
}

/** Every alarm of the engine (Object.values on the interface itself would be `any[]`). */
function alarmList(alarms: StepwrightAlarms): cloudwatch.Alarm[] {
  const byName: Record<keyof StepwrightAlarms, cloudwatch.Alarm> = alarms;
  return Object.values(byName);
}

export function createAlarms(engine: Construct, parts: MonitoredParts, props: StepwrightEngineProps): StepwrightAlarms {
  const fiveMinutes = Duration.minutes(5);
  const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) =>
    new cloudwatch.Alarm(engine, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  const alarms: StepwrightAlarms = {
    workerErrors: alarm(
      'WorkerErrorsAlarm',
      parts.workerFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'Stepwright worker invocations failed (crashes or timeouts; failed messages are retried, then dead-lettered)',
    ),
    apiErrors: alarm('ApiErrorsAlarm', parts.apiFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1, 'Stepwright API function errors'),
    queueDepth: alarm(
      'QueueDepthAlarm',
      parts.queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      props.queueDepthAlarmThreshold ?? 1000,
      'Stepwright work queue backlog: the worker is not keeping up (check maximum concurrency and errors)',
      3,
    ),
    deadLetterQueueDepth: alarm(
      'DeadLetterQueueAlarm',
      parts.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      1,
      'Stepwright work messages failed every delivery and were dead-lettered: their executions are stuck until redriven',
    ),
    executionsFailed: alarm('ExecutionsFailedAlarm', executionsFailedOrTimedOut(undefined), 1, 'Stepwright executions ended FAILED or TIMED_OUT (ExecutionsFailed + ExecutionsTimedOut; spread Map items and Parallel branches are not counted, aborts are not)'),
  };
  if (props.alarmTopic) {
    const action = new cwActions.SnsAction(props.alarmTopic);
    for (const a of alarmList(alarms)) a.addAlarmAction(action);
  }
  return alarms;
}

export function createDashboard(engine: Construct, parts: MonitoredParts, alarms: StepwrightAlarms, dashboardName: string | undefined): cloudwatch.Dashboard {
  const { table, queue, deadLetterQueue, workerFunction, apiFunction, api } = parts;
  const p = { period: Duration.minutes(5) };
  const d = new cloudwatch.Dashboard(engine, 'Dashboard', { dashboardName });
  const width = 8;
  d.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Stepwright alarms', alarms: alarmList(alarms), width: 24, height: 3 }),
  );
  d.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Executions',
      left: [
        executionMetric('ExecutionsStarted', undefined, { label: 'started' }),
        executionMetric('ExecutionsSucceeded', undefined, { label: 'succeeded' }),
        executionMetric('ExecutionsFailed', undefined, { label: 'failed' }),
        executionMetric('ExecutionsTimedOut', undefined, { label: 'timed out' }),
        executionMetric('ExecutionsAborted', undefined, { label: 'aborted' }),
      ],
      right: [executionMetric('ExecutionTime', undefined, { label: 'execution time (ms, average)' })],
      width,
    }),
    new cloudwatch.GraphWidget({
      title: 'Work queue',
      left: [
        queue.metricApproximateNumberOfMessagesVisible({ ...p, label: 'visible' }),
        queue.metricApproximateNumberOfMessagesNotVisible({ ...p, label: 'in flight' }),
        new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesDelayed', dimensionsMap: { QueueName: queue.queueName }, statistic: 'Maximum', ...p, label: 'delayed (waits, retries)' }),
      ],
      right: [queue.metricApproximateAgeOfOldestMessage({ ...p, label: 'oldest (s)' })],
      width,
    }),
    new cloudwatch.GraphWidget({ title: 'Dead-letter queue', left: [deadLetterQueue.metricApproximateNumberOfMessagesVisible(p)], width }),
  );
  d.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Worker',
      left: [workerFunction.metricInvocations(p), workerFunction.metricErrors(p), workerFunction.metricThrottles(p)],
      right: [workerFunction.metricDuration({ ...p, statistic: 'p95' })],
      width,
    }),
    new cloudwatch.GraphWidget({
      title: 'Worker concurrency',
      left: [workerFunction.metric('ConcurrentExecutions', { ...p, statistic: 'Maximum' })],
      width,
    }),
    new cloudwatch.GraphWidget({
      title: 'API',
      left: [
        new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: 'Count', dimensionsMap: { ApiId: api.apiId }, statistic: 'Sum', ...p }),
        new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: '4xx', dimensionsMap: { ApiId: api.apiId }, statistic: 'Sum', ...p }),
        new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: '5xx', dimensionsMap: { ApiId: api.apiId }, statistic: 'Sum', ...p }),
      ],
      right: [apiFunction.metricDuration({ ...p, statistic: 'p95' })],
      width,
    }),
  );
  d.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'DynamoDB capacity',
      left: [table.metricConsumedReadCapacityUnits(p), table.metricConsumedWriteCapacityUnits(p)],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'DynamoDB throttled requests',
      left: [
        table.metricThrottledRequestsForOperations({
          ...p,
          operations: [dynamodb.Operation.PUT_ITEM, dynamodb.Operation.GET_ITEM, dynamodb.Operation.QUERY, dynamodb.Operation.BATCH_WRITE_ITEM, dynamodb.Operation.DELETE_ITEM],
        }),
      ],
      width: 12,
    }),
  );
  return d;
}
