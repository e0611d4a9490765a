/**
 * The trigger Lambda: starts executions of one state machine from DynamoDB Streams or Kinesis Data
 * Streams batches (event source mappings with ReportBatchItemFailures) or from EventBridge events
 * (rules and schedules). Configured by STEPWRIGHT_TRIGGER (see runtime/trigger-config.ts).
 *
 * Streams: records whose start failed come back as batchItemFailures, so Lambda retries from the
 * first of them; records before it are done, records after it may come again, and their derived
 * execution names make the second start a no-op. EventBridge: a failed start throws, so the
 * invocation fails and is retried with the same event id.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { EngineDeps } from '../runtime/deps';
import { logger } from '../runtime/logger';
import { TriggerConfigError, triggerConfigFromEnv, type TriggerConfig } from '../runtime/trigger-config';
import { dynamoItem, eventBridgeItem, inputMapper, kinesisItem, type TriggerItem } from '../runtime/trigger-input';
import { isPermanentStartError, startTriggered, triggerExecutionName, type TriggerStart } from '../runtime/triggers';

export type TriggerEvent = DynamoDBStreamEvent | KinesisStreamEvent | EventBridgeEvent<string, unknown>;
export type BatchResponse = DynamoDBBatchResponse | KinesisStreamBatchResponse;
/** EventBridge ignores the result; it is there for logs and tests (undefined: nothing to start). */
export type TriggerResult = BatchResponse | TriggerStart | undefined;

type StreamRecord = DynamoDBRecord | KinesisStreamRecord;
type StreamType = typeof EventType.DynamoDBStreams | typeof EventType.KinesisDataStreams;

export function createTriggerHandler(getDeps: () => EngineDeps | Promise<EngineDeps>, config: TriggerConfig) {
  const mapInput = inputMapper(config.inputMapping);
  const wanted = config.eventNames && new Set<string>(config.eventNames);

  /** undefined: the record is filtered out (not an error, nothing to start). */
  const itemOf = (r: StreamRecord): TriggerItem | undefined => {
    if ('kinesis' in r) return kinesisItem(r);
    if (wanted && !wanted.has(r.eventName ?? '')) return undefined;
    return dynamoItem(r);
  };

  const start = async (deps: EngineDeps, item: TriggerItem, name: string, input: unknown) => {
    const result = await startTriggered(deps, config.stateMachineArn, name, input);
    logger.info(result.status === 'started' ? 'trigger started an execution' : 'trigger record already started its execution', { source: item.source, identity: item.identity, executionArn: result.executionArn });
    return result;
  };

  const streamBatch = async (deps: EngineDeps, event: DynamoDBStreamEvent | KinesisStreamEvent, type: StreamType): Promise<BatchResponse> => {
    const records = event.Records as StreamRecord[];
    if (config.batchInput) return wholeBatch(deps, records, type);
    // Powertools reports DynamoDB records by dynamodb.SequenceNumber and Kinesis records by
    // kinesis.sequenceNumber, the identifiers the event source mapping expects.
    const processor = new BatchProcessor(type);
    const one = async (r: StreamRecord) => {
      try {
        const item = itemOf(r);
        if (item) await start(deps, item, triggerExecutionName(item.source, [item.identity]), mapInput(item));
      } catch (e) {
        logFailure(e, { sequenceNumber: sequenceNumberOf(r) });
        throw e;
      }
    };
    // A batch that failed entirely is still a partial response (every record listed): it retries
    // the same way, and the handler's answer has one shape.
    return processPartialResponse(event, one, processor, { throwOnFullBatchFailure: false });
  };

  /** batchInput: one execution for the batch, named by all its records' identities. */
  const wholeBatch = async (deps: EngineDeps, records: StreamRecord[], type: StreamType): Promise<BatchResponse> => {
    try {
      const items = records.map(itemOf).filter((i): i is TriggerItem => i !== undefined);
      if (items.length === 0) return { batchItemFailures: [] };
      const name = triggerExecutionName(items[0].source, items.map((i) => i.identity), true);
      await start(deps, items[0], name, { records: items.map(mapInput) });
      return { batchItemFailures: [] };
    } catch (e) {
      logFailure(e, { records: records.length, eventType: type });
      return { batchItemFailures: records.map((r) => ({ itemIdentifier: sequenceNumberOf(r) })) };
    }
  };

  const eventBridge = async (deps: EngineDeps, event: EventBridgeEvent<string, unknown>): Promise<TriggerStart> => {
    const item = eventBridgeItem(event);
    try {
      const input = mapInput(item);
      return await start(deps, item, triggerExecutionName('eventbridge', [item.identity], config.batchInput), config.batchInput ? { records: [input] } : input);
    } catch (e) {
      logFailure(e, { eventId: event.id });
      throw e;
    }
  };

  return async (event: TriggerEvent): Promise<TriggerResult> => {
    const deps = await getDeps();
    if ('Records' in event && Array.isArray(event.Records)) {
      const first = event.Records[0] as StreamRecord | undefined;
      if (!first) return { batchItemFailures: [] };
      if ('kinesis' in first) return streamBatch(deps, event, EventType.KinesisDataStreams);
      if ('dynamodb' in first || first.eventSource === 'aws:dynamodb') return streamBatch(deps, event, EventType.DynamoDBStreams);
    } else if (isEventBridgeEvent(event)) {
      return eventBridge(deps, event);
    }
    // Wired to a source this handler does not know: fail loudly rather than drop events.
    throw new Error('trigger: unsupported event (expected a DynamoDB Streams or Kinesis batch, or an EventBridge event)');
  };
}

function isEventBridgeEvent(e: unknown): e is EventBridgeEvent<string, unknown> {
  const o = e as Record<string, unknown> | null;
  return !!o && typeof o.id === 'string' && typeof o.source === 'string' && typeof o['detail-type'] === 'string';
}

function sequenceNumberOf(r: StreamRecord): string {
  return ('kinesis' in r ? r.kinesis.sequenceNumber : r.dynamodb?.SequenceNumber) ?? '';
}

function logFailure(e: unknown, where: Record<string, unknown>): void {
  const error = String((e as Error)?.message ?? e);
  if (e instanceof TriggerConfigError || isPermanentStartError(e)) {
    // Retrying will not help: the event source's retries run out and its on-failure destination keeps the record.
    logger.error('trigger cannot start an execution for this record', { ...where, error });
  } else {
    logger.warn('trigger start failed; it will be retried', { ...where, error });
  }
}

/**
 * Lambda entry point: ports from STEPWRIGHT_TABLE / STEPWRIGHT_QUEUE_URL (aws/deps-from-env) and the
 * trigger from STEPWRIGHT_TRIGGER, both read on the first invocation and kept for the container.
 */
let deployed: ReturnType<typeof createTriggerHandler> | undefined;
export const handler = async (event: TriggerEvent): Promise<TriggerResult> => {
  deployed ??= createTriggerHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv(), triggerConfigFromEnv());
  return deployed(event);
};
