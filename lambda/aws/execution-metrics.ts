/**
 * The execution metrics the worker publishes (namespace Stepwright, AWS's names): what one start or
 * end of an execution record turns into, as plain data points. deps-from-env.ts hands them to
 * Powertools (EMF); the CDK side (lib/engine-monitoring.ts) alarms and graphs the same names.
 *
 * Each point is published twice: with the `StateMachineArn` dimension (per state machine, as AWS's
 * AWS/States metrics) and without it (the engine-wide series the engine's alarms watch). Powertools
 * adds the `service` dimension to both. A spread child (a Map item or Parallel branch with its own
 * record, `child` set) publishes nothing: its parent's outcome is the execution's.
 */
import type { ExecutionRecord } from '../ports';

/** The dimension AWS's Step Functions metrics use for a state machine. */
export const STATE_MACHINE_DIMENSION = 'StateMachineArn';

export const EXECUTION_METRIC_BY_STATUS: Readonly<Record<string, string>> = {
  SUCCEEDED: 'ExecutionsSucceeded',
  FAILED: 'ExecutionsFailed',
  TIMED_OUT: 'ExecutionsTimedOut',
  ABORTED: 'ExecutionsAborted',
};

export interface MetricPoint {
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
  /** dimensions besides `service` ({} for the engine-wide series) */
  readonly dimensions: Readonly<Record<string, string>>;
}

type MetricRecord = Pick<ExecutionRecord, 'stateMachineArn' | 'startDate' | 'stopDate' | 'child'>;

function both(name: string, unit: MetricPoint['unit'], value: number, rec: MetricRecord): MetricPoint[] {
  return [
    { name, unit, value, dimensions: { [STATE_MACHINE_DIMENSION]: rec.stateMachineArn } },
    { name, unit, value, dimensions: {} },
  ];
}

/** ExecutionsStarted when the worker starts a root execution; nothing for a spread child. */
export function startedMetricPoints(rec: MetricRecord): MetricPoint[] {
  if (rec.child) return [];
  return both('ExecutionsStarted', 'Count', 1, rec);
}

/**
 * The outcome's count (ExecutionsSucceeded/Failed/TimedOut/Aborted) and ExecutionTime (ms, start to
 * stop) of a root execution that ended; nothing for a spread child or a status that is not an end.
 */
export function finishedMetricPoints(status: string, rec: MetricRecord): MetricPoint[] {
  if (rec.child) return [];
  const name = EXECUTION_METRIC_BY_STATUS[status];
  if (!name) return [];
  const points = both(name, 'Count', 1, rec);
  const start = Date.parse(rec.startDate);
  const stop = rec.stopDate ? Date.parse(rec.stopDate) : NaN;
  if (Number.isFinite(start) && Number.isFinite(stop) && stop >= start) points.push(...both('ExecutionTime', 'Milliseconds', stop - start, rec));
  return points;
}
