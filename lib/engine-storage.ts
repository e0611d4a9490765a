/**
 * The engine's storage, created in the engine's own scope (ids Table, DeadLetterQueue, WorkQueue):
 * the DynamoDB table (state machines, executions, history) with its indexes, and the SQS work queue
 * with its dead-letter queue.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { STEPWRIGHT_TABLE_SCHEMA } from '../lambda/aws/table-schema';
import type { ResolvedEngineSettings, StepwrightEngineProps } from './engine-props';

export interface EngineStorage {
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/** The table, with the schema the DynamoDB adapter reads and writes. */
export function createTable(engine: Construct, props: StepwrightEngineProps): dynamodb.Table {
  const s = STEPWRIGHT_TABLE_SCHEMA;
  const table = new dynamodb.Table(engine, 'Table', {
    tableName: props.tableName,
    partitionKey: { name: s.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: s.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: s.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
    encryptionKey: props.encryptionKey,
    stream: props.stream ? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES : undefined,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    deletionProtection: props.deletionProtection ?? true,
  });
  for (const index of Object.values(s.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...index.nonKeyAttributes],
    });
  }
  return table;
}

/** The work queue and its dead-letter queue, encrypted with the engine's key when it has one. */
export function createQueues(engine: Construct, props: StepwrightEngineProps, settings: ResolvedEngineSettings): Pick<EngineStorage, 'queue' | 'deadLetterQueue'> {
  const queueEncryption = props.encryptionKey
    ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
    : { encryption: sqs.QueueEncryption.SQS_MANAGED };
  const deadLetterQueue = new sqs.Queue(engine, 'DeadLetterQueue', {
    ...queueEncryption,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(engine, 'WorkQueue', {
    ...queueEncryption,
    enforceSSL: true,
    visibilityTimeout: settings.queueVisibilityTimeout,
    retentionPeriod: Duration.days(14),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

export function createStorage(engine: Construct, props: StepwrightEngineProps, settings: ResolvedEngineSettings): EngineStorage {
  const table = createTable(engine, props);
  return { table, ...createQueues(engine, props, settings) };
}
