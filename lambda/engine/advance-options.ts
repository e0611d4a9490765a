/**
 * What the caller of `advance` chooses: randomness, history payloads, step size, fan-out mode and
 * the task token signer. Its own file so the state modules can read it without importing the interpreter.
 */
import type { RandomSource } from '../asl/scope';
import type { TaskTokenSigner } from './task-tokens';

export interface AdvanceOptions {
  random: RandomSource;
  /** record state inputs and outputs in history events (default true; the durable engine needs them) */
  historyPayloads?: boolean;
  /**
   * Stop after running this many states and ask to be woken at once (a SetTimer for now): keeps one
   * worker invocation, and one stored outbox, bounded when a loop or a big inline Map runs long.
   */
  maxStatesPerStep?: number;
  /**
   * How Map items and Parallel branches run. 'inline' (default): as child runs inside this snapshot.
   * 'spread': each as an execution of its own (effect SpawnChildren), fanned in by the caller.
   * 'auto': spread where the items or branches contain a Task (work worth spreading), inline otherwise.
   */
  fanOut?: FanOutMode;
  /**
   * Signs the task tokens of `.waitForTaskToken` tasks with the deployment's secret (see
   * task-tokens.ts). Given by the caller so the interpreter reads no secret itself; required as soon
   * as a definition has a callback task.
   */
  taskTokens?: TaskTokenSigner;
}

export type FanOutMode = 'inline' | 'spread' | 'auto';
