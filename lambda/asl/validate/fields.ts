/**
 * Which fields each state type accepts, and in which query language. The tables follow the state pages of
 * the AWS Step Functions Developer Guide, where a field is marked "JSONPath only" or belongs to JSONata only
 * (Arguments, Output, Items, Condition). Keeping them as data makes "unknown field" and "wrong language"
 * two lookups instead of eight hand-written checks.
 */

export type QueryLanguage = 'JSONPath' | 'JSONata';
export const QUERY_LANGUAGES: readonly QueryLanguage[] = ['JSONPath', 'JSONata'];

export type StateType = 'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
export const STATE_TYPES: readonly StateType[] = ['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];

/** In which query language a field may appear. */
export type Availability = 'both' | QueryLanguage;

type FieldTable = Readonly<Record<string, Availability>>;

const COMMON: FieldTable = { Type: 'both', Comment: 'both', QueryLanguage: 'both' };
const TRANSITION: FieldTable = { Next: 'both', End: 'both' };
const INPUT_OUTPUT: FieldTable = { InputPath: 'JSONPath', OutputPath: 'JSONPath', Output: 'JSONata' };
const RESULT: FieldTable = { ResultSelector: 'JSONPath', ResultPath: 'JSONPath' };
const ERROR_HANDLING: FieldTable = { Retry: 'both', Catch: 'both' };
const ASSIGN: FieldTable = { Assign: 'both' };

export const STATE_FIELDS: Readonly<Record<StateType, FieldTable>> = {
  Pass: { ...COMMON, ...TRANSITION, ...INPUT_OUTPUT, ...ASSIGN, Parameters: 'JSONPath', ResultPath: 'JSONPath', Result: 'JSONPath' },
  Task: {
    ...COMMON,
    ...TRANSITION,
    ...INPUT_OUTPUT,
    ...RESULT,
    ...ERROR_HANDLING,
    ...ASSIGN,
    Resource: 'both',
    Parameters: 'JSONPath',
    Arguments: 'JSONata',
    TimeoutSeconds: 'both',
    TimeoutSecondsPath: 'JSONPath',
    HeartbeatSeconds: 'both',
    HeartbeatSecondsPath: 'JSONPath',
    Credentials: 'both',
  },
  // A Choice state picks its successor through Choices/Default, so it has neither Next nor End.
  Choice: { ...COMMON, ...INPUT_OUTPUT, ...ASSIGN, Choices: 'both', Default: 'both' },
  Wait: {
    ...COMMON,
    ...TRANSITION,
    ...INPUT_OUTPUT,
    ...ASSIGN,
    Seconds: 'both',
    SecondsPath: 'JSONPath',
    Timestamp: 'both',
    TimestampPath: 'JSONPath',
  },
  // Terminal states: no transition, and (per the variables guide) no Assign.
  Succeed: { ...COMMON, ...INPUT_OUTPUT },
  Fail: { ...COMMON, Error: 'both', ErrorPath: 'JSONPath', Cause: 'both', CausePath: 'JSONPath' },
  Parallel: {
    ...COMMON,
    ...TRANSITION,
    ...INPUT_OUTPUT,
    ...RESULT,
    ...ERROR_HANDLING,
    ...ASSIGN,
    Branches: 'both',
    Parameters: 'JSONPath',
    Arguments: 'JSONata',
  },
  Map: {
    ...COMMON,
    ...TRANSITION,
    ...INPUT_OUTPUT,
    ...RESULT,
    ...ERROR_HANDLING,
    ...ASSIGN,
    ItemProcessor: 'both',
    Iterator: 'both',
    ItemsPath: 'JSONPath',
    Items: 'JSONata',
    ItemSelector: 'both',
    Parameters: 'JSONPath',
    ItemReader: 'both',
    ItemBatcher: 'both',
    ResultWriter: 'both',
    MaxConcurrency: 'both',
    MaxConcurrencyPath: 'JSONPath',
    ToleratedFailureCount: 'both',
    ToleratedFailureCountPath: 'JSONPath',
    ToleratedFailurePercentage: 'both',
    ToleratedFailurePercentagePath: 'JSONPath',
    Label: 'both',
  },
};

/** States that must say where execution goes next: exactly one of Next or End. */
export const NEEDS_TRANSITION: ReadonlySet<StateType> = new Set<StateType>(['Pass', 'Task', 'Wait', 'Parallel', 'Map']);

/** Top-level fields of the state machine and of the nested machines of Parallel and Map. */
export const MACHINE_FIELDS = {
  root: new Set(['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage']),
  branch: new Set(['StartAt', 'States', 'Comment']),
  processor: new Set(['StartAt', 'States', 'Comment', 'ProcessorConfig']),
} as const;

export type MachineKind = keyof typeof MACHINE_FIELDS;

/** Retrier and Catcher fields (Developer Guide, "Handling errors in Step Functions workflows"). */
export const RETRIER_FIELDS: FieldTable = {
  ErrorEquals: 'both',
  IntervalSeconds: 'both',
  MaxAttempts: 'both',
  BackoffRate: 'both',
  MaxDelaySeconds: 'both',
  JitterStrategy: 'both',
  Comment: 'both',
};

export const CATCHER_FIELDS: FieldTable = {
  ErrorEquals: 'both',
  Next: 'both',
  ResultPath: 'JSONPath',
  Output: 'JSONata',
  Assign: 'both',
  Comment: 'both',
};

/** Fields of a top-level Choice rule besides its condition (the condition fields are checked in choice.ts). */
export const CHOICE_RULE_FIELDS: FieldTable = { Next: 'both', Comment: 'both', Assign: 'both', Output: 'JSONata' };
