/**
 * SQS and DynamoDB integrations on the local runtime, against real parts: the embedded DynamoDB
 * (dynalite) and fauxqs over HTTP. Request and result shapes and error names as AWS's.
 */
import { createHash } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestEngine, type TestEngine } from './harness';
import { startFauxqsChild, type FauxqsChild } from './fauxqs-child';
import { createKeyTable } from './key-table';
import * as svc from '../../lambda/runtime/service';

let fauxqs: FauxqsChild;
let t: TestEngine;
let sqs: SQSClient;
let queueUrl: string;
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';

beforeAll(async () => {
  fauxqs = await startFauxqsChild();
  sqs = new SQSClient({ endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }))).QueueUrl!;
  t = await startTestEngine({ services: { sqsEndpoint: fauxqs.endpoint } });
  await createKeyTable(t.engine.dynamo.client, 'Users');
}, 30_000);

afterAll(async () => {
  await t?.close();
  sqs?.destroy();
  await fauxqs?.stop();
});

const task = (name: string, resource: string, parameters: unknown, extra: Record<string, unknown> = {}) => ({
  StartAt: 'T',
  States: {
    T: { Type: 'Task', Resource: resource, Parameters: parameters, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true, ...extra },
    Caught: { Type: 'Pass', End: true },
  },
  Comment: name,
});

async function run(name: string, definition: unknown, input: unknown = {}) {
  const sm = await t.machine(name, definition);
  return t.finished(await t.start(sm, input));
}

async function receiveOne(): Promise<string> {
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }));
    if (r.Messages?.[0]?.Body !== undefined) return r.Messages[0].Body;
  }
}

describe('sqs:sendMessage', () => {
  it('sends a JSON body as its text and returns SendMessage\'s response with the SDK metadata', async () => {
    const rec = await run('sqs-send', task('send', 'arn:aws:states:::sqs:sendMessage', { QueueUrl: QUEUE, 'MessageBody.$': '$.order' }), { order: { id: 7, item: 'pen' } });
    expect(rec.status).toBe('SUCCEEDED');
    const out = JSON.parse(rec.output!) as Record<string, unknown>;
    const sent = await receiveOne();
    expect(JSON.parse(sent)).toEqual({ id: 7, item: 'pen' });
    expect(out).toEqual({
      MessageId: expect.any(String),
      MD5OfMessageBody: createHash('md5').update(sent).digest('hex'),
      SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
  });

  it('names a missing queue SQS.QueueDoesNotExistException', async () => {
    const def = task('missing', 'arn:aws:states:::sqs:sendMessage', { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/nope', MessageBody: 'x' });
    (def.States.T.Catch as unknown[])[0] = { ErrorEquals: ['SQS.QueueDoesNotExistException'], ResultPath: '$.error', Next: 'Caught' };
    const rec = await run('sqs-missing', def);
    expect([rec.status, rec.error, rec.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(JSON.parse(rec.output!)).toMatchObject({ error: { Error: 'SQS.QueueDoesNotExistException', Cause: expect.stringContaining('Service: AmazonSQS') } });
  });

  it('.waitForTaskToken: the message carries the token and SendTaskSuccess continues the execution', async () => {
    const def = {
      StartAt: 'Ask',
      States: {
        Ask: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', Parameters: { QueueUrl: QUEUE, MessageBody: { 'token.$': '$$.Task.Token', 'item.$': '$.item' } }, ResultPath: '$.answer', End: true },
      },
    };
    const sm = await t.machine('sqs-callback', def);
    const arn = await t.start(sm, { item: 'laptop' });
    const body = JSON.parse(await receiveOne()) as { token: string; item: string };
    expect(body.item).toBe('laptop');
    expect((await t.get(arn)).status).toBe('RUNNING');
    await svc.sendTaskSuccess(t.deps, { taskToken: body.token, output: JSON.stringify({ approved: true }) });
    const rec = await t.finished(arn);
    expect([rec.status, JSON.parse(rec.output!)]).toEqual(['SUCCEEDED', { item: 'laptop', answer: { approved: true } }]);
  });
});

describe('dynamodb:putItem/getItem/updateItem/deleteItem on the embedded DynamoDB', () => {
  it('round-trips typed items with AWS\'s result shapes', async () => {
    const def = {
      StartAt: 'Put',
      States: {
        Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 'Users', Item: { id: { S: 'ada' }, visits: { N: '1' } } }, ResultPath: '$.put', Next: 'Update' },
        Update: {
          Type: 'Task', Resource: 'arn:aws:states:::dynamodb:updateItem',
          Parameters: { TableName: 'Users', Key: { id: { S: 'ada' } }, UpdateExpression: 'SET visits = visits + :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW' },
          ResultPath: '$.update', Next: 'Get',
        },
        Get: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: { TableName: 'Users', Key: { id: { S: 'ada' } } }, ResultPath: '$.get', Next: 'Delete' },
        Delete: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:deleteItem', Parameters: { TableName: 'Users', Key: { id: { S: 'ada' } }, ReturnValues: 'ALL_OLD' }, ResultPath: '$.delete', End: true },
      },
    };
    const rec = await run('ddb-crud', def);
    expect(rec.status).toBe('SUCCEEDED');
    const out = JSON.parse(rec.output!) as Record<string, Record<string, unknown>>;
    const meta = { SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: expect.any(String) } };
    expect(out.put).toEqual(meta);
    expect(out.update).toEqual({ Attributes: { visits: { N: '2' } }, ...meta });
    expect(out.get).toEqual({ Item: { id: { S: 'ada' }, visits: { N: '2' } }, ...meta });
    expect(out.delete).toEqual({ Attributes: { id: { S: 'ada' }, visits: { N: '2' } }, ...meta });
  });

  it('names a failed condition DynamoDB.ConditionalCheckFailedException', async () => {
    const put = { TableName: 'Users', Item: { id: { S: 'once' } }, ConditionExpression: 'attribute_not_exists(id)' };
    const def = {
      StartAt: 'First',
      States: {
        First: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: put, ResultPath: null, Next: 'Again' },
        Again: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: put, Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.error', Next: 'Caught' }], End: true },
        Caught: { Type: 'Pass', End: true },
      },
    };
    const rec = await run('ddb-condition', def);
    expect(JSON.parse(rec.output!)).toMatchObject({ error: { Error: 'DynamoDB.ConditionalCheckFailedException', Cause: expect.stringContaining('Service: AmazonDynamoDBv2') } });
  });

  it('names a missing table DynamoDB.ResourceNotFoundException', async () => {
    const rec = await run('ddb-missing', { StartAt: 'G', States: { G: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: { TableName: 'Nope', Key: { id: { S: 'x' } } }, End: true } } });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'DynamoDB.ResourceNotFoundException']);
  });

  it('fails with States.Runtime naming a missing required parameter', async () => {
    const rec = await run('ddb-no-key', { StartAt: 'G', States: { G: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: { TableName: 'Users' }, End: true } } });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'States.Runtime']);
    expect(rec.cause).toContain("'Key'");
  });
});
