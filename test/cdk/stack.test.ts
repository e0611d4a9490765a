/**
 * The stack `cdk deploy` creates (StepwrightStack with the examples): every resource and permission.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { Duration } from 'aws-cdk-lib';
import { tableDefinition, STEPWRIGHT_TABLE_SCHEMA } from '../../lambda/aws/dynamo-store';
import { buildStack, grants, resource, statementsOf } from './helpers';

const { template } = buildStack();
/** Fn::GetAtt <prefix...>.Arn: `getAtt` inside template matchers, `att` inside jest's expect. */
const getAtt = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });
const att = (prefix: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), 'Arn'] });

/** The dynamodb actions a role has, sorted; each must be on the engine's table and its indexes only. */
function tableActions(t: typeof template, rolePrefix: string): string[] {
  const table = resource(t, 'AWS::DynamoDB::Table', 'EngineTable');
  const onTable = grants(t, rolePrefix).filter((x) => x.action.startsWith('dynamodb:'));
  for (const x of onTable) {
    expect(x.resources).toEqual([{ 'Fn::GetAtt': [table.id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table.id, 'Arn'] }, '/index/*']] }]);
  }
  return onTable.map((x) => x.action).sort();
}
/** What the functions' DynamoDB adapter sends (no Scan, no stream reads, no DescribeTable, no ConditionCheckItem). */
const EXECUTION_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];

describe('table', () => {
  const table = resource(template, 'AWS::DynamoDB::Table', 'EngineTable');

  test('mirrors the store schema: keys, GSIs and their projections (tableDefinition)', () => {
    const def = tableDefinition('x');
    expect(table.props.KeySchema).toEqual(def.KeySchema);
    expect(new Set(table.props.AttributeDefinitions.map((a: any) => JSON.stringify(a)))).toEqual(
      new Set(def.AttributeDefinitions!.map((a) => JSON.stringify(a))),
    );
    const norm = (gsis: any[]) =>
      gsis
        .map((g) => ({ ...g, Projection: { ...g.Projection, NonKeyAttributes: [...g.Projection.NonKeyAttributes].sort() } }))
        .sort((a, b) => a.IndexName.localeCompare(b.IndexName));
    expect(norm(table.props.GlobalSecondaryIndexes)).toEqual(norm(def.GlobalSecondaryIndexes!));
  });

  test('on demand, TTL on expiresAt, point-in-time recovery, AWS managed encryption, retained, no stream', () => {
    expect(table.props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.props.TimeToLiveSpecification).toEqual({ AttributeName: STEPWRIGHT_TABLE_SCHEMA.ttlAttribute, Enabled: true });
    expect(STEPWRIGHT_TABLE_SCHEMA.ttlAttribute).toBe('expiresAt');
    expect(table.props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.props.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.props.StreamSpecification).toBeUndefined();
    expect(table.raw.DeletionPolicy).toBe('Retain');
  });
});

describe('queues', () => {
  const work = resource(template, 'AWS::SQS::Queue', 'EngineWorkQueue');
  const dlq = resource(template, 'AWS::SQS::Queue', 'EngineDeadLetterQueue');
  const worker = resource(template, 'AWS::Lambda::Function', 'EngineWorker');

  test('work queue: SSE, dead-letter queue after 5 receives, visibility 6x the worker timeout', () => {
    expect(work.props.SqsManagedSseEnabled).toBe(true);
    expect(work.props.RedrivePolicy).toEqual({ deadLetterTargetArn: att('EngineDeadLetterQueue'), maxReceiveCount: 5 });
    expect(work.props.VisibilityTimeout).toBe(6 * worker.props.Timeout);
    expect(dlq.props.SqsManagedSseEnabled).toBe(true);
    expect(dlq.props.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  test('both queues refuse requests without TLS', () => {
    for (const q of [work, dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: q.id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('worker', () => {
  const worker = resource(template, 'AWS::Lambda::Function', 'EngineWorker');

  test('Node 22 on arm64, bundled handler, environment for the handlers', () => {
    expect(worker.props.Runtime).toBe('nodejs22.x');
    expect(worker.props.Architectures).toEqual(['arm64']);
    expect(worker.props.Handler).toBe('index.handler');
    expect(worker.props.Timeout).toBe(900);
    expect(worker.props.Environment.Variables).toMatchObject({
      STEPWRIGHT_TABLE: { Ref: expect.stringMatching(/^EngineTable/) },
      STEPWRIGHT_QUEUE_URL: { Ref: expect.stringMatching(/^EngineWorkQueue/) },
      STEPWRIGHT_REGION: { Ref: 'AWS::Region' },
      POWERTOOLS_SERVICE_NAME: 'stepwright',
      POWERTOOLS_METRICS_NAMESPACE: 'Stepwright',
      STEPWRIGHT_FAN_OUT: 'auto',
    });
    expect(worker.props.LoggingConfig.LogGroup.Ref).toMatch(/^EngineWorkerLogs/);
  });

  test('SQS event source with partial batch failures and a maximum concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: worker.id },
      EventSourceArn: getAtt('EngineWorkQueue'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 100 },
      BatchSize: 10,
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  test('permissions: its table, consume and send on the work queue, its logs, and assume only exam-results\' role, which invokes only AddTotal', () => {
    const g = grants(template, 'EngineWorkerRole');
    expect(g.filter((x) => x.action.startsWith('lambda:'))).toEqual([]);
    expect(g.filter((x) => x.action === 'sts:AssumeRole')).toEqual([{ action: 'sts:AssumeRole', resources: [{ 'Fn::GetAtt': [expect.stringMatching(/^EngineExamResultsRole/), 'Arn'] }] }]);
    const addTotal = resource(template, 'AWS::Lambda::Function', 'AddTotal');
    expect(grants(template, 'EngineExamResultsRole')).toEqual([
      { action: 'lambda:GetFunctionConfiguration', resources: [{ 'Fn::GetAtt': [addTotal.id, 'Arn'] }] },
      { action: 'lambda:InvokeFunction', resources: [{ 'Fn::GetAtt': [addTotal.id, 'Arn'] }] },
    ]);
    const queue = resource(template, 'AWS::SQS::Queue', 'EngineWorkQueue');
    for (const a of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage']) {
      expect(g.find((x) => x.action === a)?.resources).toEqual([{ 'Fn::GetAtt': [queue.id, 'Arn'] }]);
    }
    // only the item actions it sends, on the table and its indexes (DeleteItem is the API's alone)
    expect(tableActions(template, 'EngineWorkerRole')).toEqual(EXECUTION_ACTIONS);
    expect(g.filter((x) => x.action.startsWith('logs:')).map((x) => JSON.stringify(x.resources))).toEqual([
      expect.stringMatching(/EngineWorkerLogs/),
      expect.stringMatching(/EngineWorkerLogs/),
    ]);
    // Nothing on "*" and no service beyond these.
    expect(g.every((x) => !x.resources.includes('*'))).toBe(true);
    expect(new Set(g.map((x) => x.action.split(':')[0]))).toEqual(new Set(['sts', 'sqs', 'dynamodb', 'logs', 'secretsmanager']));
    // secretsmanager: reading the task token secret only (it signs the tokens of callback tasks)
    const secret = resource(template, 'AWS::SecretsManager::Secret', 'EngineTaskTokenSecret');
    const reads = g.filter((x) => x.action.startsWith('secretsmanager:'));
    expect(reads.map((x) => x.action).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    for (const x of reads) expect(x.resources).toEqual([{ Ref: secret.id }]);
  });

  test('roles carry no managed policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as any).Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('API', () => {
  const api = resource(template, 'AWS::Lambda::Function', 'EngineApi');

  test('API function: Node 22, arm64, same environment, no Lambda invoke permission', () => {
    expect(api.props.Runtime).toBe('nodejs22.x');
    expect(api.props.Architectures).toEqual(['arm64']);
    expect(api.props.Timeout).toBeLessThanOrEqual(29);
    // the API applies events too (task answers, stops), so it fans out as the worker does
    expect(api.props.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'stepwright', STEPWRIGHT_FAN_OUT: 'auto' });
    expect(Object.keys(api.props.Environment.Variables)).toEqual(
      expect.arrayContaining(['STEPWRIGHT_TABLE', 'STEPWRIGHT_QUEUE_URL', 'STEPWRIGHT_REGION']),
    );
    const g = grants(template, 'EngineApiRole');
    expect(g.some((x) => x.action.startsWith('lambda:'))).toBe(false);
    expect(g.map((x) => x.action)).toEqual(expect.arrayContaining(['sqs:SendMessage']));
    // the executions' actions, and DeleteItem for DeleteStateMachine
    expect(tableActions(template, 'EngineApiRole')).toEqual([...EXECUTION_ACTIONS, 'dynamodb:DeleteItem'].sort());
    expect(g.some((x) => x.action === 'sqs:ReceiveMessage')).toBe(false);
  });

  test('HTTP API: ANY /{proxy+} and POST / with IAM authorization, Lambda proxy payload 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r: any) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['ANY /{proxy+}', 'POST /']);
    for (const r of routes) expect(r.AuthorizationType).toBe('AWS_IAM');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: getAtt('EngineApi'),
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
  });

  test('default stage auto-deploys and writes JSON access logs', () => {
    const stage = resource(template, 'AWS::ApiGatewayV2::Stage', 'EngineHttpApi');
    expect(stage.props.StageName).toBe('$default');
    expect(stage.props.AutoDeploy).toBe(true);
    expect(stage.props.AccessLogSettings.DestinationArn).toEqual(att('EngineApiAccessLogs'));
    const format = JSON.parse(stage.props.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', caller: '$context.identity.userArn' });
  });

  test('API Gateway may invoke the API function (and only it); EventBridge only the reconciler', () => {
    const perms = Object.values(template.findResources('AWS::Lambda::Permission')).map((p: any) => p.Properties);
    expect(perms.length).toBeGreaterThan(0);
    for (const p of perms) {
      if (p.Principal === 'events.amazonaws.com') expect(p.FunctionName).toEqual(att('EngineReconciler'));
      else {
        expect(p.Principal).toBe('apigateway.amazonaws.com');
        expect(p.FunctionName).toEqual(att('EngineApi'));
      }
    }
  });
});

describe('logs, alarms, dashboard', () => {
  test('every log group has a retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties);
    expect(groups.length).toBeGreaterThanOrEqual(6); // worker, api, access, registration, provider, AddTotal
    for (const g of groups) expect(g.RetentionInDays).toBe(30);
  });

  test('every function logs to its own log group', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as any[]) {
      expect(fn.Properties.LoggingConfig?.LogGroup?.Ref).toBeDefined();
    }
  });

  test('alarms: worker errors, API errors, queue depth, DLQ depth, executions failed or timed out', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    const key = (a: any) => (a.Metrics ? `math:${a.Metrics.find((m: any) => m.Expression).Expression}` : `${a.Namespace}/${a.MetricName}`);
    expect(alarms.map(key).sort()).toEqual(
      ['AWS/Lambda/Errors', 'AWS/Lambda/Errors', 'AWS/SQS/ApproximateNumberOfMessagesVisible', 'AWS/SQS/ApproximateNumberOfMessagesVisible', 'math:FILL(failed, 0) + FILL(timedOut, 0)'].sort(),
    );
    const failed = alarms.find((a) => a.Metrics);
    expect(failed).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching', ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const dlq = alarms.find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(a.Dimensions).includes('EngineDeadLetterQueue'));
    expect(dlq).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const depth = alarms.find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(a.Dimensions).includes('EngineWorkQueue'));
    expect(depth).toMatchObject({ Threshold: 1000, EvaluationPeriods: 3 });
    const workerErrors = alarms.find((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes('EngineWorker'));
    expect(workerErrors).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
  });

  test('a dashboard shows the engine', () => {
    const dash = resource(template, 'AWS::CloudWatch::Dashboard', 'EngineDashboard');
    const body = JSON.stringify(dash.props.DashboardBody);
    for (const title of ['Executions', 'Work queue', 'Dead-letter queue', 'Worker', 'API', 'DynamoDB']) expect(body).toContain(title);
  });
});

describe('the exam-results example', () => {
  const addTotal = resource(template, 'AWS::Lambda::Function', 'AddTotal');
  const reg = resource(template, 'Custom::StepwrightStateMachine', 'EngineExamResults');

  test('AddTotal is built from examples/exam-results/tasks.js (handler AddTotal), Node 22 arm64', () => {
    expect(addTotal.props.Handler).toBe('index.AddTotal');
    expect(addTotal.props.Runtime).toBe('nodejs22.x');
    expect(addTotal.props.Architectures).toEqual(['arm64']);
    expect(statementsOf(template, 'AddTotalRole').flatMap((s) => s.Action)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  test('registered at deploy time with AddTotal\'s ARN substituted into the definition', () => {
    expect(reg.props.Name).toBe('exam-results');
    expect(reg.props.Arn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:exam-results');
    expect(reg.props.TableName).toEqual({ Ref: expect.stringMatching(/^EngineTable/) });
    expect(reg.props.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EngineExamResultsRole/), 'Arn'] });
    const parts = reg.props.Definition['Fn::Join'][1];
    expect(parts[1]).toEqual({ 'Fn::GetAtt': [addTotal.id, 'Arn'] });
    const text = parts.map((p: unknown) => (typeof p === 'string' ? p : 'arn:aws:lambda:us-east-1:123456789012:function:AddTotal-deployed')).join('');
    const def = JSON.parse(text);
    expect(def.States.AddTotal.Resource).toBe('arn:aws:lambda:us-east-1:123456789012:function:AddTotal-deployed');
    expect(def.States.AddTotal).toMatchObject({ Type: 'Task', InputPath: '$.lambda', ResultPath: '$.results', End: true });
  });

  test('the registration provider only reads and writes the table\'s items', () => {
    const g = grants(template, 'EngineRegistrationRole');
    expect(g.filter((x) => x.action.startsWith('dynamodb:')).map((x) => x.action).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    const table = resource(template, 'AWS::DynamoDB::Table', 'EngineTable');
    for (const x of g.filter((y) => y.action.startsWith('dynamodb:'))) expect(x.resources).toEqual([{ 'Fn::GetAtt': [table.id, 'Arn'] }]);
    const fw = grants(template, 'EngineRegistrationProviderRole');
    expect(new Set(fw.map((x) => x.action))).toEqual(new Set(['lambda:InvokeFunction', 'lambda:GetFunction', 'logs:CreateLogStream', 'logs:PutLogEvents']));
  });

  test('registration waits for the worker\'s task permissions', () => {
    const provider = resource(template, 'AWS::Lambda::Function', 'EngineRegistrationProviderframeworkonEvent');
    expect(provider.raw.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EngineWorkerRoleDefaultPolicy/)]));
  });
});

test('outputs: API URL, table name, queue URL', () => {
  const outputs = template.toJSON().Outputs;
  expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'TableName', 'QueueUrl', 'ExamResultsArn']));
  expect(JSON.stringify(outputs.ApiUrl.Value)).toMatch(/execute-api/);
  expect(outputs.TableName.Value).toEqual({ Ref: expect.stringMatching(/^EngineTable/) });
  expect(outputs.QueueUrl.Value).toEqual({ Ref: expect.stringMatching(/^EngineWorkQueue/) });
});

test('without examples: no AddTotal, no registration machinery, no Lambda invoke permission', () => {
  const { template: t } = buildStack({ examples: false });
  expect(Object.keys(t.findResources('Custom::StepwrightStateMachine'))).toHaveLength(0);
  expect(Object.keys(t.findResources('AWS::Lambda::Function')).sort()).toEqual([expect.stringMatching(/^EngineApi/), expect.stringMatching(/^EngineReconciler/), expect.stringMatching(/^EngineWorker/)]);
  expect(grants(t, 'EngineWorkerRole').some((x) => x.action.startsWith('lambda:'))).toBe(false);
});

describe('fan-out mode', () => {
  test('the fanOut prop reaches the worker and the API alike', () => {
    const { template: t } = buildStack({ engine: { fanOut: 'inline' }, examples: false });
    for (const prefix of ['EngineWorker', 'EngineApi']) {
      expect(resource(t, 'AWS::Lambda::Function', prefix).props.Environment.Variables.STEPWRIGHT_FAN_OUT).toBe('inline');
    }
  });
});

describe('reconciler', () => {
  test('a schedule runs the reconciler, which may use the table and send work but reads no task token secret', () => {
    const { template: t } = buildStack({ examples: false });
    const rules = Object.values(t.findResources('AWS::Events::Rule')).map((r: any) => r.Properties);
    const schedule = rules.find((r) => JSON.stringify(r.Targets).includes('EngineReconciler'));
    expect(schedule).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const fn = resource(t, 'AWS::Lambda::Function', 'EngineReconciler').props;
    expect(fn.Environment.Variables.STEPWRIGHT_RECONCILE_AFTER_SECONDS).toBe('120');
    expect(fn.Environment.Variables.STEPWRIGHT_TASK_TOKEN_SECRET_ARN).toBeUndefined();
    const actions = grants(t, 'EngineReconcilerRole').map((x) => x.action.split(':')[0]);
    expect(new Set(actions)).toEqual(new Set(['dynamodb', 'sqs', 'logs']));
    expect(tableActions(t, 'EngineReconcilerRole')).toEqual(EXECUTION_ACTIONS);
    // the API delays its watchdog messages by the same bound
    expect(resource(t, 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_RECONCILE_AFTER_SECONDS).toBe('120');
  });

  test('reconcileAfter sets the bound and the schedule; out of range is refused', () => {
    const { template: t } = buildStack({ engine: { reconcileAfter: Duration.minutes(10) }, examples: false });
    const rules = Object.values(t.findResources('AWS::Events::Rule')).map((r: any) => r.Properties);
    expect(rules.find((r) => JSON.stringify(r.Targets).includes('EngineReconciler'))).toMatchObject({ ScheduleExpression: 'rate(5 minutes)' });
    expect(() => buildStack({ engine: { reconcileAfter: Duration.seconds(10) }, examples: false })).toThrow(/reconcileAfter must be between 1 and 15 minutes/);
  });
});
