/**
 * The worker Lambda: an SQS batch handler. Each record is one WorkMessage; records that fail are
 * reported as partial batch failures so SQS redelivers only those. The local runtime hands the very
 * same handler SQSEvent-shaped batches from its in-process queue.
 */
import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { processMessage } from '../runtime/process-message';
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
        logger.warn('work message failed; it will be retried', { messageId: r.messageId, kind: msg.kind, executionArn: msg.executionArn, error: String((e as Error)?.message ?? e) });
        throw e;
      }
    };
    return processPartialResponse(event, record, processor);
  };
}

/** Lambda entry point: ports on DynamoDB, SQS and Lambda, configured by environment variables. */
export const handler = createWorkerHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv());
