import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A user's table for the DynamoDB service integrations to read and write: one string key, `id`. */
export async function createKeyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
}
