/**
 * The worker's `start` message for an EXPRESS machine (StartExecution, asynchronous): the whole run
 * inside this invocation, then its result in one write. A start redelivered after a crash runs it
 * again from the start: at-least-once, as AWS documents Express. Its own module, apart from
 * start-run.ts, which the API imports: the run needs the task integrations, which import the API.
 */
import { LRUCache } from 'lru-cache';
import type { ExecutionRecord } from '../ports';
import type { EngineDeps } from './deps';
import { definitionFor } from './advance-execution';
import { finishedRecord, isExpress, logExpressHistory, runExpress } from './express';

/** Machine types by revision (a revision never changes, nor does a machine's type). */
const types = new LRUCache<string, boolean>({ max: 1000 });

/**
 * Runs `executionArn` when its machine is EXPRESS and it has not ended; true when it was EXPRESS.
 * Otherwise false, with the record read (for the STANDARD start, so it is not read twice).
 */
export async function startIfExpress(deps: EngineDeps, executionArn: string): Promise<{ express: boolean; rec?: ExecutionRecord }> {
  const rec = await deps.store.getExecution(executionArn);
  if (!rec || rec.child || rec.snapshot) return { express: false, rec };
  const key = `${rec.stateMachineArn}#${rec.revisionId}`;
  let express = types.get(key);
  const sm = express === false ? undefined : await deps.store.getStateMachine(rec.stateMachineArn);
  if (express === undefined) types.set(key, (express = isExpress(sm)));
  if (!express || !sm) return { express: false, rec };
  if (rec.status !== 'RUNNING') return { express: true, rec };
  const out = await runExpress(deps, rec, sm, await definitionFor(deps, rec));
  const done: ExecutionRecord = { ...finishedRecord(rec, out), version: rec.version + 1 };
  if (await deps.store.updateExecution(done, rec.version)) {
    deps.onExecutionFinished?.(done.status, executionArn, done);
    await logExpressHistory(deps, executionArn, sm, out);
  }
  return { express: true, rec: done };
}
