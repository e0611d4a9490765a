/**
 * A state machine's logging configuration, as Step Functions' (`loggingConfiguration` on
 * CreateStateMachine/UpdateStateMachine: level ALL, ERROR, FATAL or OFF, includeExecutionData, one
 * CloudWatch Logs group): the history events the level lets through are also written, one JSON object
 * per event in AWS's log record shape, to that group.
 *
 * The pure parts (checking a configuration, the level's filter, the record) are here; the writing
 * goes through a port, ExecutionLogWriter (CloudWatch Logs on AWS, lambda/aws/cloudwatch-log-writer.ts;
 * any line sink locally). `observeHistory` watches a store's appended history (every commit's events,
 * whoever commits) and hands each batch, with what is known of its execution, to listeners: the
 * machine's log group, and the worker's own log lines.
 */
import type { HistoryEvent } from '../engine/history';
import type { ExecutionRecord, ExecutionStore, LoggingConfiguration, StateMachineRecord } from '../ports';
import { ApiError } from './api-errors';

export const LOGGING_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'] as const;
export type LoggingLevel = LoggingConfiguration['level'];

/** What DescribeStateMachine says of a machine that never set one (AWS's default). */
export const LOGGING_OFF: LoggingConfiguration = { level: 'OFF', includeExecutionData: false };

/** A CloudWatch Logs log group ARN as Step Functions takes it (with or without the trailing `:*`). */
const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w./#-]{1,512}(:\*)?$/;

const invalid = (message: string) => new ApiError('InvalidLoggingConfiguration', message);

/**
 * The request's loggingConfiguration checked member by member (undefined when absent). Errors are
 * AWS's InvalidLoggingConfiguration, naming the member.
 */
export function checkLoggingConfiguration(value: unknown): LoggingConfiguration | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('loggingConfiguration must be an object');
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!['level', 'includeExecutionData', 'destinations'].includes(key)) throw invalid(`loggingConfiguration.${key} is not a member (level, includeExecutionData, destinations)`);
  const level = v.level ?? 'OFF';
  if (typeof level !== 'string' || !(LOGGING_LEVELS as readonly string[]).includes(level)) throw invalid(`loggingConfiguration.level must be one of ${LOGGING_LEVELS.join(', ')}; got ${JSON.stringify(v.level)}`);
  if (v.includeExecutionData !== undefined && typeof v.includeExecutionData !== 'boolean') throw invalid('loggingConfiguration.includeExecutionData must be a boolean');
  const out: LoggingConfiguration = { level: level as LoggingLevel, includeExecutionData: v.includeExecutionData === true };
  if (v.destinations !== undefined) {
    if (!Array.isArray(v.destinations)) throw invalid('loggingConfiguration.destinations must be an array');
    if (v.destinations.length > 1) throw invalid('loggingConfiguration.destinations may hold one destination');
    out.destinations = v.destinations.map((d: unknown, i) => {
      const arn = (d as { cloudWatchLogsLogGroup?: { logGroupArn?: unknown } } | null)?.cloudWatchLogsLogGroup?.logGroupArn;
      if (typeof arn !== 'string' || !LOG_GROUP_ARN.test(arn)) throw invalid(`loggingConfiguration.destinations[${i}].cloudWatchLogsLogGroup.logGroupArn must be a log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>:*); got ${JSON.stringify(arn)}`);
      return { cloudWatchLogsLogGroup: { logGroupArn: arn } };
    });
  }
  if (out.level !== 'OFF' && !out.destinations?.length) throw invalid(`loggingConfiguration.destinations is required when the level is ${out.level}`);
  return out;
}

/** The log group a configuration writes to, or undefined when it writes nothing. */
export function logGroupOf(cfg: LoggingConfiguration | undefined): string | undefined {
  if (!cfg || cfg.level === 'OFF') return undefined;
  return cfg.destinations?.[0]?.cloudWatchLogsLogGroup.logGroupArn;
}

const FATAL_EVENTS = new Set(['ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** Whether an event is an error at all: a failure, a time-out or an abort of anything, or a Fail state entered. */
export function isErrorEvent(type: string): boolean {
  return /(Failed|TimedOut|Aborted)$/.test(type) || type === 'FailStateEntered';
}

/** The events a level lets through (pure): ALL every one, ERROR the errors, FATAL the execution's own end in failure, OFF none. */
export function eventsToLog(events: HistoryEvent[], level: LoggingLevel): HistoryEvent[] {
  switch (level) {
    case 'ALL':
      return events;
    case 'ERROR':
      return events.filter((e) => isErrorEvent(e.type));
    case 'FATAL':
      return events.filter((e) => FATAL_EVENTS.has(e.type));
    default:
      return [];
  }
}

/** The members of event details that are execution data (left out unless includeExecutionData). */
const DATA_MEMBERS = new Set(['input', 'output', 'parameters', 'result']);

/** The details member of an event (AWS names it after the type), or undefined. */
function detailsOf(e: HistoryEvent): Record<string, unknown> | undefined {
  const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
  return key ? (e[key] as Record<string, unknown> | undefined) : undefined;
}

/** One log record, in the shape Step Functions writes to CloudWatch Logs (ids and times as strings). */
export function logRecordOf(e: HistoryEvent, executionArn: string, includeExecutionData: boolean, redriveCount = 0): Record<string, unknown> {
  const details = detailsOf(e) ?? {};
  return {
    id: String(e.id),
    type: e.type,
    details: includeExecutionData ? details : Object.fromEntries(Object.entries(details).filter(([k]) => !DATA_MEMBERS.has(k))),
    previous_event_id: String(e.previousEventId),
    event_timestamp: String(Date.parse(e.timestamp)),
    execution_arn: executionArn,
    redrive_count: String(redriveCount),
  };
}

/** A batch of log events for one log group (the port's unit of work). */
export interface ExecutionLogBatch {
  logGroupArn: string;
  /** AWS's stream naming for Step Functions: `states/<machine>/<yyyy-mm-dd-hh-mm>/<execution name>` */
  logStreamName: string;
  events: { timestamp: number; message: string }[];
}

/** The port: writes log events to a log group (CloudWatch Logs on AWS). */
export interface ExecutionLogWriter {
  write(batch: ExecutionLogBatch): Promise<void>;
}

/**
 * The local stand-in of the port: each record as one JSON line on `write` (the server's log), with
 * the log group and stream it would go to on AWS.
 */
export function lineLogWriter(write: (line: string) => void): ExecutionLogWriter {
  return {
    write: (batch) => {
      for (const e of batch.events) write(JSON.stringify({ logGroup: batch.logGroupArn, logStream: batch.logStreamName, ...(JSON.parse(e.message) as Record<string, unknown>) }));
      return Promise.resolve();
    },
  };
}

/** What a listener learns of the execution a batch of history belongs to. */
export interface HistoryBatchInfo {
  executionArn: string;
  stateMachineArn: string;
  executionName: string;
  stateMachineName: string;
  traceId?: string;
  startDate: string;
  child: boolean;
  redriveCount: number;
  /** the state each event belongs to: the last one entered before it (or the one it enters) */
  states: (string | undefined)[];
}

export type HistoryListener = (events: HistoryEvent[], info: HistoryBatchInfo) => Promise<void> | void;

/**
 * The batch for the machine's log group, or undefined when its configuration writes nothing of these
 * events (the pure core of `machineLogListener`).
 */
export function logBatchFor(events: HistoryEvent[], info: HistoryBatchInfo, cfg: LoggingConfiguration | undefined): ExecutionLogBatch | undefined {
  const group = logGroupOf(cfg);
  if (!group || !cfg) return undefined;
  const chosen = eventsToLog(events, cfg.level);
  if (chosen.length === 0) return undefined;
  const started = new Date(info.startDate);
  const minute = Number.isNaN(started.getTime()) ? 'unknown' : started.toISOString().slice(0, 16).replace(/[T:]/g, '-');
  return {
    logGroupArn: group,
    logStreamName: `states/${info.stateMachineName}/${minute}/${info.executionName}`,
    events: chosen.map((e) => ({ timestamp: Date.parse(e.timestamp), message: JSON.stringify(logRecordOf(e, info.executionArn, cfg.includeExecutionData, info.redriveCount)) })),
  };
}

/**
 * A listener writing each batch to its machine's log group through `writer`. The machine's
 * configuration is read from the store at most once per `cacheMs` (default 60 s) per machine: an
 * UpdateStateMachine takes effect within that, as AWS's takes effect within a minute or so.
 */
export function machineLogListener(store: () => ExecutionStore, writer: ExecutionLogWriter, opts: { cacheMs?: number; now?: () => number } = {}): HistoryListener {
  const cacheMs = opts.cacheMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const configs = new Map<string, { at: number; cfg: LoggingConfiguration | undefined }>();
  const configOf = async (arn: string) => {
    const hit = configs.get(arn);
    if (hit && now() - hit.at < cacheMs) return hit.cfg;
    const sm: StateMachineRecord | undefined = await store().getStateMachine(arn);
    const cfg = sm?.settings?.loggingConfiguration;
    configs.set(arn, { at: now(), cfg });
    return cfg;
  };
  return async (events, info) => {
    const batch = logBatchFor(events, info, await configOf(info.stateMachineArn));
    if (batch) await writer.write(batch);
  };
}

interface Known {
  rec: Pick<ExecutionRecord, 'executionArn' | 'stateMachineArn' | 'stateMachineName' | 'name' | 'traceId' | 'startDate' | 'child'> & { redriveCount: number };
  lastEventId: number;
  currentState?: string;
}

/** How many executions' details are kept between batches (the oldest are forgotten; they are read again if needed). */
const KNOWN_LIMIT = 2000;

/**
 * `store` with its appended history also handed to `listeners`, once per event id per process (a
 * reconciler's re-flush is not told twice here). The execution's details come from the records this
 * store wrote (every commit writes its record before its history), or are read once when unknown.
 * A listener's failure is reported to `onError` and never fails the commit.
 */
export function observeHistory(store: ExecutionStore, listeners: HistoryListener[], onError: (e: unknown, executionArn: string) => void): ExecutionStore {
  const known = new Map<string, Known>();
  const remember = (rec: ExecutionRecord) => {
    const old = known.get(rec.executionArn);
    known.delete(rec.executionArn); // re-inserted last: the Map's order is the forgetting order
    const redriveCount = rec.snapshot?.execution.redriveCount ?? 0;
    known.set(rec.executionArn, {
      rec: { executionArn: rec.executionArn, stateMachineArn: rec.stateMachineArn, stateMachineName: rec.stateMachineName, name: rec.name, traceId: rec.traceId, startDate: rec.startDate, child: rec.child, redriveCount },
      lastEventId: old?.lastEventId ?? 0,
      currentState: old?.currentState,
    });
    if (known.size > KNOWN_LIMIT) known.delete(known.keys().next().value!);
  };
  const tell = async (executionArn: string, events: HistoryEvent[]) => {
    let k = known.get(executionArn);
    if (!k) {
      const rec = await store.getExecution(executionArn);
      if (!rec) return;
      remember(rec);
      k = known.get(executionArn)!;
    }
    const fresh = events.filter((e) => e.id > k.lastEventId).sort((a, b) => a.id - b.id);
    if (fresh.length === 0) return;
    k.lastEventId = fresh[fresh.length - 1].id;
    const states = fresh.map((e) => {
      if (e.type.endsWith('StateEntered')) k.currentState = String((detailsOf(e) as { name?: unknown } | undefined)?.name);
      return k.currentState;
    });
    const r = k.rec;
    const info: HistoryBatchInfo = { executionArn, stateMachineArn: r.stateMachineArn, stateMachineName: r.stateMachineName, executionName: r.name, traceId: r.traceId, startDate: r.startDate, child: r.child !== undefined, redriveCount: r.redriveCount, states };
    for (const listener of listeners) {
      try {
        await listener(fresh, info);
      } catch (e) {
        onError(e, executionArn);
      }
    }
  };
  // A Proxy rather than a class listing every method: the store port grows, and only three methods
  // are watched. Binding keeps `this` the real store.
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'appendHistory') {
        return async (executionArn: string, events: HistoryEvent[]) => {
          await target.appendHistory(executionArn, events);
          await tell(executionArn, events).catch((e: unknown) => onError(e, executionArn));
        };
      }
      if (prop === 'updateExecution' || prop === 'createExecution') {
        return async (rec: ExecutionRecord, ...rest: unknown[]) => {
          const ok = await (value as (...a: unknown[]) => Promise<boolean>).call(target, rec, ...rest);
          if (ok) remember(rec);
          return ok;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
