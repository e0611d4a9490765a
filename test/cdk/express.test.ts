/**
 * The construct's `stateMachineType` (as sfn.StateMachine's): an EXPRESS machine's registration
 * carries its type (template assertions), and the registration handler stores it, on an embedded
 * DynamoDB (dynalite) with the real store, so the deployed machine runs as EXPRESS: StartSyncExecution
 * answers it, and a STANDARD one is refused at run time, as AWS refuses it.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Template } from 'aws-cdk-lib/assertions';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';
import type { EngineDeps } from '../../lambda/runtime/deps';
import { parseAccessPolicy } from '../../lambda/runtime/access';
import { startSyncExecution } from '../../lambda/runtime/express-api';
import { register, type RegistrationEvent } from '../../lib/registration/handler';
import { engineStack, resource } from './helpers';
import { registrationDeps } from './registration-deps';

const definition = { StartAt: 'Done', States: { Done: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, End: true } } };

function synth() {
  const { stack, engine } = engineStack();
  const quick = engine.addStateMachine('Quick', { name: 'quick', definition, stateMachineType: sfn.StateMachineType.EXPRESS });
  engine.addStateMachine('Quick2', { name: 'quick2', definition, stateMachineType: 'EXPRESS' });
  const durable = engine.addStateMachine('Durable', { name: 'durable', definition });
  return { stack, engine, quick, durable, template: Template.fromStack(stack) };
}

const built = synth();
const registration = (prefix: string) => resource(built.template, 'Custom::StepwrightStateMachine', prefix).props;

test('an EXPRESS machine registers its type; a STANDARD one registers none (absent: STANDARD)', () => {
  expect(registration('EngineQuickRegistration').Type).toBe('EXPRESS');
  expect(registration('EngineQuick2Registration').Type).toBe('EXPRESS');
  expect(registration('EngineDurableRegistration')).not.toHaveProperty('Type');
  expect(built.quick.stateMachineType).toBe('EXPRESS');
  expect(built.durable.stateMachineType).toBe('STANDARD');
});

test('an unknown type is refused at synth, naming the prop', () => {
  const { engine } = engineStack();
  expect(() => engine.addStateMachine('Odd', { definition, stateMachineType: 'FAST' as 'EXPRESS' })).toThrow(/stateMachineType must be STANDARD or EXPRESS, not 'FAST'/);
});

test('grantStartSyncExecution records StartSyncExecution on that machine for the grantee (any type, as AWS: a STANDARD one is refused at run time)', () => {
  const { stack, engine } = engineStack();
  engine.addStateMachine('Quick', { name: 'quick', definition, stateMachineType: 'EXPRESS' }).grantStartSyncExecution(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
  const template = Template.fromStack(stack);
  const env = resource(template, 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS as { 'Fn::Join': [string, (string | { 'Fn::GetAtt'?: [string, string] })[]] };
  const text = env['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : `ROLE:${p['Fn::GetAtt']![0]}`)).join('');
  const callerId = resource(template, 'AWS::IAM::Role', 'Caller').id;
  expect(parseAccessPolicy(text).grants.map(([p, m, a]) => [p, m, [...a]])).toEqual([[`ROLE:${callerId}`, 'quick', ['StartSyncExecution']]]);
});

describe('the registration handler (dynalite, the real store)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoExecutionStore;
  let deps: EngineDeps;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tableName: 'stepwright-express-cdk-test' });
    store = new DynamoExecutionStore({ client: dynamo.client, tableName: dynamo.tableName });
    deps = registrationDeps(store, { send: () => Promise.reject(new Error('an EXPRESS run sends no message')) });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** The registration's properties as the template has them, the tokens CloudFormation fills given values. */
  function event(type: RegistrationEvent['RequestType'], prefix: string, name: string, override: Record<string, unknown> = {}): RegistrationEvent {
    const props = registration(prefix);
    const arn = `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
    return {
      RequestType: type,
      PhysicalResourceId: type === 'Create' ? undefined : `${dynamo.tableName}|${arn}`,
      ResourceProperties: { ...props, TableName: dynamo.tableName, Arn: arn, RoleArn: 'arn:aws:iam::123456789012:role/r', Definition: JSON.stringify(definition), ...override },
    };
  }

  test('it stores the type the template carries, and the deployed EXPRESS machine runs synchronously', async () => {
    await register(event('Create', 'EngineQuickRegistration', 'quick'), store, new Date());
    await register(event('Create', 'EngineDurableRegistration', 'durable'), store, new Date());
    const quick = await store.getStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:quick');
    const durable = await store.getStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:durable');
    expect([quick?.type, durable?.type]).toEqual(['EXPRESS', 'STANDARD']);

    const r = await startSyncExecution(deps, { stateMachineArn: quick!.arn, input: '{"n":21}' });
    expect({ status: r.status, output: r.output }).toEqual({ status: 'SUCCEEDED', output: '{"doubled":42}' });
    // AWS refuses StartSyncExecution on a STANDARD machine at run time, not at deploy
    await expect(startSyncExecution(deps, { stateMachineArn: durable!.arn, input: '{"n":1}' })).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
  });

  test('a redeploy may not change a machine\'s type (as in Step Functions), and an unknown type is refused', async () => {
    await register(event('Create', 'EngineQuick2Registration', 'typed'), store, new Date());
    await expect(register(event('Update', 'EngineDurableRegistration', 'typed'), store, new Date())).rejects.toThrow(/is EXPRESS; its type cannot change to STANDARD/);
    expect((await store.getStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:typed'))?.type).toBe('EXPRESS');
    await expect(register(event('Create', 'EngineQuickRegistration', 'odd', { Type: 'FAST' }), store, new Date())).rejects.toThrow(/property Type must be STANDARD or EXPRESS, not 'FAST'/);
  });
});
