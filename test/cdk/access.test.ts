/**
 * Access per state machine and per action (template assertions): each grant method adds
 * execute-api:Invoke to the grantee and records exactly its actions on exactly its machine in the
 * API function's STEPWRIGHT_ACCESS_GRANTS, which the API checks (lambda/runtime/access.ts).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as iam from 'aws-cdk-lib/aws-iam';
import { expandActions, parseAccessPolicy } from '../../lambda/runtime/access';
import { engineStack, grants, resource } from './helpers';

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

/** The grants as the API will read them, with each principal's token replaced by its role's logical id. */
function recordedGrants(template: Template): [string, string, string[]][] {
  const env = resource(template, 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS;
  // Stack.toJsonString: {"Fn::Join": ["", [text, {"Fn::GetAtt": [role, "Arn"]}, text...]]}
  const parts = env['Fn::Join'][1] as (string | { 'Fn::GetAtt'?: [string, string] })[];
  const text = parts.map((p) => (typeof p === 'string' ? p : `ROLE:${p['Fn::GetAtt']![0]}`)).join('');
  return parseAccessPolicy(text).grants.map(([p, m, a]) => [p, m, [...a]]);
}

describe('grants per machine and per action', () => {
  const { stack, engine } = engineStack();
  const orders = engine.addStateMachine('Orders', { name: 'orders', definition: PASS });
  const billing = engine.addStateMachine('Billing', { name: 'billing', definition: PASS });
  const starter = new iam.Role(stack, 'Starter', { assumedBy: new iam.AccountRootPrincipal() });
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  const approver = new iam.Role(stack, 'Approver', { assumedBy: new iam.AccountRootPrincipal() });
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
  orders.grantStartExecution(starter);
  billing.grantRead(reader);
  orders.grantTaskResponse(approver);
  orders.grantRedrive(operator);
  orders.grantExecution(operator, 'states:StopExecution', 'states:DescribeExecution');
  engine.grantAdmin(admin);
  const template = Template.fromStack(stack);
  const recorded = recordedGrants(template);
  const roleId = (prefix: string) => `ROLE:${resource(template, 'AWS::IAM::Role', prefix).id}`;

  test('each grant records its actions on its machine only', () => {
    expect(recorded).toEqual([
      [roleId('Starter'), 'orders', ['@start']],
      [roleId('Reader'), 'billing', ['@read']],
      [roleId('Approver'), 'orders', ['@task']],
      [roleId('Operator'), 'orders', ['@redrive']],
      [roleId('Operator'), 'orders', ['states:StopExecution', 'states:DescribeExecution']],
      [roleId('Admin'), '*', ['@admin']],
    ]);
    expect([...expandActions(['@task'])]).toEqual(['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat']);
  });

  test('each grantee gets execute-api:Invoke on this API (and nothing on the table or the functions)', () => {
    for (const prefix of ['Starter', 'Reader', 'Approver', 'Operator', 'Admin']) {
      const actions = grants(template, prefix).map((g) => g.action);
      expect(new Set(actions)).toEqual(new Set(['execute-api:Invoke']));
      const resources = grants(template, prefix)[0].resources as { 'Fn::Join': [string, unknown[]] }[];
      expect(JSON.stringify(resources)).toContain(resource(template, 'AWS::ApiGatewayV2::Api', 'EngineHttpApi').id);
    }
  });

  test('an action the API does not serve is refused at synth, naming it', () => {
    expect(() => orders.grantExecution(starter, 'states:SendTaskSucess')).toThrow("'states:SendTaskSucess' is not an action the Stepwright API serves");
    expect(() => orders.grantExecution(starter)).toThrow('grantExecution needs at least one action');
  });

  test('a group cannot be granted (its members sign as themselves)', () => {
    expect(() => orders.grantStartExecution(new iam.Group(stack, 'G'))).toThrow('grant an IAM role, a user, or an account');
  });
});

test('users and accounts are recorded by ARN and account id', () => {
  const { stack, engine } = engineStack();
  const m = engine.addStateMachine('M', { name: 'm', definition: PASS });
  m.grantRead(iam.User.fromUserArn(stack, 'Alice', 'arn:aws:iam::123456789012:user/alice'));
  m.grantStartExecution(new iam.AccountPrincipal('210987654321'));
  const env = resource(Template.fromStack(stack), 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS;
  expect(parseAccessPolicy(env as string).grants).toEqual([
    ['arn:aws:iam::123456789012:user/alice', 'm', ['@read']],
    ['210987654321', 'm', ['@start']],
  ]);
});

test('no grant at all: the API refuses everyone (an empty list is recorded, not left out)', () => {
  const { stack } = engineStack();
  const env = resource(Template.fromStack(stack), 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS;
  expect(env).toBe('[]');
});

test('with a non-IAM authorizer nothing is recorded (there is no IAM caller to check)', () => {
  const { stack, engine } = engineStack({ authorizer: new HttpJwtAuthorizer('Jwt', 'https://issuer.example.com', { jwtAudience: ['a'] }) });
  const m = engine.addStateMachine('M', { definition: PASS });
  m.grantStartExecution(new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() }));
  const vars = resource(Template.fromStack(stack), 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables;
  expect(vars.STEPWRIGHT_ACCESS_GRANTS).toBeUndefined();
});

test('too many grants for the environment fail synth with a clear error', () => {
  const { app, stack, engine } = engineStack();
  const m = engine.addStateMachine('M', { name: 'm', definition: PASS });
  for (let i = 0; i < 40; i++) m.grantStartExecution(new iam.Role(stack, `R${i}`, { assumedBy: new iam.AccountRootPrincipal() }));
  expect(() => app.synth()).toThrow(/the recorded grants take about \d+ bytes/);
});

test('apiAdmins: principals from outside the app get every action on every machine; anything else is refused at synth', () => {
  const { stack } = engineStack({ apiAdmins: ['arn:aws:iam::123456789012:role/Operators', '210987654321'] });
  const env = resource(Template.fromStack(stack), 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS;
  expect(parseAccessPolicy(env as string).grants).toEqual([
    ['arn:aws:iam::123456789012:role/Operators', '*', ['@admin']],
    ['210987654321', '*', ['@admin']],
  ]);
  expect(() => engineStack({ apiAdmins: ['Operators'] })).toThrow("'Operators' is not an IAM role or user ARN or an account id (apiAdmins)");
});
