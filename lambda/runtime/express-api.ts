/**
 * StartSyncExecution (AWS's request and response, billingDetails included): an EXPRESS execution run
 * to its end inside the API call, its result the answer. One store write: the finished record.
 */
import { randomUUID } from 'node:crypto';
import type { EngineDeps } from './deps';
import { ApiError } from './api-errors';
import { definitionFor } from './advance-execution';
import { executionArnFor, prepareExecution, type StartExecutionInput } from './service';
import { finishedRecord, isExpress, logExpressHistory, runExpress } from './express';

/** AWS bills Express duration in 100 ms steps, and memory in 64 MB steps (Stepwright: the smallest). */
const BILLED_MEMORY_MB = 64;

export interface SyncExecutionResult {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  startDate: string;
  stopDate: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  error?: string;
  cause?: string;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  traceHeader?: string;
  billingDetails: { billedMemoryUsedInMB: number; billedDurationInMilliseconds: number };
}

export async function startSyncExecution(deps: EngineDeps, req: StartExecutionInput): Promise<SyncExecutionResult> {
  const { sm, name, inputText, build } = await prepareExecution(deps, req);
  // AWS answers a STANDARD machine with this error (HTTP 400)
  if (!isExpress(sm)) throw new ApiError('StateMachineTypeNotSupported', `This operation is not supported by this type of state machine: '${sm.arn}' is STANDARD; StartSyncExecution runs EXPRESS state machines`);
  // AWS's form for an Express execution: ...:express:<machine>:<name>:<id> (the store does not list these, as AWS does not)
  const rec = build(`${executionArnFor(deps, sm.name, name).replace(/:execution:([^:]+):/, ':express:$1:')}:${randomUUID()}`);
  const out = await runExpress(deps, rec, sm, await definitionFor(deps, rec));
  // the result is stored once, unlisted (one write, no index entries)
  await deps.store.createExecution(finishedRecord(rec, out));
  await logExpressHistory(deps, rec.executionArn, sm, out);
  return {
    executionArn: rec.executionArn,
    stateMachineArn: sm.arn,
    name,
    startDate: rec.startDate,
    stopDate: out.stopDate,
    status: out.status === 'ABORTED' ? 'FAILED' : out.status,
    error: out.error,
    cause: out.cause,
    input: inputText,
    inputDetails: { included: true },
    output: out.output,
    outputDetails: out.output === undefined ? undefined : { included: true },
    traceHeader: rec.traceId,
    billingDetails: { billedMemoryUsedInMB: BILLED_MEMORY_MB, billedDurationInMilliseconds: Math.max(100, Math.ceil(out.durationMs / 100) * 100) },
  };
}
