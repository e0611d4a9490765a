/**
 * Loose types for a parsed ASL definition. The validator (lambda/asl/validate) has checked the shape
 * before the interpreter sees it, so the interpreter reads fields without re-checking them.
 */
import { ErrorNames, StatesError } from '../asl/errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StateDefinition = Record<string, any> & { Type: string };

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: 'JSONPath' | 'JSONata';
  TimeoutSeconds?: number;
  Comment?: string;
  Version?: string;
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: unknown;
  Assign?: unknown;
}

/** Follows JSON pointer tokens from the definition root to a nested {StartAt, States} object. */
export function machineAt(def: StateMachineDefinition, path: readonly string[]): StateMachineDefinition {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let node: any = def;
  for (const token of path) node = node[token];
  return node as StateMachineDefinition;
}

/**
 * The state `name` of `machine`, own keys only: States is a plain object, and a name such as
 * "constructor" or "toString" that is not a state would otherwise find Object.prototype's member.
 * The validator refuses transitions to missing states; this keeps an unvalidated definition from
 * running a function as a state.
 */
export function stateIn(machine: StateMachineDefinition, name: string): StateDefinition {
  if (!Object.hasOwn(machine.States, name)) throw new StatesError(ErrorNames.Runtime, `The state machine has no state named '${name}'.`);
  return machine.States[name];
}

/** The processor of a Map state: ItemProcessor, or Iterator in older definitions. */
export function mapProcessorKey(state: StateDefinition): 'ItemProcessor' | 'Iterator' {
  return state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
}

export function isDistributedMap(state: StateDefinition): boolean {
  const proc = state.ItemProcessor ?? state.Iterator;
  return proc?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** Task resources that finish through SendTaskSuccess/SendTaskFailure rather than their return value. */
export function isCallbackResource(resource: string): boolean {
  return resource.endsWith('.waitForTaskToken');
}
