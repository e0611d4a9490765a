/**
 * The worker Lambda: an SQS batch handler. Each record is one WorkMessage; records that fail are
 * reported as partial batch failures so SQS redelivers only those. The local runtime hands the very
 * same handler SQSEvent-shaped batches from its in-process queue.
 */
import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { processMessage } from '../runtime/process-message';
import { applyEvent } from '../runtime/advance-execution';
import type { EngineDeps } from '../runtime/deps';
import type { WorkMessage } from '../ports';
import { logger } from '../runtime/logger';

export function createWorkerHandler(getDeps: () => EngineDeps | Promise<EngineDeps>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
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
        await processMessage(deps, msg);
      } catch (e) {
        const receives = Number(r.attributes?.ApproximateReceiveCount ?? 1);
        const error = String((e as Error)?.message ?? e);
        if (deps.maxReceiveCount !== undefined && receives >= deps.maxReceiveCount) {
          // A poison message: this was its last delivery. Fail its execution with a clear cause
          // rather than leave it hanging (a redrive resumes it once the cause is fixed).
          logger.error('work message failed on its last delivery; failing its execution', { messageId: r.messageId, kind: msg.kind, executionArn: msg.executionArn, receives, error });
          await applyEvent(deps, msg.executionArn, {
            type: 'FailExecution',
            error: 'Stepwright.WorkerFailure',
            cause: `A work message (${msg.kind}) for this execution failed ${receives} times and went to the dead-letter queue. Last error: ${error}`,
          }).catch(() => undefined);
        } else {
          logger.warn('work message failed; it will be retried', { messageId: r.messageId, kind: msg.kind, executionArn: msg.executionArn, receives, error });
        }
        throw e;
      }
    };
    return processPartialResponse(event, record, processor);
  };
}

/** Lambda entry point: ports on DynamoDB, SQS and Lambda, configured by environment variables. */
export const handler = createWorkerHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv());
