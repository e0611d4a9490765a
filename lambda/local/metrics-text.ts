/**
 * The local server's metrics, for `GET /metrics` in the Prometheus text format (version 0.0.4):
 * the execution counts and ExecutionTime the worker publishes on AWS (the same data points, from
 * aws/execution-metrics.ts), plus state transitions and task durations, per state machine.
 *
 * Hand-written rather than prom-client: a handful of counters and sums, and the text format is a few
 * lines; a dependency would add a registry and default process metrics nobody asked for.
 */
import { finishedMetricPoints, startedMetricPoints, STATE_MACHINE_DIMENSION, type MetricPoint } from '../aws/execution-metrics';
import type { HistoryEvent } from '../engine/history';
import type { ExecutionEvents, ExecutionInfo } from './execution-events';

interface Family {
  help: string;
  type: 'counter' | 'summary';
  /** label text ('' or `{a="b"}`) -> value; a summary keeps `_sum` and `_count` */
  values: Map<string, { sum: number; count: number }>;
}

/** Prometheus name of each metric AWS names (aws/execution-metrics.ts), with its help text. */
const FROM_AWS: Record<string, { name: string; help: string; type: Family['type'] }> = {
  ExecutionsStarted: { name: 'stepwright_executions_started_total', help: 'Executions started', type: 'counter' },
  ExecutionsSucceeded: { name: 'stepwright_executions_succeeded_total', help: 'Executions that succeeded', type: 'counter' },
  ExecutionsFailed: { name: 'stepwright_executions_failed_total', help: 'Executions that failed', type: 'counter' },
  ExecutionsTimedOut: { name: 'stepwright_executions_timed_out_total', help: 'Executions that timed out', type: 'counter' },
  ExecutionsAborted: { name: 'stepwright_executions_aborted_total', help: 'Executions that were stopped (aborted)', type: 'counter' },
  ExecutionTime: { name: 'stepwright_execution_time_milliseconds', help: 'Time from start to end of executions, in milliseconds', type: 'summary' },
};
const TRANSITIONS = 'stepwright_state_transitions_total';
const TASK_DURATION = 'stepwright_task_duration_milliseconds';

const TASK_STARTS = new Set(['TaskStarted', 'LambdaFunctionStarted']);
const TASK_ENDS = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'LambdaFunctionSucceeded', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut']);

/** A label value escaped as the text format asks (backslash, double quote, newline). */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  constructor() {
    // every family is listed from the start, so a scrape before the first execution shows the names
    for (const f of Object.values(FROM_AWS)) this.family(f.name, f.help, f.type);
    this.family(TRANSITIONS, 'States entered (state transitions)', 'counter');
    this.family(TASK_DURATION, 'Time from a task attempt starting to its answer, in milliseconds, by state', 'summary');
  }

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, values: new Map() }));
    return f;
  }

  add(name: string, labelValues: Record<string, string>, value: number): void {
    const f = this.families.get(name);
    if (!f) throw new Error(`unknown metric ${name}`);
    const key = labels(labelValues);
    const v = f.values.get(key) ?? { sum: 0, count: 0 };
    v.sum += value;
    v.count += 1;
    f.values.set(key, v);
  }

  /** The per-state-machine points of aws/execution-metrics.ts (the engine-wide copies are a sum Prometheus makes itself). */
  addPoints(points: MetricPoint[]): void {
    for (const p of points) {
      const arn = p.dimensions[STATE_MACHINE_DIMENSION];
      const to = FROM_AWS[p.name];
      if (arn === undefined || !to) continue;
      this.add(to.name, { state_machine_arn: arn }, p.value);
    }
  }

  /** State transitions and task durations from one execution's new history events. */
  addHistory(events: HistoryEvent[], info: ExecutionInfo, states: (string | undefined)[]): void {
    const sm = info.stateMachineArn;
    events.forEach((e, i) => {
      const state = states[i];
      if (e.type.endsWith('StateEntered')) this.add(TRANSITIONS, { state_machine_arn: sm }, 1);
      else if (state === undefined) return;
      else if (TASK_STARTS.has(e.type)) info.taskStarted.set(state, Date.parse(e.timestamp));
      else if (TASK_ENDS.has(e.type)) {
        const start = info.taskStarted.get(state);
        info.taskStarted.delete(state);
        if (start !== undefined) this.add(TASK_DURATION, { state_machine_arn: sm, state }, Math.max(0, Date.parse(e.timestamp) - start));
      }
    });
  }

  /** The exposition text. */
  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [key, v] of f.values) {
        if (f.type === 'counter') out.push(`${name}${key} ${v.sum}`);
        else out.push(`${name}_sum${key} ${v.sum}`, `${name}_count${key} ${v.count}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

/** A registry fed by `events` (one per server). */
export function startMetrics(events: ExecutionEvents): MetricsRegistry {
  const reg = new MetricsRegistry();
  events.on('started', (rec) => reg.addPoints(startedMetricPoints(rec)));
  events.on('finished', (status, rec) => reg.addPoints(finishedMetricPoints(status, rec)));
  events.on('history', (evs, info, states) => reg.addHistory(evs, info, states));
  return reg;
}

const registries = new WeakMap<ExecutionEvents, MetricsRegistry>();

/** The one registry of `events`, made on first use. */
export function metricsOf(events: ExecutionEvents): MetricsRegistry {
  let reg = registries.get(events);
  if (!reg) registries.set(events, (reg = startMetrics(events)));
  return reg;
}
