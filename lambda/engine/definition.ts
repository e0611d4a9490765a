/**
 * Types of a parsed ASL definition: a state is a discriminated union on `Type`, each kind with the
 * fields the validator accepts for it (lambda/asl/validate/fields.ts is the table these follow). The
 * validator has checked the shape before the interpreter sees it (parseDefinition), so the state
 * modules read typed fields without re-checking them. Values that are user JSON (templates, Result,
 * Assign, JSONata strings that may stand in for numbers) are `unknown` or unions, never `any`.
 */
import { ErrorNames, StatesError } from '../asl/errors';
import { formatIssues, validateDefinition, type ValidationIssue } from '../asl/validate';

export type QueryLanguage = 'JSONPath' | 'JSONata';

/** Fields every state has. */
interface StateBase {
  Comment?: string;
  QueryLanguage?: QueryLanguage;
}

/** Next or End (exactly one, says the validator). */
interface Transition {
  Next?: string;
  End?: boolean;
}

/** InputPath and OutputPath (JSONPath; null selects nothing: {}), or Output (JSONata). */
interface InputOutput {
  InputPath?: string | null;
  OutputPath?: string | null;
  /** JSONata: a template of {% %} expressions */
  Output?: unknown;
}

/** A workflow variable assignment block: payload template (JSONPath) or JSONata template. */
interface Assigns {
  Assign?: unknown;
}

/** ResultSelector (payload template) and ResultPath (a reference path; null keeps the input). */
interface ResultFields {
  ResultSelector?: unknown;
  ResultPath?: string | null;
}

interface ErrorHandling {
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface PassState extends StateBase, Transition, InputOutput, Assigns {
  Type: 'Pass';
  Parameters?: unknown;
  ResultPath?: string | null;
  Result?: unknown;
}

export interface TaskState extends StateBase, Transition, InputOutput, Assigns, ResultFields, ErrorHandling {
  Type: 'Task';
  Resource: string;
  Parameters?: unknown;
  Arguments?: unknown;
  /** a number, or (JSONata) an expression string */
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
  HeartbeatSecondsPath?: string;
  Credentials?: unknown;
}

/** A top-level Choice rule: a JSONata Condition, or JSONPath comparison fields (And, Or, Not, Variable, StringEquals...). */
export interface ChoiceRule {
  Next: string;
  Comment?: string;
  Assign?: unknown;
  Output?: unknown;
  Condition?: unknown;
  [comparison: string]: unknown;
}

export interface ChoiceState extends StateBase, InputOutput, Assigns {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default?: string;
}

export interface WaitState extends StateBase, Transition, InputOutput, Assigns {
  Type: 'Wait';
  /** a number, or (JSONata) an expression string */
  Seconds?: number | string;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

/** Terminal: no transition, and no Assign. */
export interface SucceedState extends StateBase, InputOutput {
  Type: 'Succeed';
}

export interface FailState extends StateBase {
  Type: 'Fail';
  /** a string, or (JSONata) an expression */
  Error?: unknown;
  ErrorPath?: string;
  Cause?: unknown;
  CausePath?: string;
}

export interface ParallelState extends StateBase, Transition, InputOutput, Assigns, ResultFields, ErrorHandling {
  Type: 'Parallel';
  Branches: StateMachineDefinition[];
  Parameters?: unknown;
  Arguments?: unknown;
}

/** A Map's ItemProcessor (or legacy Iterator): a nested machine, with the processing mode. */
export interface ItemProcessor extends StateMachineDefinition {
  ProcessorConfig?: { Mode?: 'INLINE' | 'DISTRIBUTED'; ExecutionType?: string };
}

export interface ItemBatcher {
  /** a JSONata expression in a JSONata state */
  MaxItemsPerBatch?: number | string;
  MaxItemsPerBatchPath?: string;
  MaxInputBytesPerBatch?: number | string;
  MaxInputBytesPerBatchPath?: string;
  BatchInput?: unknown;
}

export interface MapState extends StateBase, Transition, InputOutput, Assigns, ResultFields, ErrorHandling {
  Type: 'Map';
  ItemProcessor?: ItemProcessor;
  Iterator?: ItemProcessor;
  ItemsPath?: string | null;
  /** JSONata: an array, or an expression giving one */
  Items?: unknown;
  ItemSelector?: unknown;
  /** legacy ItemSelector */
  Parameters?: unknown;
  ItemReader?: unknown;
  ItemBatcher?: ItemBatcher;
  ResultWriter?: unknown;
  /** a number, or (JSONata) an expression string */
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
  Label?: string;
}

export type StateDefinition = PassState | TaskState | ChoiceState | WaitState | SucceedState | FailState | ParallelState | MapState;

export type StateType = StateDefinition['Type'];

/** Task, Parallel and Map: the states with a result (ResultSelector, ResultPath) and Retry/Catch. */
export type WorkState = TaskState | ParallelState | MapState;

/** The states whose children (Map items, Parallel branches) are runs of their own. */
export type FanOutState = ParallelState | MapState;

/** The state kind `T` of the union. */
export type StateOfType<T extends StateType> = Extract<StateDefinition, { Type: T }>;

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: QueryLanguage;
  TimeoutSeconds?: number;
  Comment?: string;
  Version?: string;
}

/** A definition the validator refused: every problem, as the validator reports them. */
export class InvalidDefinitionError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`invalid state machine definition (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues)}`);
    this.name = 'InvalidDefinitionError';
  }
}

/**
 * Parse, don't validate: the one way from untrusted JSON (text or an already parsed value) to a typed
 * definition. Runs the validator and returns the definition, or throws its problems.
 */
export function parseDefinition(json: unknown): StateMachineDefinition {
  const issues = validateDefinition(json);
  if (issues.length > 0) throw new InvalidDefinitionError(issues);
  return (typeof json === 'string' ? JSON.parse(json) : json) as StateMachineDefinition;
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

/**
 * Retry and Catch of a state. Only Task, Parallel and Map have them (the validator refuses them
 * elsewhere); read from any state, as the engine always has, so an unvalidated definition (the
 * conformance runner's) behaves as before.
 */
export function errorHandlingOf(state: StateDefinition): ErrorHandling {
  return state as ErrorHandling;
}

/** Next and End of a state, read the same way (Choice, Succeed and Fail have neither). */
export function transitionOf(state: StateDefinition): Transition {
  return state as Transition;
}

/** Follows JSON pointer tokens from the definition root to a nested {StartAt, States} object. */
export function machineAt(def: StateMachineDefinition, path: readonly string[]): StateMachineDefinition {
  // a walk through plain JSON: each token is an object key or an array index
  let node: unknown = def;
  for (const token of path) node = (node as Record<string, unknown>)[token];
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
export function mapProcessorKey(state: MapState): 'ItemProcessor' | 'Iterator' {
  return state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
}

export function isDistributedMap(state: MapState): boolean {
  const proc = state.ItemProcessor ?? state.Iterator;
  return proc?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** Task resources that finish through SendTaskSuccess/SendTaskFailure rather than their return value. */
export function isCallbackResource(resource: string): boolean {
  return resource.endsWith('.waitForTaskToken');
}
