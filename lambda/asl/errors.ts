/**
 * A runtime failure that ASL's Retry and Catch can see: `error` is the name a Retrier's ErrorEquals
 * matches (e.g. "States.Runtime"), `cause` the human text AWS reports beside it.
 */
export class StatesError extends Error {
  constructor(
    public readonly error: string,
    public readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
  }
}

/** The error names AWS Step Functions uses; spelled once here so a typo cannot creep in. */
export const ErrorNames = {
  ALL: 'States.ALL',
  Runtime: 'States.Runtime',
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  DataLimitExceeded: 'States.DataLimitExceeded',
  NoChoiceMatched: 'States.NoChoiceMatched',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  BranchFailed: 'States.BranchFailed',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  ItemReaderFailed: 'States.ItemReaderFailed',
  QueryEvaluationError: 'States.QueryEvaluationError',
  Permissions: 'States.Permissions',
} as const;

export function isStatesError(e: unknown): e is StatesError {
  return e instanceof StatesError;
}
