/**
 * Starting executions from stream records and events, exactly once per record.
 *
 * The execution name is derived from the record's identity, and the name is the store's
 * idempotency key: a redelivered record asks for the same name, so either startExecution returns
 * the same (still running) execution, or it answers ExecutionAlreadyExists (the first one already
 * finished, or the mapping changed in between). Both mean "this record has started its execution".
 */
import { createHash } from 'node:crypto';
import { ApiError } from './api-errors';
import type { EngineDeps } from './deps';
import { executionArnFor, startExecution } from './service';
import type { TriggerSource } from './trigger-input';

export interface TriggerStart {
  status: 'started' | 'alreadyStarted';
  executionArn: string;
  name: string;
}

const PREFIX: Record<TriggerSource, string> = { dynamodb: 'ddb', kinesis: 'kds', eventbridge: 'evb' };
const MAX_NAME = 80; // Step Functions' execution name limit

/**
 * `<prefix>-<sha256 hex>`: only [a-z0-9-], so always a valid name, and 68..74 characters. The
 * hash keeps any identity (Kinesis eventIDs contain ':', which names forbid) short and fixed-size.
 * `identities` has one entry per record, or every record of a batch (batchInput mode).
 */
export function triggerExecutionName(source: TriggerSource, identities: string[], batch = false): string {
  const prefix = batch ? `${PREFIX[source]}-batch-` : `${PREFIX[source]}-`;
  const hash = createHash('sha256').update(identities.join('\n')).digest('hex');
  return (prefix + hash).slice(0, MAX_NAME);
}

export async function startTriggered(deps: EngineDeps, stateMachineArn: string, name: string, input: unknown): Promise<TriggerStart> {
  // `undefined` is not JSON; an execution started without input gets {} (as StartExecution does).
  const text = input === undefined ? '{}' : JSON.stringify(input);
  try {
    const { executionArn } = await startExecution(deps, { stateMachineArn, name, input: text });
    return { status: 'started', executionArn, name };
  } catch (e) {
    if (e instanceof ApiError && e.code === 'ExecutionAlreadyExists') {
      return { status: 'alreadyStarted', executionArn: executionArnFor(deps, stateMachineArn.split(':')[6], name), name };
    }
    throw e;
  }
}

/**
 * Errors that retrying cannot fix. They are still reported as failures (the stream's event source
 * mapping retries them, then parks them in its on-failure destination), because dropping a record
 * here would lose it; the distinction is only for the log level and message.
 */
export function isPermanentStartError(e: unknown): boolean {
  return e instanceof ApiError && ['InvalidExecutionInput', 'InvalidArn', 'InvalidName', 'ValidationException'].includes(e.code);
}
