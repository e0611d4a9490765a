/**
 * A role per state machine (template assertions): each machine's tasks run with its own role, which
 * alone may invoke the functions its definition names; the worker may only assume those roles, and
 * each registration records its machine's role.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { engineStack, grants, resource, statementsOf, violations } from './helpers';

const taskDefinition = (fn: string) => ({ StartAt: 'T', States: { T: { Type: 'Task', Resource: `arn:aws:lambda:us-east-1:123456789012:function:${fn}`, End: true } } });

function stackWithTwoMachines() {
  const { stack, engine } = engineStack({ apiStateMachineRoles: ['arn:aws:iam::123456789012:role/stepwright-*'] });
  const code = lambda.Code.fromInline('exports.handler = async () => 1');
  const charge = new lambda.Function(stack, 'Charge', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  const ship = new lambda.Function(stack, 'Ship', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  const imported = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/team/shipping', { mutable: false });
  engine.addStateMachine('Billing', { name: 'billing', definition: taskDefinition('charge'), functions: { charge } });
  engine.addStateMachine('Shipping', { name: 'shipping', definition: taskDefinition('ship'), functions: { ship }, role: imported });
  // service integrations: their statements go to the machine's role (lib/integration-permissions.ts)
  engine.addStateMachine('Notify', {
    name: 'notify',
    definition: {
      StartAt: 'Send',
      States: {
        Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/outbox', MessageBody: 'hi' }, Next: 'List' },
        List: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:listBuckets', End: true },
      },
    },
  });
  return { template: Template.fromStack(stack), stack };
}

const { template, stack: twoMachines } = stackWithTwoMachines();

test('cdk-nag: machine roles, the worker\'s AssumeRole statements and wildcard API roles (acknowledged) leave no finding', () => {
  // (the test's own task functions are not the engine's: only findings on the engine's parts count)
  const engineFindings = violations(twoMachines).flatMap((v) => v.violatingResources.filter((r) => (r.constructPath ?? '').startsWith('EngineTest/Engine/')).map((r) => `${v.ruleName} ${r.constructPath}`));
  expect(engineFindings).toEqual([]);
});
const ref = (prefix: string, type = 'AWS::Lambda::Function') => resource(template, type, prefix).id;

test('each machine without a role gets its own, trusted by the worker role only, invoking only its functions', () => {
  const role = resource(template, 'AWS::IAM::Role', 'EngineBillingRole');
  expect(role.props.AssumeRolePolicyDocument.Statement).toEqual([
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [ref('EngineWorkerRole', 'AWS::IAM::Role'), 'Arn'] } } },
  ]);
  // (GetFunctionConfiguration: the worker reads the function's timeout before running its task inline)
  expect(grants(template, 'EngineBillingRole')).toEqual([
    { action: 'lambda:GetFunctionConfiguration', resources: [{ 'Fn::GetAtt': [ref('Charge'), 'Arn'] }] },
    { action: 'lambda:InvokeFunction', resources: [{ 'Fn::GetAtt': [ref('Charge'), 'Arn'] }] },
  ]);
});

test('the worker invokes no task function itself: it may assume the machines\' roles (and the API roles given)', () => {
  const workerActions = grants(template, 'EngineWorkerRole');
  expect(workerActions.filter((g) => g.action === 'lambda:InvokeFunction')).toEqual([]);
  const assumable = workerActions.filter((g) => g.action === 'sts:AssumeRole').flatMap((g) => g.resources);
  expect(assumable).toEqual(expect.arrayContaining([
    { 'Fn::GetAtt': [ref('EngineBillingRole', 'AWS::IAM::Role'), 'Arn'] },
    'arn:aws:iam::123456789012:role/team/shipping',
    'arn:aws:iam::123456789012:role/stepwright-*',
  ]));
  expect(assumable).toHaveLength(4);
  expect(workerActions.filter((g) => /^(sqs:SendMessage|s3:)/.test(g.action) && JSON.stringify(g.resources).includes('outbox'))).toEqual([]);
  const worker = resource(template, 'AWS::Lambda::Function', 'EngineWorker');
  expect(worker.props.Environment.Variables.STEPWRIGHT_WORKER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [ref('EngineWorkerRole', 'AWS::IAM::Role'), 'Arn'] });
  const apiVars = resource(template, 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables;
  expect(JSON.parse(apiVars.STEPWRIGHT_API_STATE_MACHINE_ROLES as string)).toEqual(['arn:aws:iam::123456789012:role/stepwright-*']);
});

test('a machine\'s service integrations are granted to its role only', () => {
  expect(grants(template, 'EngineNotifyRole')).toEqual([
    { action: 's3:ListBuckets', resources: ['*'] },
    { action: 'sqs:SendMessage', resources: ['arn:aws:sqs:us-east-1:123456789012:outbox'] },
  ]);
  expect(grants(template, 'EngineWorkerRole').map((g) => g.action)).not.toContain('s3:ListBuckets');
});

test('each registration records its own machine\'s role, and waits for it', () => {
  const regs = Object.entries(template.findResources('Custom::StepwrightStateMachine'));
  const byName = Object.fromEntries(regs.map(([id, r]) => [r.Properties.Name as string, { id, roleArn: r.Properties.RoleArn as unknown, deps: (r.DependsOn ?? []) as string[] }]));
  expect(byName.billing.roleArn).toEqual({ 'Fn::GetAtt': [ref('EngineBillingRole', 'AWS::IAM::Role'), 'Arn'] });
  expect(byName.shipping.roleArn).toBe('arn:aws:iam::123456789012:role/team/shipping');
  expect(byName.billing.deps).toEqual(expect.arrayContaining([ref('EngineBillingRole', 'AWS::IAM::Role'), resource(template, 'AWS::IAM::Policy', 'EngineBillingRoleDefaultPolicy').id]));
});

test('a role of the app given as `role` gets the worker in its trust policy and the functions in its policy', () => {
  const { stack, engine } = engineStack();
  const mine = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1') });
  engine.addStateMachine('M', { definition: taskDefinition('fn'), functions: { fn }, role: mine });
  const t = Template.fromStack(stack);
  const trust = resource(t, 'AWS::IAM::Role', 'Mine').props.AssumeRolePolicyDocument.Statement as { Principal: { AWS?: unknown } }[];
  // (CDK merges the two statements into one with both principals)
  expect(trust.map((s) => s.Principal.AWS)).toContainEqual({ 'Fn::GetAtt': [resource(t, 'AWS::IAM::Role', 'EngineWorkerRole').id, 'Arn'] });
  expect(statementsOf(t, 'Mine').flatMap((s) => [s.Action].flat())).toContain('lambda:InvokeFunction');
  expect(Object.keys(t.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('EngineMRole'))).toEqual([]);
});
