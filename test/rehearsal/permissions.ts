/**
 * The IAM permissions an AWS API call needs, as IAM evaluates them for the calls the functions make:
 * the action (`<service>:<Action>`; SQS's batch calls need the single call's action) on each resource
 * the request names (a DynamoDB table, or its index for a Query on one; a queue by its URL).
 */
import type { RecordedCall } from './aws-endpoint';
import { queueArnOfUrl } from './local-stack';

export interface Permission {
  action: string;
  resource: string;
}

const SQS_BATCH = /^(SendMessage|DeleteMessage|ChangeMessageVisibility)Batch$/;
const TRANSACT_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };

export function permissionsOf(call: RecordedCall, account: string, region: string): Permission[] {
  const table = (name: string, index?: string) => `arn:aws:dynamodb:${region}:${account}:table/${name}${index ? `/index/${index}` : ''}`;
  const b = call.body;
  if (call.service === 'dynamodb') {
    if (call.action === 'BatchGetItem' || call.action === 'BatchWriteItem') return Object.keys(b.RequestItems ?? {}).map((t) => ({ action: `dynamodb:${call.action}`, resource: table(t) }));
    if (call.action === 'TransactWriteItems' || call.action === 'TransactGetItems') {
      return (b.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) => Object.entries(item).map(([kind, v]) => ({ action: `dynamodb:${TRANSACT_ACTIONS[kind]}`, resource: table(v.TableName) })));
    }
    return [{ action: `dynamodb:${call.action}`, resource: table(String(b.TableName), b.IndexName as string | undefined) }];
  }
  if (call.service === 'sqs') {
    const action = `sqs:${call.action.replace(SQS_BATCH, '$1')}`;
    const resource = b.QueueUrl ? queueArnOfUrl(String(b.QueueUrl), account, region) : `arn:aws:sqs:${region}:${account}:${String(b.QueueName)}`;
    return [{ action, resource }];
  }
  if (call.service === 'secretsmanager') return [{ action: `secretsmanager:${call.action}`, resource: String(b.SecretId) }];
  return [{ action: `${call.service}:${call.action}`, resource: '*' }];
}
