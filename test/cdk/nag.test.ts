/**
 * cdk-nag's AwsSolutions pack: no unacknowledged findings, every acknowledgment has a reason, and
 * none is stale (each one silences a finding that really occurs).
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { StepwrightEngine } from '../../lib/stepwright-engine';
import { StepwrightTrigger, TriggerSource } from '../../lib/stepwright-trigger';
import { ENV, acknowledgments, buildStack, newApp, violations } from './helpers';

/** The full-options stack: customer key, tracing, stream, alarm topic, a state machine, a trigger of each kind. */
function fullStack(): Stack {
  const app = newApp();
  const stack = new Stack(app, 'Full', { env: ENV });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: key });
  const engine = new StepwrightEngine(stack, 'Engine', { encryptionKey: key, tracing: lambda.Tracing.ACTIVE, stream: true, alarmTopic: topic });
  const m = engine.addStateMachine('M', { definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
  const filters = [lambda.FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith('order#') } } } })];
  engine.addTrigger('OwnTable', { stateMachine: m, source: TriggerSource.dynamoDb(engine.table), filters });
  const stream = new kinesis.Stream(stack, 'Stream', { encryption: kinesis.StreamEncryption.MANAGED });
  engine.addTrigger('Kinesis', { stateMachine: m, source: TriggerSource.kinesis(stream), inputMapping: 'data' });
  engine.addTrigger('Events', { stateMachine: m, source: TriggerSource.eventPattern({ source: ['shop'] }) });
  return stack;
}

/** Default engine options with a trigger of each kind, one of them in another stack. */
function triggersApp(): IConstruct {
  const app = newApp();
  const stack = new Stack(app, 'Triggers', { env: ENV });
  const engine = new StepwrightEngine(stack, 'Engine');
  engine.addStateMachine('M', { name: 'orders', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
  const table = new dynamodb.Table(stack, 'Orders', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  });
  engine.addTrigger('Table', { stateMachine: 'orders', source: TriggerSource.dynamoDb(table), eventNames: ['INSERT'], inputMapping: 'newImage' });
  engine.addTrigger('Kinesis', { stateMachine: 'orders', source: TriggerSource.kinesis(new kinesis.Stream(stack, 'Stream', { encryption: kinesis.StreamEncryption.MANAGED })) });
  engine.addTrigger('Nightly', { stateMachine: 'orders', source: TriggerSource.schedule(events.Schedule.rate(Duration.days(1))) });
  const other = new Stack(app, 'OtherStack', { env: ENV });
  new StepwrightTrigger(other, 'Remote', { engine, stateMachine: 'orders', source: TriggerSource.dynamoDb(table) });
  return app;
}

test('the deployed stack has no unacknowledged AwsSolutions findings', () => {
  const { stack } = buildStack();
  expect(violations(stack).map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
});

test('with every option (KMS key, tracing, stream, alarm topic, triggers) still none', () => {
  expect(violations(fullStack()).map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
});

test('triggers of every kind, also in another stack than the engine: none', () => {
  expect(violations(triggersApp()).map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
});

describe('acknowledgments', () => {
  const builders: (() => IConstruct)[] = [() => buildStack().stack, fullStack, triggersApp];
  const stacks = builders.map((b) => b());

  test('each carries a real reason', () => {
    for (const stack of stacks) {
      const acks = acknowledgments(stack);
      expect(acks.size).toBeGreaterThan(0);
      for (const [id, reasons] of acks) {
        for (const reason of reasons) {
          expect({ id, ok: reason.length >= 40 && /\s/.test(reason) }).toEqual({ id, ok: true });
        }
      }
    }
  });

  test('none is stale: each silences a finding that occurs without it', () => {
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let unacknowledged: Set<string>[];
    try {
      unacknowledged = builders.map((b) => new Set(violations(b()).map((v) => v.ruleName)));
    } finally {
      spy.mockRestore();
    }
    stacks.forEach((stack, i) => {
      for (const id of acknowledgments(stack).keys()) expect({ id, occurs: unacknowledged[i].has(id) }).toEqual({ id, occurs: true });
    });
  });
});
