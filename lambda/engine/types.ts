/**
 * The interpreter's data: the execution snapshot it reads and returns, the events that wake it,
 * and the effects it asks its caller to carry out. All of it is plain JSON so a worker can store
 * a snapshot, lose its process, and resume on another machine.
 */
import type { HistoryEvent } from './history';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Facts about the execution that the context object ($$) exposes. */
export interface ExecutionInfo {
  arn: string;
  name: string;
  input: unknown;
  startTime: string;
  roleArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  redriveCount: number;
  /** when the execution was last redriven ($$.Execution.RedriveTime, DescribeExecution's redriveDate); absent until then */
  redriveTime?: string;
}

/** Where a run is waiting, and for what. `token` ties the answer to this very wait. */
export type Waiting =
  | { kind: 'task'; token: string; resource: string; effectiveInput: unknown; timeoutToken?: string; heartbeatToken?: string; heartbeatSeconds?: number; timeoutSeconds?: number; activityStarted?: boolean }
  | { kind: 'timer'; token: string; until: string }
  | { kind: 'retry'; token: string; until: string }
  /** `token` is set when the children are separate executions (spread): their fan-in answers with it */
  | { kind: 'children'; token?: string };

/** Fan-out bookkeeping of a Map or Parallel state while its children run. */
export interface FanOut {
  kind: 'map' | 'parallel';
  /** the state's effective input (after InputPath/Parameters), kept for ItemSelector/branch inputs */
  effectiveInput: unknown;
  /** Map: the items to iterate; Parallel: undefined (branch count instead) */
  items?: unknown[];
  total: number;
  /** index of the next child to start */
  nextIndex: number;
  running: number;
  maxConcurrency: number;
  results: unknown[];
  succeeded: number;
  failed: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  distributed: boolean;
  /** first failure seen (in completion order), reported when the state fails */
  firstError?: { error: string; cause?: string };
  /** per child: true once it succeeded (a redrive re-runs only the others) */
  completed?: boolean[];
  /** the Map's ItemBatcher settings, if any */
  batcher?: { maxItems?: number; maxBytes?: number; batchInput?: unknown };
  /** set when the children run as separate executions (see SpawnChildren); items and results then live with them */
  spread?: { fanId: string; token: string; generation: number };
  /**
   * spread, with a ResultWriter: the results stay with the Map Run's children (readable page by page
   * through the API) and the state's result names the Map Run instead of holding them
   */
  resultsKept?: boolean;
  /** spread: indices whose failure has been counted (a duplicate report is ignored) */
  failedIndices?: number[];
}

/**
 * A run is one thread of states: the execution itself ("root"), a Parallel branch, or a Map item.
 * `machinePath` points (as JSON pointer tokens) to the {StartAt, States} object it runs, inside the definition.
 */
export interface Run {
  id: string;
  parentId?: string;
  /** index of this child within the parent's Map items or Parallel branches */
  childIndex?: number;
  machinePath: string[];
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stateName: string;
  /** the raw input of the current state */
  stateInput: unknown;
  enteredEventId: number;
  enteredTime: string;
  /** attempts used so far, per Retry rule index, for the current state */
  retryCounts: number[];
  waiting?: Waiting;
  fanOut?: FanOut;
  /** this scope's workflow variables (outer scopes are read through parentId) */
  variables: Record<string, unknown>;
  /** $$.Map.Item for a Map item run */
  mapItem?: { index: number; value: unknown };
  output?: unknown;
  error?: string;
  cause?: string;
  /** entries per state of this run (the runaway guard's loop count) */
  visits?: Record<string, number>;
  /**
   * Set on the runs of an inline-run Distributed Map's items: `root` is the item's run, which stands for
   * the item's child execution and numbers its events (HistoryWriter.writeTo); none reach this history.
   */
  itemHistory?: { root: string; nextEventId?: number };
}

/**
 * Per state machine limits of the runaway guard (Stepwright's own; AWS has only the 1-year ceiling and
 * its 25,000 history events). Left out, maxTransitions and maxStateVisits take the defaults (1,000,000
 * and 100,000, see limits.ts effectiveLimits); "none" turns one off, and must be asked for explicitly.
 */
export interface ExecutionLimits {
  /** state transitions per execution (default 1,000,000; "none": no limit) */
  maxTransitions?: number | 'none';
  /** wall time per execution in seconds (AWS's ceiling is one year) */
  maxDurationSeconds?: number;
  /** entries of one state within one run, i.e. loop iterations (default 100,000; "none": no limit) */
  maxStateVisits?: number | 'none';
}

export interface ExecutionSnapshot {
  formatVersion: 1;
  execution: ExecutionInfo;
  status: ExecutionStatus;
  output?: unknown;
  error?: string;
  cause?: string;
  stopDate?: string;
  /** the id the next history event gets */
  nextEventId: number;
  /** counter for wait tokens; a stale token's answer is ignored */
  nextToken: number;
  transitions: number;
  runs: Record<string, Run>;
  limits?: ExecutionLimits;
  /** set while the interpreter paused itself (maxStatesPerStep) and waits for this timer token */
  continueToken?: string;
  /** W3C/X-Ray style trace id given to every task (Stepwright's extension) */
  traceId?: string;
  /**
   * Set when this snapshot is one Map item or Parallel branch run as an execution of its own (spread
   * fan-out). `execution` then describes the parent execution ($$.Execution), without its input: the
   * caller supplies `execution.input` for the step and leaves it out of what it stores.
   */
  child?: ChildInfo;
  /**
   * The execution ended through an error that fails the whole execution (States.Runtime, a worker
   * failure, the runaway guard), not a run's own failure. A spread child passes it on with its
   * ChildFailed, so its parent fails the same way instead of letting the Map or Parallel catch it.
   */
  failedExecution?: true;
}

/** What a spread child knows of its place: its own record, and the variables of the scopes around it. */
export interface ChildInfo {
  /** the child's own record (task tokens and messages name it) */
  recordArn: string;
  /** the {StartAt, States} it runs, as JSON pointer tokens into the definition */
  machinePath: string[];
  /** the variables visible at the Map or Parallel state (read-only inside, as on AWS) */
  outerVariables?: Record<string, unknown>;
}

/** What wakes the interpreter. */
export type IncomingEvent =
  | {
      type: 'StartExecution';
      execution: Omit<ExecutionInfo, 'redriveCount'> & { redriveCount?: number };
      limits?: ExecutionLimits;
      traceId?: string;
      /** a spread child: runs `child.machinePath` on `childInput`; `execution` is its parent's */
      child?: ChildInfo;
      childInput?: unknown;
    }
  /** resume a FAILED, TIMED_OUT or ABORTED execution from where it stopped (AWS: RedriveExecution) */
  | { type: 'RedriveExecution' }
  /** the engine itself gave up on the execution (a poison message): FAILED, and redrivable */
  | { type: 'FailExecution'; error: string; cause: string }
  | { type: 'TaskSucceeded'; token: string; output: unknown }
  | { type: 'TaskFailed'; token: string; error: string; cause?: string }
  | { type: 'TaskHeartbeat'; token: string }
  /** an activity worker took the task's job (GetActivityTask): AWS's ActivityStarted, with the worker's name */
  | { type: 'ActivityStarted'; token: string; workerName?: string }
  | { type: 'TimerFired'; token: string }
  /** `generation`: sent by a parent to its spread children; a child redriven since then ignores it */
  | { type: 'StopExecution'; error?: string; cause?: string; generation?: number }
  /** a spread child failed (reported once per index; a duplicate is ignored) */
  | { type: 'ChildFailed'; token: string; generation: number; index: number; error: string; cause?: string; failsExecution?: boolean }
  /** every spread child has ended; `results` in index order (null where a tolerated failure was) */
  | { type: 'ChildrenCompleted'; token: string; generation: number; results: unknown[] };

/** What the interpreter asks its caller to do. */
export type Effect =
  | {
      type: 'InvokeTask';
      token: string;
      runId: string;
      stateName: string;
      resource: string;
      input: unknown;
      /** the token a .waitForTaskToken task must be answered with (the same as `token`) */
      taskToken?: string;
      waitForTaskToken: boolean;
      timeoutSeconds?: number;
      heartbeatSeconds?: number;
      /** 1 for the first attempt, 2 for the first retry... */
      attempt: number;
      executionArn: string;
    }
  | { type: 'SetTimer'; token: string; at: string; purpose: 'wait' | 'retry' | 'timeout' | 'heartbeat' }
  | { type: 'CancelTask'; token: string }
  | { type: 'ExecutionFinished'; status: ExecutionStatus }
  /**
   * Run each Map item or Parallel branch as an execution of its own (spread fan-out). At most
   * `maxConcurrency` run at once (0: all). Their fan-in answers ChildFailed / ChildrenCompleted with `token`.
   */
  | { type: 'SpawnChildren'; fanId: string; token: string; kind: 'map' | 'parallel'; stateName: string; machinePaths: string[][]; inputs: unknown[]; maxConcurrency: number; outerVariables: Record<string, unknown> }
  /** stop every child of a spread fan-out that still runs */
  | { type: 'StopChildren'; fanId: string; total: number; generation: number }
  /** a redrive: children that did not succeed run again (resumed where they stopped), the others count as done */
  | { type: 'RedriveChildren'; fanId: string; token: string; total: number; maxConcurrency: number; generation: number };

export interface AdvanceResult {
  snapshot: ExecutionSnapshot;
  events: HistoryEvent[];
  effects: Effect[];
  /** the snapshot changed although no event or effect came of it (a tolerated child failure was counted) */
  changed?: boolean;
}
