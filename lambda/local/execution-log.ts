/**
 * The local server's log of executions: one line per execution start, per end (status, duration),
 * per failure (error, cause, the state it failed in) and per failed task attempt; state transitions
 * at DEBUG. Every line carries the execution ARN, the state name (where there is one) and the trace id.
 *
 * On a terminal the lines are for reading; otherwise one JSON object per line with the field names
 * Powertools' logger uses on AWS (level, message, service, timestamp, xray_trace_id), so the same
 * queries work on both. Written here rather than through Powertools' Logger: its JSON output cannot
 * be switched to a readable form, and a sink passed in lets the tests read the lines.
 */
import type { HistoryEvent } from '../engine/history';
import { logLinesFor, type LogLine } from '../runtime/execution-log-lines';
import type { ExecutionEvents, ExecutionInfo } from './execution-events';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type ExecutionLogLevel = (typeof LOG_LEVELS)[number];

/** A --log-level value, case-insensitive; a clear error naming the option otherwise. */
export function executionLogLevelOf(text: string, where = '--log-level'): ExecutionLogLevel {
  const up = text.trim().toUpperCase();
  if ((LOG_LEVELS as readonly string[]).includes(up)) return up as ExecutionLogLevel;
  throw new Error(`${where} must be one of ${LOG_LEVELS.map((l) => l.toLowerCase()).join(', ')}, not '${text}'`);
}

export interface ExecutionLogOptions {
  level: ExecutionLogLevel;
  /** readable lines (a terminal) or JSON lines */
  format: 'pretty' | 'json';
  write: (line: string) => void;
  service?: string;
}

export type { LogLine } from '../runtime/execution-log-lines';

const RANK: Record<ExecutionLogLevel, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3, SILENT: 4 };

/** One line as written: readable, or JSON with Powertools' field names. */
export function formatLogLine(line: LogLine, format: ExecutionLogOptions['format'], service = 'stepwright'): string {
  const { level, message, timestamp, executionArn, stateName, traceId, ...rest } = line;
  if (format === 'json') {
    return JSON.stringify({ level, message, service, timestamp, executionArn, ...(stateName !== undefined ? { stateName } : {}), ...(traceId !== undefined ? { xray_trace_id: traceId } : {}), ...rest });
  }
  const extras = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  const where = [`execution=${executionArn}`, ...(stateName !== undefined ? [`state=${JSON.stringify(stateName)}`] : []), ...(traceId !== undefined ? [`trace=${traceId}`] : [])];
  return `${timestamp} ${level.padEnd(5)} ${message}  ${[...extras, ...where].join(' ')}`;
}

/** Writes the log of `events` until the returned function is called. */
export function startExecutionLog(events: ExecutionEvents, opts: ExecutionLogOptions): () => void {
  const min = RANK[opts.level];
  const onHistory = (evs: HistoryEvent[], info: ExecutionInfo, states: (string | undefined)[]) => {
    for (const line of logLinesFor(evs, info, states)) if (RANK[line.level] >= min) opts.write(formatLogLine(line, opts.format, opts.service));
  };
  events.on('history', onHistory);
  return () => void events.off('history', onHistory);
}
