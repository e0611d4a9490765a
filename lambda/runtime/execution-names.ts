/**
 * Execution names under a state machine's name policy (AWS blocks a name for 90 days, whatever
 * happened to the execution):
 *   unique-while-retained (default)  the name is taken while the execution is kept (its record is the key)
 *   unique-forever                   the name is reserved for good, even after the execution expired
 *   reusable-after-finish            once the execution has finished, the name starts a new one; the
 *                                    n-th use of a name gets the ARN `<execution ARN>:<n>`
 * In every policy StartExecution stays idempotent: the same name and input while the execution runs
 * returns that execution.
 */
import { createHash } from 'node:crypto';
import type { ExecutionRecord, NamePolicy } from '../ports';
import { apiError } from './api-errors';
import type { EngineDeps } from './deps';

export type StartOutcome = { kind: 'created'; record: ExecutionRecord } | { kind: 'existing'; record: ExecutionRecord };

function sameJson(a: string, b: string): boolean {
  return a === b || JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
}

/** The running execution with this input (idempotent start), or ExecutionAlreadyExists. */
function existingOrConflict(existing: ExecutionRecord, inputText: string): StartOutcome {
  if (existing.status === 'RUNNING' && sameJson(existing.input, inputText)) return { kind: 'existing', record: existing };
  throw apiError.executionAlreadyExists(existing.executionArn);
}

async function createAt(deps: EngineDeps, record: ExecutionRecord, inputText: string): Promise<StartOutcome> {
  if (await deps.store.createExecution(record)) return { kind: 'created', record };
  const existing = await deps.store.getExecution(record.executionArn);
  if (!existing) throw apiError.executionAlreadyExists(record.executionArn); // created and expired in between: vanishingly rare
  return existingOrConflict(existing, inputText);
}

const inputHash = (text: string) => createHash('sha256').update(JSON.stringify(JSON.parse(text))).digest('hex');

/** Creates the execution record `build(executionArn)` as the policy allows. */
export async function createExecutionRecord(
  deps: EngineDeps,
  policy: NamePolicy | undefined,
  baseArn: string,
  inputText: string,
  build: (executionArn: string) => ExecutionRecord,
): Promise<StartOutcome> {
  if (policy === 'unique-forever') {
    const record = build(baseArn);
    const existing = await deps.store.getExecution(baseArn);
    if (existing) {
      const outcome = existingOrConflict(existing, inputText);
      await deps.store.reserveName(record.stateMachineArn, record.name, inputHash(inputText)); // a retry completes what a crash cut short
      return outcome;
    }
    // Used before, and the execution has expired since: the reservation outlives it. (A start that
    // crashed between these two writes leaves the name unused for good: never used twice.)
    const used = await deps.store.reserveName(record.stateMachineArn, record.name, inputHash(inputText));
    if (!used.reserved) throw apiError.executionAlreadyExists(baseArn);
    return createAt(deps, record, inputText);
  }
  if (policy === 'reusable-after-finish') {
    for (let n = 1; n < 10_000; n++) {
      const arn = n === 1 ? baseArn : `${baseArn}:${n}`;
      const existing = await deps.store.getExecution(arn);
      if (existing) {
        if (existing.status === 'RUNNING') return existingOrConflict(existing, inputText);
        continue; // finished: the name is free for the next use
      }
      const outcome = await createAt(deps, build(arn), inputText).catch((e) => {
        // another start took this generation a moment ago: look at it again
        if ((e as { code?: string }).code === 'ExecutionAlreadyExists') return undefined;
        throw e;
      });
      if (outcome) return outcome;
      n--;
    }
    throw apiError.executionAlreadyExists(baseArn);
  }
  return createAt(deps, build(baseArn), inputText);
}
