/**
 * `stepwright conformance <dir> --engine durable [--fan-out auto|spread|inline]`: every case through
 * the durable engine as a user runs it. One local engine per run (the embedded DynamoDB and the
 * journaled queue, in memory; the real worker handler; time scale 0, so Waits and retry intervals
 * end at once), and per case the API operations a user calls: CreateStateMachine, StartExecution,
 * DescribeExecution (until the execution has ended) and GetExecutionHistory (every page). The case's
 * task behaviours (behaviours.ts) answer its Tasks through the local task invoker; spread children
 * share their root execution's table, so a `sequence` counts the calls of the whole case, as in process.
 *
 * Cases run a few at a time (they wait on queue round trips, not on CPU), and are reported in corpus
 * order with the same summary lines as the in-process runner. The comparison is the in-process
 * runner's own (run.ts caseDifferences): status, output or error and cause, and the history where the
 * case recorded one, read here through GetExecutionHistory as a user reads it.
 */
import { randomUUID } from 'node:crypto';
import { startLocalEngine, type LocalEngine } from '../local/local-engine';
import { LocalTaskInvoker } from '../local/local-invoker';
import { resolverFromTable } from '../local/tasks';
import * as svc from '../runtime/service';
import type { FanOutMode } from '../engine/interpreter';
import type { HistoryEvent } from '../engine/history';
import type { TaskInvoker, TaskOutcome, TaskRequest } from '../ports';
import { tasksFromBehaviours } from './behaviours';
import { caseDifferences, reportOutcomes, selectCases, type CaseOutcome, type CaseResult, type ConformanceCase, type ConformanceSummary } from './run';
import { forEachLimited } from '../for-each-limited';

export interface DurableConformanceOptions {
  fanOut?: FanOutMode;
  expectationsFile?: string;
  filter?: string;
  /** cases in flight at once (default 8) */
  concurrency?: number;
  log?: (line: string) => void;
}

const ROLE = 'arn:aws:iam::111111111111:role/stepwright-conformance';
/** A case that has not ended by then is stuck (time scale 0: no case waits for anything real). */
const CASE_TIMEOUT_MS = 60_000;
const POLL_MS = 200;

/**
 * Answers each Task with the behaviours of the case whose execution (or spread child, named under its
 * root's ARN) asks: the state machine's name in the ARN is the case's key.
 */
class CaseTaskInvoker implements TaskInvoker {
  private readonly byMachine = new Map<string, LocalTaskInvoker>();
  register(machineName: string, c: ConformanceCase): void {
    this.byMachine.set(machineName, new LocalTaskInvoker(resolverFromTable(tasksFromBehaviours(c.tasks ?? {})), undefined, { onCallbackError: () => {} }));
  }
  forget(machineName: string): void {
    this.byMachine.delete(machineName);
  }
  invoke(req: TaskRequest): Promise<TaskOutcome> {
    // arn:aws:states:<region>:<account>:execution:<machine>:<name>[/<state>/<token>/<index>...]
    const invoker = this.byMachine.get(req.executionArn.split(':')[6] ?? '');
    if (!invoker) return Promise.resolve({ ok: false, error: 'States.TaskFailed', cause: `no conformance case owns ${req.executionArn}` });
    return invoker.invoke(req);
  }
}

/** Resolves when the execution has left RUNNING: told by the worker, or seen by DescribeExecution. */
function ended(engine: LocalEngine, waiters: Map<string, () => void>, arn: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    const done = () => {
      clearTimeout(timer);
      waiters.delete(arn);
      resolve();
    };
    waiters.set(arn, done);
    // the poll is the user's way (DescribeExecution); the hook only saves its latency
    const poll = async () => {
      try {
        const d = await svc.describeExecution(engine.deps, arn);
        if (d.status !== 'RUNNING') return done();
        if (Date.now() - started > CASE_TIMEOUT_MS) {
          waiters.delete(arn);
          return reject(new Error(`execution still RUNNING after ${CASE_TIMEOUT_MS} ms`));
        }
        timer = setTimeout(() => void poll(), POLL_MS);
      } catch (e) {
        waiters.delete(arn);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    void poll();
  });
}

/** Every event of the execution, through GetExecutionHistory's pages (as a console or SDK pages it). */
export async function fullHistory(engine: LocalEngine, executionArn: string, maxResults = 1000): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await svc.getExecutionHistory(engine.deps, { executionArn, maxResults, nextToken });
    events.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** A durable conformance engine: one per run (or per test file), closed by the caller. */
export interface DurableCaseRunner {
  engine: LocalEngine;
  run(c: ConformanceCase): Promise<CaseResult>;
  close(): Promise<void>;
}

export async function startDurableCaseRunner(fanOut: FanOutMode = 'auto'): Promise<DurableCaseRunner> {
  // The SDK's notice about Node 20 support says nothing about the cases.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const invoker = new CaseTaskInvoker();
  const engine = await startLocalEngine({ invoker, timeScale: 0, fanOut, concurrency: 8 });
  const waiters = new Map<string, () => void>();
  engine.deps.onExecutionFinished = (_status, arn) => waiters.get(arn)?.();
  let n = 0;
  return {
    engine,
    async run(c) {
      // a machine per case: its name keys the case's tasks (and never collides with another case's)
      const machineName = `case-${n++}-${randomUUID().slice(0, 8)}`;
      invoker.register(machineName, c);
      try {
        const { stateMachineArn } = await svc.createStateMachine(engine.deps, { name: machineName, definition: JSON.stringify(c.definition), roleArn: ROLE });
        const { executionArn } = await svc.startExecution(engine.deps, { stateMachineArn, input: JSON.stringify(c.input) });
        await ended(engine, waiters, executionArn);
        const d = await svc.describeExecution(engine.deps, executionArn);
        const events = await fullHistory(engine, executionArn);
        return { status: d.status, output: d.output === undefined ? undefined : (JSON.parse(d.output) as unknown), error: d.error, cause: d.cause, events };
      } finally {
        invoker.forget(machineName);
      }
    },
    close: () => engine.close(),
  };
}

/** Runs one case durably and compares it with what AWS recorded. */
export async function runCaseDurably(runner: DurableCaseRunner, c: ConformanceCase): Promise<CaseOutcome> {
  try {
    const result = await runner.run(c);
    const differences = caseDifferences(c, result);
    return { name: c.name, group: c.group, passed: differences.length === 0, differences };
  } catch (e) {
    return { name: c.name, group: c.group, passed: false, differences: [{ path: '(crash)', expected: c.expected.status, actual: String((e as Error)?.stack ?? e) }] };
  }
}

export async function runConformanceDurable(dir: string, opts: DurableConformanceOptions = {}): Promise<ConformanceSummary> {
  const { cases, known } = selectCases(dir, opts);
  const runner = await startDurableCaseRunner(opts.fanOut ?? 'auto');
  const outcomes: CaseOutcome[] = new Array<CaseOutcome>(cases.length);
  try {
    await forEachLimited(cases, opts.concurrency ?? 8, async (c, i) => {
      outcomes[i] = await runCaseDurably(runner, c);
    });
  } finally {
    await runner.close();
  }
  return reportOutcomes(cases, outcomes, known, opts.log ?? ((l: string) => console.log(l)));
}
