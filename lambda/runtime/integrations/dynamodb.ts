/**
 * `arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem`: the API's own request (TableName,
 * Key or Item in DynamoDB's typed form `{"S": "..."}`, ConditionExpression, ExpressionAttributeValues,
 * ReturnValues...) and its response (Item, Attributes, ConsumedCapacity...) with the SDK metadata.
 * Errors: `DynamoDB.<ErrorCode>` (DynamoDB.ConditionalCheckFailedException,
 * DynamoDB.ResourceNotFoundException...).
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import { isObject, parameterFailure, serviceFailure } from './failures';
import { sdkMetadata, type ServiceCaller } from './service-caller';

export const DYNAMODB_NAMES = { prefix: 'DynamoDB', javaService: 'AmazonDynamoDBv2' };

const ACTIONS = { getItem: 'GetItem', putItem: 'PutItem', updateItem: 'UpdateItem', deleteItem: 'DeleteItem' } as const;
/** the field each action cannot do without, besides TableName */
const KEY_FIELD = { getItem: 'Key', putItem: 'Item', updateItem: 'Key', deleteItem: 'Key' } as const;

export function dynamoDbIntegration(action: keyof typeof ACTIONS) {
  return async (caller: ServiceCaller, req: TaskRequest): Promise<TaskOutcome> => {
    const params = isObject(req.input) ? req.input : {};
    if (typeof params.TableName !== 'string' || params.TableName === '') return parameterFailure(req.stateName, 'TableName', 'a table name or ARN');
    if (!isObject(params[KEY_FIELD[action]])) return parameterFailure(req.stateName, KEY_FIELD[action], 'an object of typed attribute values ({"id": {"S": "..."}})');
    try {
      const res = await caller.call('dynamodb', ACTIONS[action], params);
      return { ok: true, output: { ...res.output, ...sdkMetadata(res) } };
    } catch (e) {
      return serviceFailure(DYNAMODB_NAMES, e);
    }
  };
}
