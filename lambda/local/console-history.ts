/**
 * What an execution's history says about each state: how it went (succeeded, failed, caught,
 * running; a state with no entry was not reached), its input and output, the error and cause of its
 * last failure, how many attempts were retried, and when it was entered and left. The console colours
 * the graph and fills the state panel from this; `stepwright graph --execution` colours its output.
 *
 * Pure and browser-safe. History events name states but not their nesting; ASL state names are
 * unique across a definition, so the name is enough.
 */
export type StateStatus = 'succeeded' | 'failed' | 'caught' | 'running';

export interface StateRun {
  name: string;
  status: StateStatus;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** failed attempts that were tried again */
  retries: number;
  enteredAt: string;
  exitedAt?: string;
  /** how many times the state was entered (a loop, Map items run inline) */
  entries: number;
}

interface EventLike {
  type: string;
  timestamp: string;
  id: number;
  [details: string]: unknown;
}

const FAILURE = /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$|^(Map|Parallel)StateFailed$|^MapRunFailed$/;
const ATTEMPT = /^(Task|LambdaFunction|Activity)Scheduled$/;
const ENDED = /^Execution(Failed|TimedOut|Aborted)$/;

function details(e: EventLike): Record<string, unknown> {
  const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
  return key && typeof e[key] === 'object' && e[key] !== null ? (e[key] as Record<string, unknown>) : {};
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Each state's run, by name, from an execution's history (oldest first). */
export function stateRuns(history: readonly EventLike[]): Map<string, StateRun> {
  const runs = new Map<string, StateRun>();
  /** the state each failure is charged to: the last entered that has not exited */
  const open: string[] = [];
  const failedPending = new Set<string>();
  const current = () => open[open.length - 1];
  for (const e of history) {
    const d = details(e);
    if (e.type.endsWith('StateEntered')) {
      const name = String(d.name);
      // entering a state while another failed and did not exit: that one's error was caught
      const prev = current();
      if (prev !== undefined && failedPending.has(prev)) {
        runs.get(prev)!.status = 'caught';
        failedPending.delete(prev);
        open.pop();
      }
      const run = runs.get(name);
      runs.set(name, { name, status: 'running', input: str(d.input), retries: run?.retries ?? 0, enteredAt: e.timestamp, entries: (run?.entries ?? 0) + 1, ...(run?.error ? { error: run.error, cause: run.cause } : {}) });
      open.push(name);
    } else if (e.type.endsWith('StateExited')) {
      const name = String(d.name);
      const run = runs.get(name);
      if (run) {
        run.status = failedPending.has(name) ? 'caught' : 'succeeded';
        run.output = str(d.output);
        run.exitedAt = e.timestamp;
      }
      failedPending.delete(name);
      const i = open.lastIndexOf(name);
      if (i >= 0) open.splice(i, 1);
    } else if (FAILURE.test(e.type)) {
      const name = current();
      const run = name === undefined ? undefined : runs.get(name);
      if (run && name !== undefined) {
        run.error = str(d.error);
        run.cause = str(d.cause);
        failedPending.add(name);
      }
    } else if (ATTEMPT.test(e.type)) {
      // a new attempt after a failure: the failure was retried
      const name = current();
      if (name !== undefined && failedPending.has(name)) {
        runs.get(name)!.retries += 1;
        failedPending.delete(name);
      }
    } else if (ENDED.test(e.type)) {
      for (const name of open) {
        const run = runs.get(name)!;
        run.status = 'failed';
        run.exitedAt = e.timestamp;
        if (run.error === undefined) {
          run.error = str(d.error);
          run.cause = str(d.cause);
        }
      }
      open.length = 0;
    } else if (e.type === 'ExecutionSucceeded') {
      for (const name of open) runs.get(name)!.status = 'succeeded';
      open.length = 0;
    }
  }
  return runs;
}

/** The colours of the console and of `stepwright graph --execution`, by status ('unreached' for a state never entered). */
export const STATUS_COLOURS: Record<StateStatus | 'unreached', { fill: string; stroke: string }> = {
  succeeded: { fill: '#d3f3d8', stroke: '#2e9e44' },
  failed: { fill: '#fbd5d5', stroke: '#d13212' },
  caught: { fill: '#ffe8c2', stroke: '#e07b00' },
  running: { fill: '#d6e8ff', stroke: '#1f6fd1' },
  unreached: { fill: '#ffffff', stroke: '#9aa5b1' },
};
