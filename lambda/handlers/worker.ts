/**
 * The worker Lambda: an SQS batch handler. Each record is one WorkMessage; records that fail are
 * reported as partial batch failures so SQS redelivers only those. The local runtime hands the very
 * same handler SQSEvent-shaped batches from its in-process queue.
 *
 * A failed record comes back after a short backoff, not after the queue's visibility timeout (90
 * minutes in the stack, sized for the longest task): the worker shortens its visibility through the
 * queue port (SQS ChangeMessageVisibility) before reporting it failed. On its last delivery the
 * execution is failed with a clear cause and the message goes to the dead-letter queue.
 */
import type { Context, SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { processMessage } from '../runtime/process-message';
import { applyEvent, flushOutbox } from '../runtime/advance-execution';
import type { EngineDeps } from '../runtime/deps';
import type { ExecutionRecord, FanOutOrder, OutgoingMessage, WorkMessage } from '../ports';
import type { HistoryEvent } from '../engine/history';
import type { ExecutionSnapshot, Run } from '../engine/types';
import { addLambdaContext, logger } from '../runtime/logger';
import { fullJitterBackoff } from '../backoff';

/**
 * Retry backoff of a failed work message: capped exponential with full jitter, uniform in
 * [0, min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2^(receiveCount-1))]. With the stack's
 * maxReceiveCount of 5 the four retries wait at most 2 + 4 + 8 + 16 = 30 s in all (15 s on average):
 * long enough for a DynamoDB throttle or a Lambda cold-start burst to pass, short enough that a
 * message that can never succeed reaches the dead-letter queue in under a minute rather than 7.5
 * hours. The cap (5 minutes) matters for larger maxReceiveCounts. Full jitter spreads the retries of
 * many messages that failed together (one throttled table) instead of bringing them back in a wave.
 */
export const RETRY_BASE_SECONDS = 2;
export const RETRY_CAP_SECONDS = 300;

export function retryDelaySeconds(receiveCount: number, random: () => number): number {
  const n = Number.isFinite(receiveCount) && receiveCount >= 1 ? receiveCount : 1; // a missing or odd attribute counts as the first
  return fullJitterBackoff(n - 1, RETRY_BASE_SECONDS, RETRY_CAP_SECONDS, random);
}

export const WORKER_FAILURE = 'Stepwright.WorkerFailure';

export function createWorkerHandler(getDeps: () => EngineDeps | Promise<EngineDeps>) {
  // context: Lambda's (request id and cold start on every log line); the local runtime passes none
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    addLambdaContext(context);
    const deps = await getDeps();
    const processor = new BatchProcessor(EventType.SQS);
    const record = async (r: SQSRecord) => {
      let msg: WorkMessage;
      try {
        msg = JSON.parse(r.body) as WorkMessage;
      } catch {
        // A body that is not ours can never succeed: log it and let it go rather than loop forever.
        logger.error('dropping a work message that is not JSON', { messageId: r.messageId });
        return;
      }
      try {
        // Lambda's remaining time bounds the tasks this message may run inline (none locally)
        const remaining = context?.getRemainingTimeInMillis ? context : undefined;
        await processMessage(deps, msg, remaining ? { remainingMs: () => remaining.getRemainingTimeInMillis() } : undefined);
      } catch (e) {
        const receives = Number(r.attributes?.ApproximateReceiveCount ?? 1);
        const error = String((e as Error)?.message ?? e);
        const last = deps.maxReceiveCount !== undefined && receives >= deps.maxReceiveCount;
        if (last) {
          // A poison message: this was its last delivery. Fail its execution with a clear cause
          // rather than leave it hanging (a redrive resumes it once the cause is fixed).
          logger.error('work message failed on its last delivery; failing its execution', { messageId: r.messageId, kind: msg.kind, executionArn: msg.executionArn, receives, error });
          await failForGood(deps, msg, receives, error);
          // Visible again at once, so the queue's next receive moves it to the dead-letter queue now.
          await retryAfter(deps, r, 0);
        } else {
          // deps.timeScale: the local engine's "everything faster" (undefined, so 1, on AWS).
          const seconds = retryDelaySeconds(receives, () => deps.random.random()) * (deps.timeScale ?? 1);
          logger.warn('work message failed; it will be retried', { messageId: r.messageId, kind: msg.kind, executionArn: msg.executionArn, receives, error, retryInSeconds: seconds });
          await retryAfter(deps, r, seconds);
        }
        throw e;
      }
    };
    return processPartialResponse(event, record, processor);
  };
}

/** Shortens the record's visibility; if that fails it comes back after the visibility timeout, which is slower but still correct. */
async function retryAfter(deps: EngineDeps, r: SQSRecord, seconds: number): Promise<void> {
  if (!deps.queue.retryAfter) return;
  try {
    await deps.queue.retryAfter(r.receiptHandle, seconds);
  } catch (e) {
    logger.warn('could not change the visibility of a failed work message; it returns after the visibility timeout', { messageId: r.messageId, error: String((e as Error)?.message ?? e) });
  }
}

/** The last delivery of `msg` failed: its execution must end FAILED, never stay RUNNING. */
async function failForGood(deps: EngineDeps, msg: WorkMessage, receives: number, error: string): Promise<void> {
  const cause = `A work message (${msg.kind}) for this execution failed ${receives} times and went to the dead-letter queue. Last error: ${error}`;
  try {
    // The interpreter's way first: it cancels tasks, stops spread children, tells a parent.
    await applyEvent(deps, msg.executionArn, { type: 'FailExecution', error: WORKER_FAILURE, cause });
  } catch (e) {
    logger.error('the interpreter could not fail the execution; writing FAILED directly', { executionArn: msg.executionArn, error: String((e as Error)?.message ?? e) });
  }
  try {
    // Whatever applyEvent did: it throws when the execution's own data is what fails every delivery (a
    // snapshot the interpreter cannot process, a corrupt record), and it ignores an execution that was
    // never started (no snapshot). Either way the record would stay RUNNING with nothing left to move it.
    await failDirectly(deps, msg.executionArn, WORKER_FAILURE, cause);
  } catch (e) {
    logger.error('could not fail the execution; it stays RUNNING', { executionArn: msg.executionArn, error: String((e as Error)?.message ?? e) });
  }
}

/**
 * Marks a RUNNING execution FAILED with a conditional write of its record, without the interpreter
 * (the fallback of failForGood). It does what the interpreter's failure would, as far as data alone
 * allows: the snapshot says FAILED and keeps its run tree, with running runs marked failed, so a
 * redrive can continue from it; an ExecutionFailed event follows the last history event; spread
 * children are stopped and a spread child tells its parent. Those go through an outbox committed with
 * the record, as every commit does, so a crash after the write loses none of them.
 * Returns false when there was nothing to do (missing, or no longer RUNNING).
 */
export async function failDirectly(deps: EngineDeps, executionArn: string, error: string, cause: string): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const rec = await deps.store.getExecution(executionArn);
    if (!rec || rec.status !== 'RUNNING') return false;
    const stopDate = deps.clock.now().toISOString();
    const snap = rec.snapshot;
    const eventId = Number.isInteger(snap?.nextEventId) && snap!.nextEventId > 0 ? snap!.nextEventId : 1;
    const failed: HistoryEvent = { timestamp: stopDate, type: 'ExecutionFailed', id: eventId, previousEventId: eventId - 1, executionFailedEventDetails: { error, cause } };
    const { runs, stops } = failRuns(snap);
    const messages: OutgoingMessage[] = rec.child ? [{ body: { kind: 'fanIn', executionArn, generation: rec.child.generation } }] : [];
    const next: ExecutionRecord = {
      ...rec,
      version: rec.version + 1,
      status: 'FAILED',
      error,
      cause,
      stopDate,
      output: undefined,
      snapshot: snap ? { ...snap, status: 'FAILED', error, cause, stopDate, nextEventId: eventId + 1, ...(runs ? { runs } : {}) } : undefined,
      // A pending outbox's events are history the snapshot already counts: write them before ours. Its
      // messages and fan-out orders would move a failed execution on: they are dropped.
      outbox: { events: [...(rec.outbox?.events ?? []), failed], messages, ...(stops.length ? { fanOuts: stops } : {}) },
    };
    if (!(await deps.store.updateExecution(next, rec.version))) continue; // it moved meanwhile: look again
    deps.onExecutionFinished?.('FAILED', executionArn, next);
    try {
      await flushOutbox(deps, next);
    } catch (e) {
      // The record is FAILED; the outbox stays on it and a redrive (or the reconciler) finishes it.
      logger.error('failed the execution, but could not write its history yet', { executionArn, error: String((e as Error)?.message ?? e) });
    }
    return true;
  }
  throw new Error(`execution ${executionArn}: too many concurrent updates while failing it`);
}

/** The run tree with running runs marked FAILED, and stop orders for spread fan-outs; nothing when the runs are not readable. */
function failRuns(snap: ExecutionSnapshot | undefined): { runs?: Record<string, Run>; stops: FanOutOrder[] } {
  const stops: FanOutOrder[] = [];
  if (!snap || typeof snap.runs !== 'object' || snap.runs === null) return { stops };
  const runs: Record<string, Run> = {};
  for (const [id, run] of Object.entries(snap.runs)) {
    if (!run || typeof run !== 'object') {
      runs[id] = run;
      continue;
    }
    const spread = run.waiting?.kind === 'children' ? run.fanOut?.spread : undefined;
    if (spread && run.fanOut) stops.push({ type: 'StopChildren', fanId: spread.fanId, total: run.fanOut.total, generation: spread.generation });
    runs[id] = run.status === 'RUNNING' ? { ...run, status: 'FAILED' } : run;
  }
  return { runs, stops };
}

/** Lambda entry point: ports on DynamoDB, SQS and Lambda, configured by environment variables. */
export const handler = createWorkerHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv());
