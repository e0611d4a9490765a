/**
 * Issue #15 items 10 and 11 at synth: a Task resource the engine cannot run fails `cdk synth` naming
 * the state and the resource; the IAM statements each integration needs, derived from the definition,
 * shown as a template holds them.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { integrationPermissions } from '../../lib/integration-permissions';
import { ENV, engineStack, newApp } from './helpers';

describe('synth refuses what the engine cannot run', () => {
  test('an ECS .sync task fails the synth, naming the state and the resource', () => {
    const { engine } = engineStack();
    expect(() =>
      engine.addStateMachine('Ecs', { definition: { StartAt: 'Run job', States: { 'Run job': { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true } } } }),
    ).toThrow(/state 'Run job' \(\/States\/Run job\/Resource\), resource 'arn:aws:states:::ecs:runTask.sync': ECS tasks/);
  });

  test('a chain holding tasks.EcsRunTask fails the synth (it used to synthesize with a warning)', () => {
    const { stack, engine } = engineStack();
    const cluster = new ecs.Cluster(stack, 'Cluster');
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TD');
    taskDefinition.addContainer('c', { image: ecs.ContainerImage.fromRegistry('busybox') });
    const run = new tasks.EcsRunTask(stack, 'RunIt', {
      cluster,
      taskDefinition,
      launchTarget: new tasks.EcsFargateLaunchTarget(),
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    });
    expect(() => engine.addStateMachine('Chain', { definition: run })).toThrow(/state 'RunIt' \(\/States\/RunIt\/Resource\), resource 'arn:aws:states:::ecs:runTask\.sync': ECS tasks/);
  });

  test('a chain holding tasks.DynamoPutItem now synthesizes: the engine runs dynamodb:putItem', () => {
    const { stack, engine } = engineStack();
    const table = new dynamodb.Table(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const put = new tasks.DynamoPutItem(stack, 'Put', { table, item: { id: tasks.DynamoAttributeValue.fromString('x') } });
    expect(() => engine.addStateMachine('Dynamo', { definition: put })).not.toThrow();
  });

  test('a bare task name (a local task table\'s) fails the synth: nothing answers it on AWS', () => {
    const { engine } = engineStack();
    expect(() => engine.addStateMachine('Bare', { definition: { StartAt: 'W', States: { W: { Type: 'Task', Resource: 'work', End: true } } } })).toThrow(/state 'W'.*not an ARN/);
  });
});

/** Each statement as (action, resource) pairs, sorted: CDK merges statements as it likes. */
function pairs(statements: unknown[]): [string, string][] {
  const all = (statements as { Action: string | string[]; Resource: unknown; Effect: string }[]).flatMap((s) => {
    expect(s.Effect).toBe('Allow');
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources = Array.isArray(s.Resource) ? (s.Resource as unknown[]) : [s.Resource];
    return actions.flatMap((a) => resources.map((r): [string, string] => [a, JSON.stringify(r)]));
  });
  return all.sort(([a1, r1], [a2, r2]) => a1.localeCompare(a2) || r1.localeCompare(r2));
}

describe('integrationPermissions', () => {
  function policyOf(definition: Record<string, unknown>, build?: (stack: Stack) => void) {
    const stack = new Stack(newApp(), 'Perms', { env: ENV });
    build?.(stack);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const { statements, unresolved } = integrationPermissions(stack, definition);
    for (const s of statements) role.addToPrincipalPolicy(s);
    const template = Template.fromStack(stack);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[];
    return { statements: policies.flatMap((p) => p.Properties.PolicyDocument.Statement), unresolved, stack };
  }

  test('names each integration\'s action on the resource the definition names', () => {
    const def = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Send', States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', Parameters: { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/approvals', 'MessageBody.$': '$' }, End: true } } },
            { StartAt: 'Put', States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 'Orders', Item: {} }, Next: 'Get' }, Get: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: { TableName: 'Orders', Key: {} }, End: true } } },
            { StartAt: 'Tell', States: { Tell: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:news', Message: 'hi' }, End: true } } },
            { StartAt: 'Emit', States: { Emit: { Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', Parameters: { Entries: [{ Detail: {}, DetailType: 'd', Source: 's' }, { EventBusName: 'orders', Detail: {}, DetailType: 'd', Source: 's' }] }, End: true } } },
            { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'grade:prod' }, End: true } } },
            { StartAt: 'Sdk', States: { Sdk: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:getObject', Parameters: { Bucket: 'b', Key: 'k' }, End: true } } },
          ],
          End: true,
        },
      },
    };
    const { statements, unresolved } = policyOf(def);
    expect(unresolved).toEqual([]);
    const arn = (rest: string) => JSON.stringify(`arn:aws${rest}`);
    expect(pairs(statements)).toEqual([
      ['dynamodb:GetItem', arn(':dynamodb:us-east-1:123456789012:table/Orders')],
      ['dynamodb:PutItem', arn(':dynamodb:us-east-1:123456789012:table/Orders')],
      ['events:PutEvents', arn(':events:us-east-1:123456789012:event-bus/default')],
      ['events:PutEvents', arn(':events:us-east-1:123456789012:event-bus/orders')],
      ['lambda:GetFunctionConfiguration', arn(':lambda:us-east-1:123456789012:function:grade:prod')],
      ['lambda:InvokeFunction', arn(':lambda:us-east-1:123456789012:function:grade:prod')],
      ['s3:GetObject', '"*"'],
      ['sns:Publish', '"arn:aws:sns:us-east-1:123456789012:news"'],
      ['sqs:SendMessage', arn(':sqs:eu-west-1:111122223333:approvals')],
    ]);
  });

  test('a queue given by a CDK queue\'s URL token grants on that queue\'s ARN, built from the URL', () => {
    const stack = new Stack(newApp(), 'Q', { env: ENV });
    const queue = new sqs.Queue(stack, 'Queue');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const def = { StartAt: 'S', States: { S: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: queue.queueUrl, MessageBody: 'x' }, End: true } } };
    for (const s of integrationPermissions(stack, def).statements) role.addToPrincipalPolicy(s);
    const [statement] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statement.Action).toBe('sqs:SendMessage');
    const joined = JSON.stringify(statement.Resource);
    // the account and the name are the URL's 4th and 5th segments: Fn::Select 3 and 4 of its split
    const urlRef = JSON.stringify(stack.resolve(queue.queueUrl));
    expect(joined).toContain(`{"Fn::Select":[3,{"Fn::Split":["/",${urlRef}]}]}`);
    expect(joined).toContain(`{"Fn::Select":[4,{"Fn::Split":["/",${urlRef}]}]}`);
    expect(joined).toContain(':sqs:us-east-1:');
  });

  test('targets chosen at run time are reported for an explicit grant, with their pointers', () => {
    const def = {
      StartAt: 'Send',
      States: {
        Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { 'QueueUrl.$': '$.queue', MessageBody: 'x' }, Next: 'Put' },
        Put: { Type: 'Task', QueryLanguage: 'JSONata', Resource: 'arn:aws:states:::dynamodb:putItem', Arguments: { TableName: '{% $states.input.table %}', Item: {} }, End: true },
      },
    };
    const { statements, unresolved } = policyOf(def);
    expect(statements).toEqual([]);
    expect(unresolved.map((u) => [u.pointer, u.action])).toEqual([
      ['/States/Send/Parameters/QueueUrl.$', 'sqs:SendMessage'],
      ['/States/Put/Arguments/TableName', 'dynamodb:PutItem'],
    ]);
  });
});
