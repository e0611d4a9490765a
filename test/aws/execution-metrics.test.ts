/**
 * The worker's execution metric data points (lambda/aws/execution-metrics.ts): AWS's names, the
 * StateMachineArn dimension beside the engine-wide series, nothing for spread children.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ExecutionRecord } from '../../lambda/ports';
import { finishedMetricPoints, startedMetricPoints, type MetricPoint } from '../../lambda/aws/execution-metrics';
import { executionsFailedOrTimedOut } from '../../lib/engine-monitoring';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const root = { stateMachineArn: SM, startDate: '2026-01-01T00:00:00.000Z', stopDate: '2026-01-01T00:00:02.500Z' };
const child = { ...root, child: {} as NonNullable<ExecutionRecord['child']> };

const names = (points: MetricPoint[]) => points.map((p) => `${p.name}${p.dimensions.StateMachineArn ? ` @${p.dimensions.StateMachineArn}` : ''}=${p.value}${p.unit === 'Milliseconds' ? 'ms' : ''}`);

test('a TIMED_OUT root execution: ExecutionsTimedOut with its StateMachineArn and engine-wide, and ExecutionTime', () => {
  expect(names(finishedMetricPoints('TIMED_OUT', root))).toEqual([`ExecutionsTimedOut @${SM}=1`, 'ExecutionsTimedOut=1', `ExecutionTime @${SM}=2500ms`, 'ExecutionTime=2500ms']);
});

test("a TIMED_OUT execution's metric is one the engine's failed alarm sums", () => {
  const [point] = finishedMetricPoints('TIMED_OUT', root);
  const summed = Object.values(executionsFailedOrTimedOut(undefined).usingMetrics).map((m) => (m instanceof cloudwatch.Metric ? m.metricName : ''));
  expect(summed).toContain(point.name);
  const [failed] = finishedMetricPoints('FAILED', root);
  expect(summed).toContain(failed.name);
  const [aborted] = finishedMetricPoints('ABORTED', root);
  expect(aborted.name).toBe('ExecutionsAborted');
  expect(summed).not.toContain(aborted.name);
});

test('every outcome has its AWS name', () => {
  expect(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].map((s) => finishedMetricPoints(s, root)[0].name)).toEqual(['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']);
});

test("a spread child's failure (a Map item or Parallel branch) publishes nothing", () => {
  expect(finishedMetricPoints('FAILED', child)).toEqual([]);
  expect(finishedMetricPoints('SUCCEEDED', child)).toEqual([]);
  expect(startedMetricPoints(child)).toEqual([]);
});

test('a started root execution: ExecutionsStarted, per machine and engine-wide', () => {
  expect(startedMetricPoints(root)).toEqual([
    { name: 'ExecutionsStarted', unit: 'Count', value: 1, dimensions: { StateMachineArn: SM } },
    { name: 'ExecutionsStarted', unit: 'Count', value: 1, dimensions: {} },
  ]);
});

test('RUNNING is no outcome; no stop date, no ExecutionTime', () => {
  expect(finishedMetricPoints('RUNNING', root)).toEqual([]);
  expect(names(finishedMetricPoints('FAILED', { ...root, stopDate: undefined }))).toEqual([`ExecutionsFailed @${SM}=1`, 'ExecutionsFailed=1']);
});
