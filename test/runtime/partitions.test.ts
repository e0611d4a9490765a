/**
 * Partition-aware ARNs: in aws-cn and aws-us-gov the engine names machines, executions and the
 * default role as Step Functions there does (arn:aws-cn:..., arn:aws-us-gov:...), and the ARN the
 * CDK registers a machine under is the one the API computes.
 */
import { randomUUID } from 'node:crypto';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import { partitionOf } from '../../lambda/engine/arns';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';
import type { OutgoingMessage, TaskInvoker } from '../../lambda/ports';
import type { EngineDeps } from '../../lambda/runtime/deps';
import { createStateMachine, startExecution, stateMachineArnFor } from '../../lambda/runtime/service';
import { StepwrightEngine } from '../../lib/stepwright-engine';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo({ tableName: 'stepwright-partitions' });
});
afterAll(() => dynamo.close());

const depsIn = (region: string): EngineDeps => {
  const sent: OutgoingMessage[] = [];
  return {
    store: new DynamoExecutionStore({ client: dynamo.client, tableName: dynamo.tableName }),
    queue: { send: async (m) => void sent.push(...m) },
    invoker: {} as TaskInvoker,
    clock: { now: () => new Date() },
    random: { random: Math.random, uuid: randomUUID },
    region,
    accountId: '123456789012',
  };
};

test('partitionOf', () => {
  expect(['cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-west-1', 'us-east-1'].map(partitionOf)).toEqual([
    'aws-cn', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws', 'aws',
  ]);
});

test.each([
  ['cn-north-1', 'aws-cn'],
  ['us-gov-west-1', 'aws-us-gov'],
])('in %s machines, executions and the default role are %s ARNs', async (region, partition) => {
  const deps = depsIn(region);
  const { stateMachineArn } = await createStateMachine(deps, { name: `m-${partition}`, definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) });
  expect(stateMachineArn).toBe(`arn:${partition}:states:${region}:123456789012:stateMachine:m-${partition}`);
  expect((await deps.store.getStateMachine(stateMachineArn))?.roleArn).toBe(`arn:${partition}:iam::123456789012:role/stepwright-execution`);
  const { executionArn } = await startExecution(deps, { stateMachineArn, name: 'run' });
  expect(executionArn).toBe(`arn:${partition}:states:${region}:123456789012:execution:m-${partition}:run`);
});

test('a stack in cn-north-1 registers the ARN the API computes there', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Cn', { env: { account: '123456789012', region: 'cn-north-1' } });
  new StepwrightEngine(stack, 'Engine').addStateMachine('M', { name: 'orders', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
  const reg = Object.values(Template.fromStack(stack).findResources('Custom::StepwrightStateMachine'))[0];
  // CloudFormation fills AWS::Partition in: aws-cn in cn-north-1
  const [, parts] = (reg.Properties.Arn as { 'Fn::Join': [string, (string | { Ref: string })[]] })['Fn::Join'];
  const deployed = parts.map((p) => (typeof p === 'string' ? p : p.Ref === 'AWS::Partition' ? 'aws-cn' : `<${p.Ref}>`)).join('');
  expect(deployed).toEqual(stateMachineArnFor(depsIn('cn-north-1'), 'orders'));
});
