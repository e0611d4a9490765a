/**
 * SNS, EventBridge and AWS SDK integrations on the local runtime: SNS against fauxqs's SNS, EventBridge
 * against a real HTTP endpoint that speaks PutEvents' JSON protocol and records what it was sent,
 * aws-sdk tasks against the embedded DynamoDB and fauxqs. Shapes and error names as AWS's; a service
 * with no local endpoint fails with advice rather than reaching real AWS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestEngine, until, type TestEngine } from './harness';
import * as svc from '../../lambda/runtime/service';
import { startFauxqsChild, type FauxqsChild } from './fauxqs-child';
import { createKeyTable } from './key-table';

let fauxqs: FauxqsChild;
let t: TestEngine;
let bare: TestEngine;
let events: Server;
let topicArn: string;
const received: { target: string; body: Record<string, unknown> }[] = [];
let failEntries = false;
const CREDENTIALS = { accessKeyId: 'l', secretAccessKey: 'l' };

beforeAll(async () => {
  fauxqs = await startFauxqsChild();
  const sns = new SNSClient({ endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn!;
  sns.destroy();
  // EventBridge's wire protocol (awsJson1_1, X-Amz-Target AWSEvents.PutEvents), answered as the service answers
  events = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as { Entries: unknown[] };
      received.push({ target: String(req.headers['x-amz-target']), body });
      const answer = failEntries
        ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] }
        : { FailedEntryCount: 0, Entries: body.Entries.map((_, i) => ({ EventId: `event-${i}` })) };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => events.listen(0, '127.0.0.1', r));
  const eventsUrl = `http://127.0.0.1:${(events.address() as AddressInfo).port}`;
  t = await startTestEngine({ services: { sqsEndpoint: fauxqs.endpoint, endpoints: { sns: fauxqs.endpoint, eventbridge: eventsUrl } } });
  bare = await startTestEngine();
  await createKeyTable(t.engine.dynamo.client, 'Ledger');
}, 30_000);

afterAll(async () => {
  await t?.close();
  await bare?.close();
  await new Promise((r) => events?.close(r));
  await fauxqs?.stop();
});

async function run(engine: TestEngine, name: string, state: Record<string, unknown>, input: unknown = {}) {
  const sm = await engine.machine(name, { StartAt: 'T', States: { T: { Type: 'Task', End: true, ...state } } });
  return engine.finished(await engine.start(sm, input));
}

describe('sns:publish', () => {
  it('publishes (a JSON Message as its text) and returns {MessageId} with the SDK metadata', async () => {
    const rec = await run(t, 'sns', { Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: topicArn, 'Message.$': '$' } }, { hello: 'world' });
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({
      MessageId: expect.any(String),
      SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
  });

  it('names a missing topic SNS.<code>Exception', async () => {
    const rec = await run(t, 'sns-missing', { Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'x' } });
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toMatch(/^SNS\.\w+Exception$/);
    expect(rec.cause).toContain('Service: AmazonSNS');
  });

  it('without a configured endpoint fails with SNS.SdkClientException saying where to configure one', async () => {
    const rec = await run(bare, 'sns-nowhere', { Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: topicArn, Message: 'x' } });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'SNS.SdkClientException']);
    expect(rec.cause).toContain('integrations.endpoints.sns');
  });
});

describe('events:putEvents', () => {
  it('sends Detail as text, appends the execution\'s and machine\'s ARNs to Resources, returns {Entries, FailedEntryCount}', async () => {
    received.length = 0;
    const rec = await run(t, 'events', { Resource: 'arn:aws:states:::events:putEvents', Parameters: { Entries: [{ Detail: { 'order.$': '$.order' }, DetailType: 'OrderPlaced', Source: 'shop', Resources: ['arn:aws:s3:::b'] }] } }, { order: 7 });
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual({ Entries: [{ EventId: 'event-0' }], FailedEntryCount: 0 });
    expect(received).toHaveLength(1);
    expect(received[0].target).toBe('AWSEvents.PutEvents');
    expect(received[0].body.Entries).toEqual([
      { Detail: '{"order":7}', DetailType: 'OrderPlaced', Source: 'shop', Resources: ['arn:aws:s3:::b', rec.executionArn, rec.stateMachineArn] },
    ]);
  });

  it('fails with EventBridge.FailedEntry when an entry failed', async () => {
    failEntries = true;
    try {
      const rec = await run(t, 'events-failed', { Resource: 'arn:aws:states:::events:putEvents', Parameters: { Entries: [{ Detail: {}, DetailType: 'd', Source: 's' }] } });
      expect([rec.status, rec.error]).toEqual(['FAILED', 'EventBridge.FailedEntry']);
      expect(rec.cause).toContain('InternalFailure');
    } finally {
      failEntries = false;
    }
  });
});

describe('.waitForTaskToken on SNS and EventBridge', () => {
  it('sns:publish.waitForTaskToken: a subscriber gets the token, SendTaskSuccess continues the execution', async () => {
    const CREDS = { endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: CREDENTIALS };
    const sqs = new SQSClient(CREDS);
    const sns = new SNSClient(CREDS);
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'news-reader' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
    const sm = await t.machine('sns-callback', { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish.waitForTaskToken', Parameters: { TopicArn: topicArn, Message: { 'token.$': '$$.Task.Token' } }, End: true } } });
    const arn = await t.start(sm, {});
    let body: string | undefined;
    while (body === undefined) body = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }))).Messages?.[0]?.Body;
    expect((await t.get(arn)).status).toBe('RUNNING');
    await svc.sendTaskSuccess(t.deps, { taskToken: (JSON.parse(body) as { token: string }).token, output: '{"read": true}' });
    const rec = await t.finished(arn);
    expect([rec.status, JSON.parse(rec.output!)]).toEqual(['SUCCEEDED', { read: true }]);
    sqs.destroy();
    sns.destroy();
  });

  it('events:putEvents.waitForTaskToken: the event carries the token, SendTaskFailure fails the task', async () => {
    received.length = 0;
    const sm = await t.machine('events-callback', { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken', Parameters: { Entries: [{ Detail: { 'token.$': '$$.Task.Token' }, DetailType: 'Review', Source: 'shop' }] }, End: true } } });
    const arn = await t.start(sm, {});
    await until('the event', () => received[0]);
    expect((await t.get(arn)).status).toBe('RUNNING');
    const detail = JSON.parse((received[0].body.Entries as { Detail: string }[])[0].Detail) as { token: string };
    await svc.sendTaskFailure(t.deps, { taskToken: detail.token, error: 'Declined', cause: 'no' });
    const rec = await t.finished(arn);
    expect([rec.status, rec.error]).toEqual(['FAILED', 'Declined']);
  });
});

describe('aws-sdk:<service>:<action>', () => {
  it('passes PascalCase parameters as the command input and returns the response without SDK metadata', async () => {
    const put = await run(t, 'sdk-put', { Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem', Parameters: { TableName: 'Ledger', Item: { id: { S: 'a' }, n: { N: '1' } } } });
    expect([put.status, JSON.parse(put.output!)]).toEqual(['SUCCEEDED', {}]);
    const get = await run(t, 'sdk-get', { Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem', Parameters: { TableName: 'Ledger', Key: { id: { S: 'a' } } } });
    expect(JSON.parse(get.output!)).toEqual({ Item: { id: { S: 'a' }, n: { N: '1' } } });
  });

  it('names errors <Service>.<Code> as Step Functions does (DynamoDb.ConditionalCheckFailedException)', async () => {
    const rec = await run(t, 'sdk-condition', { Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem', Parameters: { TableName: 'Ledger', Item: { id: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(id)' } });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'DynamoDb.ConditionalCheckFailedException']);
  });

  it('adds the Exception suffix a service\'s own error name lacks (SQS QueueDoesNotExist -> Sqs.QueueDoesNotExistException)', async () => {
    const rec = await run(t, 'sdk-sqs-missing', { Resource: 'arn:aws:states:::aws-sdk:sqs:getQueueAttributes', Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/absent' } });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'Sqs.QueueDoesNotExistException']);
  });

  it('reaches the local SQS by the queue\'s AWS URL', async () => {
    const sqs = new SQSClient({ endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'sdk-queue' }))).QueueUrl!;
    const rec = await run(t, 'sdk-sqs', { Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage', Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sdk-queue', MessageBody: 'hello' } });
    expect(rec.status).toBe('SUCCEEDED');
    expect(Object.keys(JSON.parse(rec.output!) as object).sort()).toEqual(['MD5OfMessageBody', 'MessageId']);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe('hello');
    sqs.destroy();
  });

  it('an action the service does not have fails with States.Runtime naming it', async () => {
    const rec = await run(t, 'sdk-unknown', { Resource: 'arn:aws:states:::aws-sdk:dynamodb:frobnicate', Parameters: {} });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'States.Runtime']);
    expect(rec.cause).toContain('FrobnicateCommand');
  });
});
