/**
 * What the durable runtime needs, bundled once per process: the ports plus a few settings.
 * The AWS handlers build it from environment variables, the local server from its config.
 */
import type { Clock, ExecutionRecord, ExecutionStore, TaskInvoker, WorkQueue } from '../ports';
import type { RandomSource } from '../asl/scope';
import type { FanOutMode } from '../engine/interpreter';
import type { TaskTokenSource } from './task-tokens';
import { partitionOf } from '../engine/arns';

export interface EngineDeps {
  store: ExecutionStore;
  queue: WorkQueue;
  invoker: TaskInvoker;
  clock: Clock;
  random: RandomSource;
  /** multiplies every Wait, retry interval, timeout and heartbeat (1 = real time, 0 = no waiting) */
  timeScale?: number;
  region: string;
  accountId: string;
  /** how long one invoke message holds its claim on a task attempt (should exceed the task's run time) */
  taskLeaseSeconds?: number;
  /**
   * deliveries after which the queue gives a message up to its dead-letter queue (the queue's
   * maxReceiveCount): on the last one a failing message fails its execution with a clear cause
   */
  maxReceiveCount?: number;
  /**
   * How Map items and Parallel branches run (default 'auto': as executions of their own where they
   * contain a Task, so the work spreads over worker invocations; inline in the parent otherwise)
   */
  fanOut?: FanOutMode;
  /** states one advance runs before continuing through a message (default 500) */
  maxStatesPerStep?: number;
  /**
   * Signs and checks task tokens with the deployment's secret (see engine/task-tokens.ts): the signer,
   * or a loader called when a token is first issued or checked (AWS reads the secret once per cold start)
   */
  taskTokens?: TaskTokenSource;
  /**
   * How long an execution may go without a write, while something was promised (an outbox, a start,
   * a timer past due), before the reconciler does it again (default 60 s; see runtime/reconciler.ts)
   */
  reconcileAfterSeconds?: number;
  /**
   * Set when this process is the only one that runs tasks for its store (the local runtime: one
   * process per data folder, held by a lock): an id new with each process. Task claims left by an
   * earlier process are then void — it died with its tasks — so a restart re-invokes them at once
   * instead of waiting for their lease (the task timeout plus a minute).
   */
  soleClaimHolder?: string;
  /**
   * Whether a worker runs a task it has just scheduled itself rather than through an `invoke` message
   * (runtime/inline-task.ts). Default true; false sends every invoke (the bench compares both).
   */
  inlineTasks?: boolean;
  /** test hook: called at each step of a commit; a test throws here to simulate a crash */
  fault?: (point: FaultPoint) => void;
  /** told about every finished execution or spread child (metrics; `record` is the one just written) */
  onExecutionFinished?: (status: string, executionArn: string, record: ExecutionRecord) => void;
  /** told when the worker starts an execution or spread child (metrics; `record` is the one just written) */
  onExecutionStarted?: (record: ExecutionRecord) => void;
}

export type FaultPoint = 'after-put' | 'after-read' | 'after-commit' | 'after-history' | 'after-send' | 'after-invoke' | 'after-count';

const FAN_OUT_MODES: readonly FanOutMode[] = ['auto', 'spread', 'inline'];

/** Reads a fan-out mode from configuration text (`where` names the setting in the error). */
export function fanOutModeOf(text: string | undefined, where: string): FanOutMode | undefined {
  if (text === undefined || text === '') return undefined;
  if ((FAN_OUT_MODES as readonly string[]).includes(text)) return text as FanOutMode;
  throw new Error(`${where} must be one of ${FAN_OUT_MODES.join(', ')}, not '${text}'`);
}

export const DEFAULT_RECONCILE_AFTER_SECONDS = 60;

export function reconcileAfterMs(deps: Pick<EngineDeps, 'reconcileAfterSeconds'>): number {
  return (deps.reconcileAfterSeconds ?? DEFAULT_RECONCILE_AFTER_SECONDS) * 1000;
}

export function arnPrefix(deps: Pick<EngineDeps, 'region' | 'accountId'>): string {
  return `arn:${partitionOf(deps.region)}:states:${deps.region}:${deps.accountId}`;
}
