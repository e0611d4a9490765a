/**
 * The Stepwright table's schema: keys, indexes, projections. Its own module, with no runtime code, so
 * that the CDK stack (lib/) and the local runtime build the same table without loading the store.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

const SUMMARY_ATTRIBUTES = ['executionArn', 'stateMachineArn', 'name', 'status', 'startDate', 'stopDate'];
const STATE_MACHINE_ATTRIBUTES = [
  'arn', 'definition', 'definitionGz', 'roleArn', 'type', 'creationDate', 'updateDate', 'revisionId', 'description', 'settings',
];

/**
 * The one description of the table; the CDK stack and the local runtime both build from it, so the
 * deployed table and the embedded one cannot drift apart.
 */
export const STEPWRIGHT_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** epoch seconds; enable DynamoDB TTL on it (CreateTable cannot, so the CDK stack sets it) */
  ttlAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
  indexes: {
    /** state machine list and executions per state machine (newest first; a machine's spread over shards, see dynamo-shards.ts) */
    byParent: {
      indexName: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      nonKeyAttributes: [...new Set([...SUMMARY_ATTRIBUTES, ...STATE_MACHINE_ATTRIBUTES])],
    },
    /** executions per state machine and status (sharded the same way) */
    byStatus: { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', nonKeyAttributes: SUMMARY_ATTRIBUTES },
  },
} as const;

/** CreateTable input for the Stepwright table (all key attributes are strings). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const s = STEPWRIGHT_TABLE_SCHEMA;
  const indexes = Object.values(s.indexes);
  const keyNames = [s.partitionKey, s.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: s.billingMode,
    AttributeDefinitions: keyNames.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: s.partitionKey, KeyType: 'HASH' },
      { AttributeName: s.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' },
        { AttributeName: i.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...i.nonKeyAttributes] },
    })),
  };
}
