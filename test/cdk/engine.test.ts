/**
 * StepwrightEngine options and addStateMachine: definitions in every form, task permissions,
 * validation at synth time, authorizers, encryption, streams, alarm actions.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { HttpLambdaAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { StepwrightEngine } from '../../lib/stepwright-engine';
import { ENV, asArray, engineStack, grants, newApp, resource } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const inline = (scope: Stack, id: string) =>
  new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async (e) => e;') });

/** The lambda:InvokeFunction resources of the worker and of the state machines' roles (which the worker assumes), resolved. */
function invokeResources(t: Template): unknown[] {
  const worker = resource(t, 'AWS::IAM::Role', 'EngineWorkerRole').id;
  const trustsWorker = (r: any) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes(`"${worker}"`);
  const roles = [worker, ...Object.entries(t.findResources('AWS::IAM::Role')).filter(([, r]) => trustsWorker(r)).map(([id]) => id)];
  return roles
    .flatMap((id) => grants(t, id))
    .filter((g) => g.action === 'lambda:InvokeFunction')
    .flatMap((g) => g.resources);
}

/** The Definition property of a registration, with every GetAtt replaced by `<LogicalId>`. */
function registeredDefinition(t: Template, prefix: string): { text: string; json: any } {
  const reg = resource(t, 'Custom::StepwrightStateMachine', prefix);
  const d = reg.props.Definition;
  const text =
    typeof d === 'string'
      ? d
      : d['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : p['Fn::GetAtt'] ? `<${p['Fn::GetAtt'][0]}>` : p.Ref ? `<${p.Ref}>` : JSON.stringify(p))).join('');
  return { text, json: JSON.parse(text) };
}

/** An engine whose table and queues use a customer managed key, and that key's ARN as the template refers to it. */
function engineWithKey() {
  const stack = new Stack(newApp(), 'S', { env: ENV });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  new StepwrightEngine(stack, 'Engine', { encryptionKey: key });
  return { t: Template.fromStack(stack), keyArn: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } };
}

describe('storage options', () => {
  test('customer managed KMS key for the table and both queues', () => {
    const { t, keyArn } = engineWithKey();
    expect(resource(t, 'AWS::DynamoDB::Table', 'EngineTable').props.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn });
    for (const q of ['EngineWorkQueue', 'EngineDeadLetterQueue']) {
      expect(resource(t, 'AWS::SQS::Queue', q).props.KmsMasterKeyId).toEqual(keyArn);
    }
    // The worker can read messages and items encrypted with it.
    expect(grants(t, 'EngineWorkerRole').some((g) => g.action === 'kms:Decrypt')).toBe(true);
  });

  test('default: AWS managed table key, SSE-SQS queues', () => {
    const { stack } = engineStack();
    const t = Template.fromStack(stack);
    expect(resource(t, 'AWS::DynamoDB::Table', 'EngineTable').props.SSESpecification).toEqual({ SSEEnabled: true });
    expect(resource(t, 'AWS::SQS::Queue', 'EngineWorkQueue').props.SqsManagedSseEnabled).toBe(true);
  });

  test('stream: NEW_AND_OLD_IMAGES for triggers and archiving', () => {
    const { stack } = engineStack({ stream: true });
    expect(resource(Template.fromStack(stack), 'AWS::DynamoDB::Table', 'EngineTable').props.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });
});

describe('worker options', () => {
  test('visibility timeout follows the worker timeout (6x)', () => {
    const { stack } = engineStack({ workerTimeout: Duration.minutes(2), workerMaxConcurrency: 20, maxReceiveCount: 3 });
    const t = Template.fromStack(stack);
    expect(resource(t, 'AWS::Lambda::Function', 'EngineWorker').props.Timeout).toBe(120);
    expect(resource(t, 'AWS::SQS::Queue', 'EngineWorkQueue').props.VisibilityTimeout).toBe(720);
    expect(resource(t, 'AWS::SQS::Queue', 'EngineWorkQueue').props.RedrivePolicy.maxReceiveCount).toBe(3);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 20 } });
    // a failed message is retried after a backoff (worker.ts): the worker changes its visibility on the work queue
    const queue = resource(t, 'AWS::SQS::Queue', 'EngineWorkQueue');
    expect(grants(t, 'EngineWorkerRole').find((g) => g.action === 'sqs:ChangeMessageVisibility')?.resources).toEqual([{ 'Fn::GetAtt': [queue.id, 'Arn'] }]);
  });

  test('a visibility timeout not above the worker timeout is refused', () => {
    expect(() => engineStack({ workerTimeout: Duration.minutes(5), queueVisibilityTimeout: Duration.minutes(5) })).toThrow(/must exceed workerTimeout/);
  });

  test('maximum concurrency outside 2..1000 is refused', () => {
    expect(() => engineStack({ workerMaxConcurrency: 1 })).toThrow(/between 2 and 1000/);
  });
});

describe('API authorization', () => {
  const routeAuth = (t: Template) => Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r: any) => [r.Properties.RouteKey, r.Properties.AuthorizationType]);

  test('a Cognito user pool authorizer replaces IAM on both routes', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const pool = new cognito.UserPool(stack, 'Pool');
    const client = pool.addClient('Client');
    new StepwrightEngine(stack, 'Engine', { authorizer: new HttpUserPoolAuthorizer('Cognito', pool, { userPoolClients: [client] }), authorizationScopes: ['stepwright/api'] });
    const t = Template.fromStack(stack);
    expect(routeAuth(t).sort()).toEqual([['ANY /{proxy+}', 'JWT'], ['POST /', 'JWT']]);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationScopes: ['stepwright/api'] });
  });

  test('a Lambda authorizer replaces IAM on both routes', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = inline(stack, 'AuthFn');
    new StepwrightEngine(stack, 'Engine', { authorizer: new HttpLambdaAuthorizer('Auth', fn) });
    const t = Template.fromStack(stack);
    expect(routeAuth(t).sort()).toEqual([['ANY /{proxy+}', 'CUSTOM'], ['POST /', 'CUSTOM']]);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST' });
  });

  test('grantInvokeApi: execute-api:Invoke on this API only', () => {
    const { stack, engine } = engineStack();
    const user = new iam.User(stack, 'Caller');
    engine.grantInvokeApi(user);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Users: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':execute-api:us-east-1:123456789012:'), { Ref: Match.stringLikeRegexp('^EngineHttpApi') }, '/*/*/*'])] },
          },
        ],
      },
    });
  });
});

test('alarm actions go to the alarm topic', () => {
  const app = newApp();
  const stack = new Stack(app, 'S', { env: ENV });
  const topic = new sns.Topic(stack, 'Alarms');
  new StepwrightEngine(stack, 'Engine', { alarmTopic: topic, queueDepthAlarmThreshold: 50 });
  const t = Template.fromStack(stack);
  const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
  expect(alarms).toHaveLength(5);
  for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
  expect(alarms.some((a) => a.Threshold === 50 && a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
});

describe('addStateMachine: task permissions', () => {
  test('exactly the functions named: direct ARNs, lambda:invoke names, aliases, partial ARNs, in Parallel and Map too', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Many', {
      definition: {
        StartAt: 'Direct',
        States: {
          Direct: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:Direct', Next: 'Qualified' },
          Qualified: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:Direct:prod', Next: 'Par' },
          Par: {
            Type: 'Parallel',
            Next: 'Each',
            Branches: [
              {
                StartAt: 'ByName',
                States: { ByName: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'ByName', 'Payload.$': '$' }, End: true } },
              },
              {
                StartAt: 'Partial',
                States: {
                  Partial: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                    Parameters: { FunctionName: '222222222222:function:Partial:live', Payload: { 'token.$': '$$.Task.Token' } },
                    End: true,
                  },
                },
              },
            ],
          },
          Each: {
            Type: 'Map',
            End: true,
            ItemProcessor: {
              StartAt: 'Full',
              States: {
                Full: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: 'arn:aws:lambda:eu-west-1:333333333333:function:Full', Qualifier: '7' },
                  End: true,
                },
              },
            },
          },
        },
      },
    });
    const t = Template.fromStack(stack);
    expect([...invokeResources(t)].sort()).toEqual([
      'arn:aws:lambda:eu-west-1:333333333333:function:Full:7',
      'arn:aws:lambda:us-east-1:111111111111:function:Direct',
      'arn:aws:lambda:us-east-1:111111111111:function:Direct:prod',
      'arn:aws:lambda:us-east-1:123456789012:function:ByName',
      'arn:aws:lambda:us-east-1:222222222222:function:Partial:live',
    ]);
  });

  test('a FunctionName chosen at run time grants nothing and warns; allowInvoke and grantInvoke add exactly the functions given', () => {
    const { stack, engine } = engineStack();
    const picked = inline(stack, 'Picked');
    const other = inline(stack, 'Other');
    engine.addStateMachine('Dynamic', {
      definition: {
        StartAt: 'Call',
        States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' }, End: true } },
      },
      allowInvoke: [picked],
    });
    engine.grantInvoke(other);
    const t = Template.fromStack(stack);
    expect(invokeResources(t).map((r: any) => r['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['Other', 'Picked']);
    expect(invokeResources(t).every((r: any) => r['Fn::GetAtt'][1] === 'Arn')).toBe(true);
    Annotations.fromStack(stack).hasWarning('/EngineTest/Engine/Dynamic', Match.stringLikeRegexp('FunctionName.*chosen at run time'));
  });

  test('JSONata Arguments with an expression FunctionName warn too', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Jsonata', {
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'Call',
        States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: '{% $states.input.fn %}', Payload: '{% $states.input %}' }, End: true } },
      },
    });
    expect(invokeResources(Template.fromStack(stack))).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/EngineTest/Engine/Jsonata', Match.stringLikeRegexp('Arguments/FunctionName.*chosen at run time'));
  });

  test('a service integration Task (SQS) synthesizes without a warning (the worker runs it with the machine role), an unsupported one is refused', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Sqs', {
      definition: { StartAt: 'Send', States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', MessageBody: 'x' }, End: true } } },
    });
    expect(Annotations.fromStack(stack).findWarning('/EngineTest/Engine/Sqs', Match.anyValue())).toEqual([]);
    expect(() =>
      engine.addStateMachine('Ecs', {
        definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Parameters: { Cluster: 'c', TaskDefinition: 't' }, End: true } } },
      }),
    ).toThrow(/Run|ecs:runTask/);
  });

  test('no state machines: no invoke permission at all', () => {
    const { stack } = engineStack();
    expect(invokeResources(Template.fromStack(stack))).toEqual([]);
  });
});

describe('addStateMachine: definitions', () => {
  test('a file, kept verbatim when nothing is substituted', () => {
    const { stack, engine } = engineStack();
    const sm = engine.addStateMachine('FromFile', { definition: 'examples/manual-approval/definition.json' });
    const reg = resource(Template.fromStack(stack), 'Custom::StepwrightStateMachine', 'EngineFromFile');
    expect(reg.props.Definition).toBe(readFileSync(path.join(ROOT, 'examples/manual-approval/definition.json'), 'utf8'));
    expect(reg.props.Name).toBe('FromFile');
    expect(sm.stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:FromFile');
  });

  test('functions: a definition written for another account points at the stack\'s functions', () => {
    const { stack, engine } = engineStack();
    const approve = inline(stack, 'Approve');
    engine.addStateMachine('Approval', {
      name: 'manual-approval',
      definition: path.join(ROOT, 'examples/manual-approval/definition.json'),
      functions: { RequestApproval: approve, NotUsed: approve },
    });
    const t = Template.fromStack(stack);
    const { json } = registeredDefinition(t, 'EngineApproval');
    expect(json.States.RequestApproval.Parameters.FunctionName).toMatch(/^<Approve[0-9A-F]{8}>$/);
    expect(invokeResources(t)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^Approve/), 'Arn'] }]);
    Annotations.fromStack(stack).hasWarning('/EngineTest/Engine/Approval', Match.stringLikeRegexp('functions.NotUsed is not named'));
  });

  test('definitionSubstitutions replace ${key} as CloudFormation does', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Subst', {
      definition: JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: '${Fn}', End: true } } }),
      definitionSubstitutions: { Fn: 'arn:aws:lambda:us-east-1:123456789012:function:Subbed' },
    });
    const t = Template.fromStack(stack);
    expect(registeredDefinition(t, 'EngineSubst').json.States.T.Resource).toBe('arn:aws:lambda:us-east-1:123456789012:function:Subbed');
    expect(invokeResources(t)).toEqual(['arn:aws:lambda:us-east-1:123456789012:function:Subbed']);
  });

  test('a chain is rendered exactly as aws-cdk-lib\'s StateMachine renders it', () => {
    const build = (scope: Stack, fn: lambda.IFunction) =>
      new sfn.Pass(scope, 'Start', { parameters: { 'scores.$': '$.lambda' } })
        .next(new tasks.LambdaInvoke(scope, 'Add', { lambdaFunction: fn, payloadResponseOnly: true, retryOnServiceExceptions: false }))
        .next(new sfn.Choice(scope, 'Big?').when(sfn.Condition.numberGreaterThan('$.total', 100), new sfn.Succeed(scope, 'Yes')).otherwise(new sfn.Fail(scope, 'No', { error: 'Small' })));

    const { stack, engine } = engineStack();
    const fn = inline(stack, 'AddFn');
    const sm = engine.addStateMachine('Chain', { definition: build(stack, fn), comment: 'a chain', timeout: Duration.minutes(5) });

    const ref = new Stack(newApp(), 'Ref', { env: ENV });
    const refFn = inline(ref, 'AddFn');
    new sfn.StateMachine(ref, 'Sm', { definitionBody: sfn.DefinitionBody.fromChainable(build(ref, refFn)), comment: 'a chain', timeout: Duration.minutes(5) });
    const refDef = resource(Template.fromStack(ref), 'AWS::StepFunctions::StateMachine', 'Sm').props.DefinitionString;

    const t = Template.fromStack(stack);
    const ours = resource(t, 'Custom::StepwrightStateMachine', 'EngineChain').props.Definition;
    expect(ours).toEqual(refDef);
    expect(invokeResources(t)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^AddFn/), 'Arn'] }]);
    expect(sm.invokedFunctionArns).toHaveLength(1);
  });

  test('an sfn.DefinitionBody works too', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Body', { definition: sfn.DefinitionBody.fromString('{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}') });
    expect(resource(Template.fromStack(stack), 'Custom::StepwrightStateMachine', 'EngineBody').props.Definition).toBe('{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}');
  });

  test('per-machine settings ride along as the Settings property', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Settings', {
      definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      description: 'with settings',
      retention: Duration.days(400),
      namePolicy: 'reusable-after-finish',
      limits: { maxTransitions: 10000, maxDuration: Duration.days(7), maxStateVisits: 500 },
    });
    const reg = resource(Template.fromStack(stack), 'Custom::StepwrightStateMachine', 'EngineSettings');
    expect(reg.props.Description).toBe('with settings');
    expect(JSON.parse(reg.props.Settings)).toEqual({
      retentionDays: 400,
      namePolicy: 'reusable-after-finish',
      limits: { maxTransitions: 10000, maxDurationSeconds: 604800, maxStateVisits: 500 },
    });
  });

  test('retention forever', () => {
    const { stack, engine } = engineStack();
    engine.addStateMachine('Forever', { definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, retention: 'forever' });
    expect(JSON.parse(resource(Template.fromStack(stack), 'Custom::StepwrightStateMachine', 'EngineForever').props.Settings)).toEqual({ retentionDays: 'forever' });
  });

  test('one registration provider serves every state machine', () => {
    const { stack, engine } = engineStack();
    for (const id of ['A', 'B', 'C']) engine.addStateMachine(id, { definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
    const t = Template.fromStack(stack);
    expect(Object.keys(t.findResources('Custom::StepwrightStateMachine'))).toHaveLength(3);
    expect(Object.keys(t.findResources('AWS::Lambda::Function')).filter((id) => id.includes('Registration'))).toHaveLength(2); // handler + framework
  });
});

describe('addStateMachine: refused at synth time', () => {
  test('an invalid definition, with the validator\'s pointers and messages', () => {
    const { engine } = engineStack();
    let message = '';
    try {
      engine.addStateMachine('Bad', { definition: { StartAt: 'Nowhere', States: { A: { Type: 'Pass', Next: 'Missing' } } } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/definition of state machine EngineTest\/Engine\/Bad .* is invalid/);
    expect(message).toMatch(/\/StartAt/);
    expect(message).toMatch(/\/States\/A\/Next/);
  });

  test('a file that is not JSON, or missing', () => {
    const { engine } = engineStack();
    expect(() => engine.addStateMachine('NoFile', { definition: 'examples/nope.json' })).toThrow(/cannot read the definition file examples\/nope.json/);
    expect(() => engine.addStateMachine('NotJson', { definition: '{ nope' })).toThrow(/not valid JSON/);
  });

  test('invalid and duplicate names', () => {
    const { engine } = engineStack();
    const def = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    expect(() => engine.addStateMachine('Spaces', { name: 'has space', definition: def })).toThrow(/invalid name 'has space'/);
    engine.addStateMachine('One', { name: 'same', definition: def });
    expect(() => engine.addStateMachine('Two', { name: 'same', definition: def })).toThrow(/two state machines are named 'same'/);
  });
});

test('invoke resources are never wildcards', () => {
  const { stack, engine } = engineStack();
  engine.addStateMachine('X', { definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:F', End: true } } } });
  for (const r of invokeResources(Template.fromStack(stack))) expect(asArray(r).join('')).not.toMatch(/\*/);
});

describe('access and operations', () => {
  const engineFunctions = ['EngineWorker', 'EngineApi', 'EngineReconciler'];
  const variables = (t: Template, prefix: string) => resource(t, 'AWS::Lambda::Function', prefix).props.Environment.Variables as Record<string, unknown>;

  test('logLevel sets POWERTOOLS_LOG_LEVEL on every engine function (INFO by default)', () => {
    const byDefault = Template.fromStack(engineStack().stack);
    const debug = Template.fromStack(engineStack({ logLevel: 'DEBUG' }).stack);
    for (const fn of engineFunctions) {
      expect(variables(byDefault, `${fn}`).POWERTOOLS_LOG_LEVEL).toBe('INFO');
      expect(variables(debug, `${fn}`).POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    }
  });

  test('the table has deletion protection unless deletionProtection is false', () => {
    const table = (t: Template) => resource(t, 'AWS::DynamoDB::Table', 'EngineTable').props;
    expect(table(Template.fromStack(engineStack().stack)).DeletionProtectionEnabled).toBe(true);
    expect(table(Template.fromStack(engineStack({ deletionProtection: false }).stack)).DeletionProtectionEnabled).toBe(false);
  });

  test('with a customer managed key, each function gets exactly its table actions, and the key actions DynamoDB and SQS need', () => {
    const { t, keyArn } = engineWithKey();
    const executionActions = ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
    const expected: Record<string, string[]> = {
      EngineWorkerRole: executionActions,
      EngineReconcilerRole: executionActions,
      EngineApiRole: [...executionActions, 'dynamodb:DeleteItem'].sort(),
    };
    for (const [role, actions] of Object.entries(expected)) {
      const g = grants(t, role);
      expect(g.filter((x) => x.action.startsWith('dynamodb:')).map((x) => x.action).sort()).toEqual(actions);
      const onKey = g.filter((x) => x.action.startsWith('kms:'));
      for (const x of onKey) expect(x.resources).toEqual([keyArn]);
      expect(new Set(onKey.map((x) => x.action))).toEqual(new Set(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']));
    }
  });

  test('the API stage is throttled at 1000 requests per second (burst 500) unless apiThrottle says otherwise', () => {
    const stage = (t: Template) => resource(t, 'AWS::ApiGatewayV2::Stage', 'EngineHttpApiDefaultStage').props;
    expect(stage(Template.fromStack(engineStack().stack)).DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 500 });
    expect(stage(Template.fromStack(engineStack({ apiThrottle: { rateLimit: 50, burstLimit: 20 } }).stack)).DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 });
  });
});
