/**
 * The log lines a batch of one execution's history events makes: a line per execution start, per end
 * (status, duration), per failure (error, cause, state) and per failed task attempt, state entries at
 * DEBUG; each with the execution ARN, the state name and the trace id. Pure: the local server
 * (local/execution-log.ts) formats and writes them, the AWS worker (aws/deps-from-env.ts) hands them
 * to Powertools' logger.
 */
import type { HistoryEvent } from '../engine/history';

/** What the lines need to know of the execution beside its events. */
export interface LogLineContext {
  executionArn: string;
  stateMachineArn: string;
  traceId?: string;
  /** the execution's start (ISO), for the duration its end reports */
  startedAt?: string;
  /** a spread child (Map item, Parallel branch): no start or end lines of its own */
  child: boolean;
}

export interface LogLine {
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  message: string;
  timestamp: string;
  executionArn: string;
  stateName?: string;
  traceId?: string;
  [field: string]: unknown;
}

const ENDS: Record<string, string> = { ExecutionSucceeded: 'SUCCEEDED', ExecutionFailed: 'FAILED', ExecutionTimedOut: 'TIMED_OUT', ExecutionAborted: 'ABORTED' };
const TASK_FAILURES = new Set(['TaskFailed', 'TaskTimedOut', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'LambdaFunctionStartFailed', 'LambdaFunctionScheduleFailed', 'TaskStartFailed', 'TaskSubmitFailed', 'ActivityFailed', 'ActivityTimedOut', 'ActivityScheduleFailed']);

/** The details member of an event (AWS names it after the type), or {}. */
export function detailsOf(e: HistoryEvent): Record<string, unknown> {
  const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
  return key ? ((e[key] as Record<string, unknown>) ?? {}) : {};
}

/** The lines a batch of one execution's new history events makes (the pure part, tested alone). */
export function logLinesFor(events: HistoryEvent[], info: LogLineContext, states: (string | undefined)[]): LogLine[] {
  const lines: LogLine[] = [];
  let state: string | undefined;
  const base = (e: HistoryEvent, level: LogLine['level'], message: string, fields: Record<string, unknown> = {}): LogLine => ({
    level,
    message,
    timestamp: e.timestamp,
    executionArn: info.executionArn,
    ...(state !== undefined ? { stateName: state } : {}),
    ...(info.traceId !== undefined ? { traceId: info.traceId } : {}),
    ...fields,
  });
  events.forEach((e, i) => {
    const d = detailsOf(e);
    state = states[i];
    if (e.type.endsWith('StateEntered')) {
      lines.push(base(e, 'DEBUG', 'state entered', { stateType: e.type.slice(0, -'StateEntered'.length) }));
    } else if (e.type === 'ExecutionStarted' && !info.child) {
      // no state yet: the line names the one the execution starts in, entered in the same batch
      const first = events.slice(i + 1).find((x) => x.type.endsWith('StateEntered'));
      if (first) state = String(detailsOf(first).name);
      lines.push(base(e, 'INFO', 'execution started', { stateMachineArn: info.stateMachineArn }));
    } else if (TASK_FAILURES.has(e.type)) {
      lines.push(base(e, 'WARN', 'task attempt failed', { error: d.error, cause: d.cause, event: e.type }));
    } else if (ENDS[e.type] && !info.child) {
      const status = ENDS[e.type];
      const start = Date.parse(info.startedAt ?? '');
      const durationMs = Number.isFinite(start) ? Date.parse(e.timestamp) - start : undefined;
      const failed = status !== 'SUCCEEDED';
      lines.push(base(e, failed ? 'ERROR' : 'INFO', `execution ${status === 'SUCCEEDED' ? 'succeeded' : status === 'FAILED' ? 'failed' : status === 'TIMED_OUT' ? 'timed out' : 'aborted'}`, {
        status,
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(failed ? { error: d.error, cause: d.cause } : {}),
      }));
    }
  });
  return lines;
}

