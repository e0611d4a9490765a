/**
 * What the state modules (states/*), the fan-out modules (fan-out/*), the runaway guard and redrive
 * receive from the step in progress: the snapshot, the history and effects being written, the clock
 * reading, and the core operations every state ends with (leave, fail, retry/catch). The interpreter's
 * Step class is the one implementation; this interface keeps those modules from importing it (no cycles).
 */
import type { ContextExtras } from './context';
import type { StateEnv } from './dataflow';
import type { StateDefinition, StateMachineDefinition, WorkState } from './definition';
import type { HistoryWriter } from './history';
import type { WrittenResult } from './payload-sizes';
import type { AdvanceOptions } from './advance-options';
import type { Effect, ExecutionSnapshot, Run } from './types';

/** An error while processing a state, before the engine adds AWS's "An error occurred..." prefix. */
export interface StateFailure {
  error: string;
  cause?: string;
  /** raised by the task itself (States.TaskFailed matches it) */
  fromTask?: boolean;
  /**
   * The state's own failed event (MapStateFailed, ParallelStateFailed), written once the failure is not
   * retried, before Catch: AWS's histories show none for an attempt that is retried (corpus cases
   * test_map_state_retry, test_parallel_state_retry) and one before the catcher (test_map_state_catch).
   */
  failedEvent?: string;
}

/**
 * A parent continuation: a Map or Parallel whose child ended. `failed`: the fan-out failed beyond its
 * tolerance; `more`: start the next children; neither: every child has ended, finish the state.
 */
export interface PendingFanOut {
  parentId: string;
  failed?: boolean;
  more?: boolean;
}

export interface StepContext {
  readonly def: StateMachineDefinition;
  readonly snap: ExecutionSnapshot;
  readonly history: HistoryWriter;
  readonly effects: Effect[];
  readonly options: AdvanceOptions;
  readonly nowIso: string;
  readonly nowMillis: number;
  /** ids of runs to execute next, in order */
  readonly ready: string[];
  /**
   * Parent continuations are queued and run by the drain loop rather than called from inside a child's
   * completion, so a deep chain of nested Maps never recurses and async work stays in one loop.
   */
  readonly pendingFanOut: PendingFanOut[];
  /** the snapshot changed without an event or effect to show for it */
  markChanged(): void;

  /** What the state's data processing reads ($, $$, variables, the query language). */
  env(run: Run, state: StateDefinition, extras?: ContextExtras): StateEnv;
  /** A new wait token (a stale token's answer is ignored). */
  newToken(): string;
  /** `seconds` after now, as an ISO timestamp. */
  after(seconds: number): string;
  /** The record this snapshot is stored under: the execution's, or a spread child's own. */
  recordArn(): string;
  /** The signed token a callback task hands out for the wait `token` of this record. */
  taskTokenFor(token: string): string;
  /** The token of the execution's timeout timer (each redrive has its own). */
  timeoutToken(): string;
  /** The definition of the state `run` is in. */
  stateOf(run: Run): StateDefinition;

  startRun(p: { id: string; parentId?: string; childIndex?: number; machinePath: string[]; input: unknown }): Run;
  /**
   * Leaves a state with its output: history, Assign, then Next (or `next`) or the end of the run.
   * `written`: the output is the state's input with a result written at its ResultPath (its size is then bounded from the input's).
   */
  leaveState(run: Run, state: StateDefinition, output: unknown, assigned: Record<string, unknown>, next?: string, written?: WrittenResult): void;
  /** Task, Map and Parallel: result -> (ResultSelector, ResultPath, OutputPath | Output), Assign, leave. */
  finishWithResult(run: Run, state: WorkState, result: unknown): Promise<void>;
  /** A state failed with a catchable error: Retry, then Catch, else the run fails. */
  stateFailed(run: Run, state: StateDefinition, failure: StateFailure): Promise<void>;
  /** An error raised by the engine's own processing of a state (paths, intrinsics, JSONata...); `failedEvent` as in StateFailure. */
  processingFailed(run: Run, state: StateDefinition, e: unknown, failedEvent?: string): Promise<void>;
  /** The run whose events are written from here on (a Distributed Map item's go to its own history). */
  attribute(run: Run | undefined): void;
  failRun(run: Run, failure: StateFailure): void;
  failExecution(error: string, cause: string | undefined): void;
}
