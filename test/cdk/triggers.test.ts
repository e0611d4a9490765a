/**
 * engine.addTrigger / StepwrightTrigger: DynamoDB streams, Kinesis streams and EventBridge (patterns,
 * schedules, rules) wired to a registered state machine; the STEPWRIGHT_TRIGGER the handler reads;
 * least-privilege permissions; options refused at synth time; one real bundle of the handler.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseTriggerConfig } from '../../lambda/runtime/trigger-config';
import { StepwrightEngine, type StepwrightEngineProps } from '../../lib/stepwright-engine';
import type { StepwrightStateMachine } from '../../lib/stepwright-state-machine';
import { StepwrightTrigger, TriggerSource, type StepwrightTriggerOptions } from '../../lib/stepwright-trigger';
import { ENV, asArray, grants, newApp, resource } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
const ORDERS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';

interface Fixture {
  stack: Stack;
  engine: StepwrightEngine;
  orders: StepwrightStateMachine;
  table: dynamodb.Table;
  stream: kinesis.Stream;
}

function fixture(engineProps: StepwrightEngineProps = {}): Fixture {
  const stack = new Stack(newApp(), 'S', { env: ENV });
  const engine = new StepwrightEngine(stack, 'Engine', engineProps);
  const orders = engine.addStateMachine('Orders', { name: 'orders', definition: PASS });
  const table = new dynamodb.Table(stack, 'Source', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
  const stream = new kinesis.Stream(stack, 'Stream');
  return { stack, engine, orders, table, stream };
}

/** STEPWRIGHT_TRIGGER of the trigger function whose logical id starts with `prefix`, parsed. */
function triggerEnv(t: Template, prefix: string): Record<string, unknown> {
  const raw = resource(t, 'AWS::Lambda::Function', prefix).props.Environment.Variables.STEPWRIGHT_TRIGGER;
  expect(typeof raw).toBe('string');
  return JSON.parse(raw);
}

const getAtt = (prefix: string, attr: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), attr] });

/** Every action granted to a role, as "action on <LogicalId>" (index ARNs as <LogicalId>/index/*). */
function grantList(t: Template, rolePrefix: string): string[] {
  const name = (r: any): string => {
    if (r === '*') return '*';
    if (r['Fn::GetAtt']) return `<${r['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')}${r['Fn::GetAtt'][1] === 'Arn' ? '' : `.${r['Fn::GetAtt'][1]}`}>`;
    if (r['Fn::Join']) return r['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : name(p))).join('');
    return JSON.stringify(r);
  };
  return [...new Set(grants(t, rolePrefix).flatMap((g) => g.resources.map((r) => `${g.action} on ${name(r)}`)))].sort();
}

const ENGINE_ACCESS = [
  'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
  'dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem',
].flatMap((a) => [`${a} on <EngineTable>`, `${a} on <EngineTable>/index/*`]).concat(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].map((a) => `${a} on <EngineWorkQueue>`));

describe('DynamoDB stream', () => {
  const f = fixture();
  f.engine.addTrigger('NewOrders', { stateMachine: f.orders, source: TriggerSource.dynamoDb(f.table), eventNames: ['INSERT'], inputMapping: 'newImage' });
  const t = Template.fromStack(f.stack);

  test('event source mapping: partial batch responses, bisect, bounded retries, on-failure queue, LATEST, 100 per batch', () => {
    const esm = resource(t, 'AWS::Lambda::EventSourceMapping', 'EngineTriggersNewOrders').props;
    expect(esm).toEqual({
      EventSourceArn: getAtt('Source', 'StreamArn'),
      FunctionName: { Ref: expect.stringMatching(/^EngineTriggersNewOrdersFunction/) },
      BatchSize: 100,
      StartingPosition: 'LATEST',
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: getAtt('EngineTriggersNewOrdersDeadLetterQueue', 'Arn') } },
    });
  });

  test('the trigger function: the handler\'s config, the engine\'s table and queue, Node 22 on arm64, logs kept 30 days', () => {
    const fn = resource(t, 'AWS::Lambda::Function', 'EngineTriggersNewOrdersFunction');
    expect(triggerEnv(t, 'EngineTriggersNewOrdersFunction')).toEqual({ stateMachineArn: ORDERS_ARN, inputMapping: 'newImage', eventNames: ['INSERT'] });
    expect(parseTriggerConfig(fn.props.Environment.Variables.STEPWRIGHT_TRIGGER)).toBeTruthy(); // what the handler accepts at cold start
    expect(fn.props.Environment.Variables).toMatchObject({
      STEPWRIGHT_TABLE: { Ref: expect.stringMatching(/^EngineTable/) },
      STEPWRIGHT_QUEUE_URL: { Ref: expect.stringMatching(/^EngineWorkQueue/) },
    });
    expect(fn.props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: 256, Timeout: 60 });
    expect(fn.props.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/^EngineTriggersNewOrdersFunctionLogs/) });
    expect(resource(t, 'AWS::Logs::LogGroup', 'EngineTriggersNewOrdersFunctionLogs').props.RetentionInDays).toBe(30);
  });

  test('least privilege: the engine\'s table and work queue, this stream, its own dead-letter queue and logs; nothing else', () => {
    expect(grantList(t, 'EngineTriggersNewOrdersRole')).toEqual(
      [
        ...ENGINE_ACCESS,
        'dynamodb:ListStreams on *',
        ...['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].map((a) => `${a} on <Source.StreamArn>`),
        ...['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].map((a) => `${a} on <EngineTriggersNewOrdersDeadLetterQueue>`),
        ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} on <EngineTriggersNewOrdersFunctionLogs>`),
      ].sort(),
    );
  });

  test('the dead-letter queue: encrypted, TLS only, 14 days, alarmed', () => {
    const q = resource(t, 'AWS::SQS::Queue', 'EngineTriggersNewOrdersDeadLetterQueue');
    expect(q.props).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: q.id }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const alarm = resource(t, 'AWS::CloudWatch::Alarm', 'EngineTriggersNewOrdersDeadLetterQueueAlarm').props;
    expect(alarm).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, Dimensions: [{ Name: 'QueueName', Value: getAtt(q.id, 'QueueName') }] });
  });

  test('every trigger resource waits for the state machine\'s registration', () => {
    const registration = resource(t, 'Custom::StepwrightStateMachine', 'EngineOrdersRegistration').id;
    for (const type of ['AWS::Lambda::Function', 'AWS::Lambda::EventSourceMapping', 'AWS::IAM::Role']) {
      expect(resource(t, type, 'EngineTriggersNewOrders').raw.DependsOn).toContain(registration);
    }
  });

  test('options: batch size, retries, starting position, batching window, filters, parallelization; batchInput', () => {
    const g = fixture();
    g.engine.addTrigger('T', {
      stateMachine: 'orders',
      source: TriggerSource.dynamoDb(g.table),
      batchSize: 500,
      maxRetryAttempts: 3,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      maxBatchingWindow: Duration.seconds(5),
      parallelizationFactor: 2,
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('MODIFY') })],
      batchInput: true,
      inputMapping: { template: { id: '$.keys.id', when: '$$.dynamodb.ApproximateCreationDateTime' } },
    });
    const gt = Template.fromStack(g.stack);
    expect(resource(gt, 'AWS::Lambda::EventSourceMapping', 'EngineTriggersT').props).toMatchObject({
      BatchSize: 500,
      MaximumRetryAttempts: 3,
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 2,
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["MODIFY"]}' }] },
    });
    expect(triggerEnv(gt, 'EngineTriggersTFunction')).toEqual({
      stateMachineArn: ORDERS_ARN,
      batchInput: true,
      inputMapping: { template: { id: '$.keys.id', when: '$$.dynamodb.ApproximateCreationDateTime' } },
    });
  });

  test('the engine\'s own table stream (stream: true), with filters', () => {
    const g = fixture({ stream: true });
    const filters = [lambda.FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith('order#') } } } })];
    g.engine.addTrigger('Own', { stateMachine: g.orders, source: TriggerSource.dynamoDb(g.engine.table), filters });
    const esm = resource(Template.fromStack(g.stack), 'AWS::Lambda::EventSourceMapping', 'EngineTriggersOwn').props;
    expect(esm.EventSourceArn).toEqual(getAtt('EngineTable', 'StreamArn'));
    expect(esm.FilterCriteria.Filters).toHaveLength(1);
  });

  test('an imported table with its stream ARN', () => {
    const g = fixture();
    const imported = dynamodb.Table.fromTableAttributes(g.stack, 'Imported', {
      tableName: 'legacy',
      tableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/legacy/stream/2024-01-01T00:00:00.000',
    });
    g.engine.addTrigger('Legacy', { stateMachine: g.orders, source: TriggerSource.dynamoDb(imported) });
    expect(resource(Template.fromStack(g.stack), 'AWS::Lambda::EventSourceMapping', 'EngineTriggersLegacy').props.EventSourceArn).toBe(
      'arn:aws:dynamodb:us-east-1:123456789012:table/legacy/stream/2024-01-01T00:00:00.000',
    );
  });
});

describe('Kinesis stream', () => {
  const f = fixture();
  f.engine.addTrigger('Clicks', { stateMachine: f.orders, source: TriggerSource.kinesis(f.stream), inputMapping: 'data', startingPosition: lambda.StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: 1_700_000_000 });
  const t = Template.fromStack(f.stack);

  test('event source mapping on the stream, same delivery settings', () => {
    expect(resource(t, 'AWS::Lambda::EventSourceMapping', 'EngineTriggersClicks').props).toEqual({
      EventSourceArn: getAtt('Stream', 'Arn'),
      FunctionName: { Ref: expect.stringMatching(/^EngineTriggersClicksFunction/) },
      BatchSize: 100,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: 1_700_000_000,
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: getAtt('EngineTriggersClicksDeadLetterQueue', 'Arn') } },
    });
    expect(triggerEnv(t, 'EngineTriggersClicksFunction')).toEqual({ stateMachineArn: ORDERS_ARN, inputMapping: 'data' });
  });

  test('least privilege: stream reads on this stream only (no DynamoDB stream rights)', () => {
    const list = grantList(t, 'EngineTriggersClicksRole');
    const kinesisGrants = list.filter((g) => g.startsWith('kinesis:'));
    expect(kinesisGrants.length).toBeGreaterThan(0);
    expect(kinesisGrants.every((g) => g.endsWith(' on <Stream>'))).toBe(true);
    expect(list.filter((g) => !g.startsWith('kinesis:'))).toEqual(
      [
        ...ENGINE_ACCESS,
        ...['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].map((a) => `${a} on <EngineTriggersClicksDeadLetterQueue>`),
        ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} on <EngineTriggersClicksFunctionLogs>`),
      ].sort(),
    );
  });
});

describe('EventBridge', () => {
  test('a schedule: a rule targeting the function with retries and the dead-letter queue', () => {
    const f = fixture();
    f.engine.addTrigger('Nightly', { stateMachine: f.orders, source: TriggerSource.schedule(events.Schedule.cron({ hour: '2', minute: '0' })), maxRetryAttempts: 4 });
    const t = Template.fromStack(f.stack);
    const rule = resource(t, 'AWS::Events::Rule', 'EngineTriggersNightlyRule').props;
    expect(rule.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(rule.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: getAtt('EngineTriggersNightlyFunction', 'Arn'),
        RetryPolicy: { MaximumRetryAttempts: 4 },
        DeadLetterConfig: { Arn: getAtt('EngineTriggersNightlyDeadLetterQueue', 'Arn') },
      },
    ]);
    const ruleArn = { 'Fn::GetAtt': [resource(t, 'AWS::Events::Rule', 'EngineTriggersNightlyRule').id, 'Arn'] };
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [resource(t, 'AWS::Lambda::Function', 'EngineTriggersNightlyFunction').id, 'Arn'] },
      SourceArn: ruleArn,
    });
    // EventBridge (not the function) writes dead letters, from this rule only.
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }),
        ]),
      },
    });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1); // the worker's only
    expect(triggerEnv(t, 'EngineTriggersNightlyFunction')).toEqual({ stateMachineArn: ORDERS_ARN });
    expect(grantList(t, 'EngineTriggersNightlyRole')).toEqual([...ENGINE_ACCESS, ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} on <EngineTriggersNightlyFunctionLogs>`)].sort());
  });

  test('an event pattern on a custom bus', () => {
    const f = fixture();
    const bus = new events.EventBus(f.stack, 'Bus');
    f.engine.addTrigger('Placed', {
      stateMachine: 'orders',
      source: TriggerSource.eventPattern({ source: ['shop'], detailType: ['OrderPlaced'] }, { eventBus: bus }),
      inputMapping: { template: { orderId: '$.detail.id' } },
      batchInput: true,
    });
    const t = Template.fromStack(f.stack);
    expect(resource(t, 'AWS::Events::Rule', 'EngineTriggersPlacedRule').props).toMatchObject({
      EventBusName: { Ref: expect.stringMatching(/^Bus/) },
      EventPattern: { source: ['shop'], 'detail-type': ['OrderPlaced'] },
    });
    expect(triggerEnv(t, 'EngineTriggersPlacedFunction')).toEqual({ stateMachineArn: ORDERS_ARN, batchInput: true, inputMapping: { template: { orderId: '$.detail.id' } } });
  });

  test('a rule of yours gets the trigger as a target', () => {
    const f = fixture();
    const rule = new events.Rule(f.stack, 'Mine', { eventPattern: { source: ['billing'] } });
    const trigger = f.engine.addTrigger('Billing', { stateMachine: f.orders, source: TriggerSource.rule(rule) });
    const t = Template.fromStack(f.stack);
    expect(trigger.rule).toBe(rule);
    t.resourceCountIs('AWS::Events::Rule', 2); // yours, and the engine's reconciler schedule: no rule of the trigger's own
    expect(resource(t, 'AWS::Events::Rule', 'Mine').props.Targets[0].Arn).toEqual(getAtt('EngineTriggersBillingFunction', 'Arn'));
  });
});

describe('the state machine', () => {
  test('by name, before addStateMachine: the ARN, and the dependency once it is added', () => {
    const stack = new Stack(newApp(), 'S', { env: ENV });
    const engine = new StepwrightEngine(stack, 'Engine');
    engine.addTrigger('Early', { stateMachine: 'later', source: TriggerSource.schedule(events.Schedule.rate(Duration.hours(1))) });
    engine.addStateMachine('Later', { name: 'later', definition: PASS });
    const t = Template.fromStack(stack);
    expect(triggerEnv(t, 'EngineTriggersEarlyFunction').stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:later');
    expect(resource(t, 'AWS::Lambda::Function', 'EngineTriggersEarlyFunction').raw.DependsOn).toContain(resource(t, 'Custom::StepwrightStateMachine', 'EngineLaterRegistration').id);
  });

  test('a name no state machine of the engine has fails synth', () => {
    const f = fixture();
    f.engine.addTrigger('Typo', { stateMachine: 'ordrs', source: TriggerSource.kinesis(f.stream) });
    expect(() => Template.fromStack(f.stack)).toThrow(/no state machine named 'ordrs' is registered on the engine S\/Engine .*registered: 'orders'/);
  });

  test('a state machine of another engine is refused', () => {
    const f = fixture();
    const other = new StepwrightEngine(f.stack, 'Other');
    expect(() => other.addTrigger('T', { stateMachine: f.orders, source: TriggerSource.kinesis(f.stream) })).toThrow(/registered on another engine \(S\/Engine\), not on S\/Other/);
  });

  test('trigger ids never clash with the engine\'s own parts', () => {
    const f = fixture();
    expect(() => f.engine.addTrigger('Table', { stateMachine: f.orders, source: TriggerSource.kinesis(f.stream) })).not.toThrow();
    expect(f.engine.triggers.map((t) => t.node.path)).toEqual(['S/Engine/Triggers/Table']);
  });
});

describe('encryption and alarms', () => {
  test('a customer managed key: dead-letter queue on the key, EventBridge may use it, the function may too', () => {
    const stack = new Stack(newApp(), 'S', { env: ENV });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Alarms');
    const engine = new StepwrightEngine(stack, 'Engine', { encryptionKey: key, alarmTopic: topic });
    engine.addStateMachine('Orders', { name: 'orders', definition: PASS });
    engine.addTrigger('Nightly', { stateMachine: 'orders', source: TriggerSource.schedule(events.Schedule.rate(Duration.days(1))) });
    const t = Template.fromStack(stack);
    expect(resource(t, 'AWS::SQS::Queue', 'EngineTriggersNightlyDeadLetterQueue').props.KmsMasterKeyId).toEqual(getAtt('Key', 'Arn'));
    const keyPolicy = resource(t, 'AWS::KMS::Key', 'Key').props.KeyPolicy.Statement;
    expect(keyPolicy).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: { ArnLike: { 'aws:SourceArn': expect.anything() } } }),
    );
    expect(grants(t, 'EngineTriggersNightlyRole').some((g) => g.action === 'kms:Decrypt')).toBe(true);
    expect(resource(t, 'AWS::CloudWatch::Alarm', 'EngineTriggersNightlyDeadLetterQueueAlarm').props.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
  });
});

describe('refused at synth time, with a clear message', () => {
  const f = fixture();
  const keysOnly = new dynamodb.Table(f.stack, 'KeysOnly', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.KEYS_ONLY });
  const noStream = new dynamodb.Table(f.stack, 'NoStream', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const schedule = TriggerSource.schedule(events.Schedule.rate(Duration.hours(1)));
  let n = 0;
  const add = (props: Partial<StepwrightTriggerOptions>) => () => f.engine.addTrigger(`T${n++}`, { stateMachine: f.orders, source: TriggerSource.dynamoDb(f.table), ...props });

  test.each<[string, Partial<StepwrightTriggerOptions>, RegExp]>([
    ['eventNames with Kinesis', { source: TriggerSource.kinesis(f.stream), eventNames: ['INSERT'] }, /eventNames .* DynamoDB stream records only; this trigger's source is a Kinesis stream/],
    ['eventNames with EventBridge', { source: schedule, eventNames: ['INSERT'] }, /eventNames .* DynamoDB stream records only; this trigger's source is an EventBridge schedule/],
    ['newImage with Kinesis', { source: TriggerSource.kinesis(f.stream), inputMapping: 'newImage' }, /inputMapping 'newImage' is the new image of a DynamoDB stream record; this trigger's source is a Kinesis stream/],
    ['newImage with EventBridge', { source: schedule, inputMapping: 'newImage' }, /inputMapping 'newImage' .* EventBridge schedule/],
    ['data with DynamoDB', { inputMapping: 'data' }, /inputMapping 'data' is the decoded data of a Kinesis record; this trigger's source is a DynamoDB stream/],
    ['data with EventBridge', { source: TriggerSource.eventPattern({ source: ['x'] }), inputMapping: 'data' }, /inputMapping 'data' .* EventBridge events/],
    ['stream options with EventBridge', { source: schedule, batchSize: 10, startingPosition: lambda.StartingPosition.TRIM_HORIZON }, /batchSize, startingPosition apply to stream sources \(DynamoDB, Kinesis\) only/],
    ['AT_TIMESTAMP with DynamoDB', { startingPosition: lambda.StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: 1 }, /AT_TIMESTAMP is for Kinesis streams only/],
    ['AT_TIMESTAMP without a timestamp', { source: TriggerSource.kinesis(f.stream), startingPosition: lambda.StartingPosition.AT_TIMESTAMP }, /needs startingPositionTimestamp/],
    ['too many EventBridge retries', { source: schedule, maxRetryAttempts: 186 }, /maxRetryAttempts must be an integer from 0 to 185 for an EventBridge schedule, got 186/],
    ['negative stream retries', { maxRetryAttempts: -1 }, /maxRetryAttempts must be an integer from 0 to 10000/],
    ['an unknown event name', { eventNames: ['UPSERT' as 'INSERT'] }, /eventNames must be a non-empty list of INSERT, MODIFY, REMOVE/],
    ['empty eventNames', { eventNames: [] }, /eventNames must be a non-empty list/],
    ['an unknown input mapping', { inputMapping: 'image' as 'record' }, /inputMapping must be 'record', 'newImage', 'data' or \{template: \.\.\.\}/],
    ['a template with a bad path', { inputMapping: { template: { a: '$.x[' } } }, /inputMapping\.template/],
    ['a table without a stream', { source: TriggerSource.dynamoDb(noStream) }, /the table S\/NoStream has no stream: enable one/],
    ['newImage from a KEYS_ONLY stream', { source: TriggerSource.dynamoDb(keysOnly), inputMapping: 'newImage' }, /'newImage' needs a stream with new images, but the stream of S\/KeysOnly is KEYS_ONLY/],
    ['the engine\'s table without its stream', { source: TriggerSource.dynamoDb(f.engine.table) }, /the engine's table has no stream: create the engine with stream: true/],
  ])('%s', (_name, props, message) => {
    expect(add(props)).toThrow(message);
    expect(add(props)).toThrow(/^StepwrightTrigger S\/Engine\/Triggers\/T\d+: /);
  });

  test('the engine\'s own table stream without filters (it would trigger on its own writes)', () => {
    const g = fixture({ stream: true });
    expect(() => g.engine.addTrigger('Own', { stateMachine: g.orders, source: TriggerSource.dynamoDb(g.engine.table) })).toThrow(/needs filters .* trigger on its own writes/);
  });

  test('a refused trigger is not registered on the engine', () => {
    expect(f.engine.triggers).toEqual([]);
  });
});

test('the handler bundles with the worker\'s settings (local esbuild): minified, SDK external', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'stepwright-trigger-bundle-'));
  try {
    // Only the trigger's stack is bundled; the engine's functions are not (bundles.test.ts covers them).
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': ['TriggerStack'] } });
    const engineStack = new Stack(app, 'EngineStack', { env: ENV });
    const engine = new StepwrightEngine(engineStack, 'Engine');
    const orders = engine.addStateMachine('Orders', { name: 'orders', definition: PASS });
    const triggerStack = new Stack(app, 'TriggerStack', { env: ENV });
    const trigger = new StepwrightTrigger(triggerStack, 'Nightly', { engine, stateMachine: orders, source: TriggerSource.schedule(events.Schedule.rate(Duration.days(1))) });
    expect(engine.triggers).toEqual([trigger]);
    const template = app.synth().getStackByName('TriggerStack').template as { Resources: Record<string, any> };
    const fn = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('NightlyFunction'))![1];
    const dir = path.join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const code = readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(code).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    expect(code).toMatch(/STEPWRIGHT_TRIGGER/);
    expect(code).not.toMatch(/dynalite|leveldown|memdown/);
    expect(code.length).toBeLessThan(600 * 1024);
    expect(code.split('\n').length).toBeLessThan(50);
    // Cross-stack: the engine's table comes in as a reference to the engine stack's output.
    expect(JSON.stringify(fn.Properties.Environment.Variables.STEPWRIGHT_TABLE)).toMatch(/(Fn::GetStackOutput|Fn::ImportValue).*EngineTable/);
    expect(asArray(fn.DependsOn ?? [])).toEqual(expect.arrayContaining([expect.stringMatching(/^NightlyRole/)]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
