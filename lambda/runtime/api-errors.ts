/**
 * Errors of the Step Functions API, by the exception names AWS uses, so `@aws-sdk/client-sfn`
 * raises the same exception classes against Stepwright as against AWS.
 */
import { InvalidPageSize, InvalidPageToken } from '../ports';
export class ApiError extends Error {
  constructor(
    /** AWS's exception name, e.g. "ExecutionDoesNotExist" */
    public readonly code: string,
    message: string,
    public readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const apiError = {
  invalidArn: (field: string, value: unknown) => new ApiError('InvalidArn', `Invalid Arn: '${String(value)}' (field ${field})`),
  invalidName: (name: unknown) => new ApiError('InvalidName', `Invalid Name: '${String(name)}'`),
  invalidDefinition: (message: string) => new ApiError('InvalidDefinition', message),
  invalidExecutionInput: (message: string) => new ApiError('InvalidExecutionInput', message),
  invalidToken: (message = 'Invalid Token') => new ApiError('InvalidToken', message),
  taskDoesNotExist: () => new ApiError('TaskDoesNotExist', 'Task Does Not Exist'),
  taskTimedOut: () => new ApiError('TaskTimedOut', 'Task Timed Out'),
  stateMachineDoesNotExist: (arn: string) => new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`),
  stateMachineAlreadyExists: (arn: string) => new ApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`),
  executionDoesNotExist: (arn: string) => new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`),
  executionAlreadyExists: (arn: string) => new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`),
  /** DescribeMapRun and ListExecutions(mapRunArn): AWS answers ResourceNotFound for an unknown Map Run */
  mapRunDoesNotExist: (arn: string) => new ApiError('ResourceNotFound', `Resource not found: Map Run '${arn}' does not exist`),
  validation: (message: string) => new ApiError('ValidationException', message),
};

/**
 * A store listing called with the caller's nextToken / maxResults: the store's refusals (ports.ts) become
 * the API's InvalidToken / ValidationException, with the store's message.
 */
export async function pageErrorsAsApi<T>(listing: Promise<T>): Promise<T> {
  try {
    return await listing;
  } catch (e) {
    throw pageErrorAsApi(e);
  }
}

/** One refusal: the API's error for a store's paging error, anything else as it is. */
export function pageErrorAsApi(e: unknown): unknown {
  if (e instanceof InvalidPageToken) return apiError.invalidToken(e.message);
  if (e instanceof InvalidPageSize) return apiError.validation(e.message);
  return e;
}
