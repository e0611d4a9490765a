/**
 * The deploy rehearsal: what `cdk deploy` would put in an account, run here on its own artifacts.
 * The stack is synthesized with bundling into a temporary cdk.out; each function runs from its asset
 * folder (what CDK zips and uploads) in a Lambda-like child process with exactly its template
 * environment, resolved to the emulators (dynalite, fauxqs) and with only the AWS SDK beside it, as in
 * the Node.js runtime. Events come as the real sources send them: CloudFormation's custom resource
 * event registers the state machine, an API Gateway HTTP API (payload 2.0, IAM authorizer) event
 * starts an execution, the SQS event source mapping feeds the worker (a failed record is reported and
 * redelivered), an EventBridge schedule runs the reconciler. Every AWS call the functions make is
 * held against their role's IAM statements in the template.
 *
 * What only a real account shows is in docs/deploy.md ("What the deploy rehearsal proves").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';
import { StepwrightEngine } from '../../lib/stepwright-engine';
import { startAwsEndpoint, type AwsEndpoint } from './aws-endpoint';
import { LambdaHost, runtimeModules } from './lambda-host';
import { createResources, startFauxqs } from './local-stack';
import { permissionsOf } from './permissions';
import { customResourceCreate, httpApiEvent, scheduledEvent, SqsEventSourceMapping, type Caller } from './sources';
import { allows, functionsOf, Resolver, statementsOfRole, type Template } from './template';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DEFINITION = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'orderId.$': '$.orderId', 'items.$': '$.items', 'count.$': 'States.ArrayLength($.items)' }, Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 1, Next: 'Check' },
    Check: { Type: 'Choice', Choices: [{ Variable: '$.count', NumericGreaterThan: 0, Next: 'EachItem' }], Default: 'Nothing' },
    EachItem: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: { StartAt: 'Label', States: { Label: { Type: 'Pass', Parameters: { 'label.$': "States.Format('item {}', $)" }, End: true } } },
      ResultPath: '$.labels',
      End: true,
    },
    Nothing: { Type: 'Fail', Error: 'Empty', Cause: 'no items' },
  },
};

let work: string;
let template: Template;
let resolver: Resolver;
let dynamo: LocalDynamo;
let fauxqs: { endpoint: string; stop(): Promise<void> };
let aws: AwsEndpoint;
const hosts = new Map<string, LambdaHost>();
let operator: Caller;
const ids: Record<'api' | 'worker' | 'reconciler' | 'registration', string> = { api: '', worker: '', reconciler: '', registration: '' };

function synthesize(outdir: string): Template {
  const app = new App({ outdir, context: cdkJson.context });
  const stack = new Stack(app, 'Rehearsal', { env: { account: ACCOUNT, region: REGION } });
  const engine = new StepwrightEngine(stack, 'Engine');
  const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  const orders = engine.addStateMachine('Orders', { name: 'orders', definition: DEFINITION });
  orders.grantStartExecution(role);
  orders.grantRead(role);
  app.synth();
  return JSON.parse(readFileSync(path.join(outdir, 'Rehearsal.template.json'), 'utf8')) as Template;
}

const idOf = (prefix: string) => Object.keys(template.Resources).find((id) => id.startsWith(prefix) && template.Resources[id].Type === 'AWS::Lambda::Function')!;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'stepwright-rehearsal-')); // outside the repository: no node_modules above the assets
  template = synthesize(path.join(work, 'cdk.out'));
  dynamo = await startLocalDynamo({ port: 0 });
  fauxqs = await startFauxqs();
  const direct = { dynamo: dynamo.client, sqs: new SQSClient({ endpoint: fauxqs.endpoint, region: REGION, credentials: { accessKeyId: 'cloudformation', secretAccessKey: 'x' } }) };
  aws = await startAwsEndpoint({ dynamodb: dynamo.endpoint, sqs: fauxqs.endpoint });
  const physical = await createResources(template, direct, { account: ACCOUNT, region: REGION, queueBase: aws.url, queueUrls: aws.queueUrls, secrets: aws.secrets });
  resolver = new Resolver(template, physical, { account: ACCOUNT, region: REGION, partition: 'aws' });
  const nodePath = runtimeModules(work, ROOT);
  // The CDK provider framework's own function is CDK's, not ours: the test plays it (it would invoke Registration).
  for (const spec of functionsOf(template, path.join(work, 'cdk.out')).filter((f) => f.handler === 'index.handler')) {
    hosts.set(spec.id, new LambdaHost({ spec, resolver, account: ACCOUNT, region: REGION, endpoint: aws.url, nodePath }));
  }
  Object.assign(ids, { api: idOf('EngineApi'), worker: idOf('EngineWorker'), reconciler: idOf('EngineReconciler'), registration: idOf('EngineRegistration') });
  operator = { account: ACCOUNT, userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${Object.keys(template.Resources).find((id) => id.startsWith('Operator'))}/rehearsal` };
});

afterAll(async () => {
  for (const h of hosts.values()) h.stop();
  await aws?.close();
  await fauxqs?.stop();
  await dynamo?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const invoke = async (id: string, event: unknown) => {
  const r = await hosts.get(id)!.invoke(event);
  if (!r.ok) throw new Error(`${id} failed: ${r.errorType}: ${r.errorMessage}\n${hosts.get(id)!.logs.join('')}`);
  return r.result;
};

/** A JSON-protocol call through the API function, as API Gateway delivers it. */
async function api(action: string, body: unknown): Promise<{ statusCode: number; body: any }> {
  const route = Object.values(template.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties!.RouteKey === 'POST /');
  expect(route?.Properties!.AuthorizationType).toBe('AWS_IAM');
  const event = httpApiEvent({ method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${action}` }, body: JSON.stringify(body) }, operator, 'POST /');
  const res = (await invoke(ids.api, event)) as { statusCode: number; body: string };
  return { statusCode: res.statusCode, body: JSON.parse(res.body) };
}

test('every function asset loads with its template environment and only the runtime SDK beside it', () => {
  expect([...hosts.keys()].sort()).toEqual([ids.api, ids.worker, ids.reconciler, ids.registration].sort());
  // the worker reads these; the template gives them (resolved to the rehearsal's resources)
  expect(hosts.get(ids.worker)!.env).toMatchObject({ STEPWRIGHT_TABLE: expect.any(String), STEPWRIGHT_QUEUE_URL: expect.stringContaining('EngineWorkQueue'), STEPWRIGHT_ACCOUNT_ID: ACCOUNT });
});

test('the custom resource event registers the state machine', async () => {
  const [id, registration] = Object.entries(template.Resources).find(([, r]) => r.Type === 'Custom::StepwrightStateMachine')!;
  const { ServiceToken, ...props } = resolver.resolve(registration.Properties) as Record<string, unknown>;
  const result = (await invoke(ids.registration, customResourceCreate(registration.Type, id, props, String(ServiceToken)))) as { Data: { StateMachineArn: string } };
  expect(result.Data.StateMachineArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:orders`);
});

test('an execution started by an API event completes on the bundled worker fed by the SQS event source mapping', async () => {
  const esm = template.Resources[Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::Lambda::EventSourceMapping')!].Properties!;
  expect(esm.FunctionName).toEqual({ Ref: ids.worker });
  const queueId = (esm.EventSourceArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  const mapping = new SqsEventSourceMapping({
    // the mapping polls with the function's role
    client: new SQSClient({ endpoint: aws.url, region: REGION, credentials: { accessKeyId: ids.worker, secretAccessKey: 'x' } }),
    queueUrl: resolver.text({ Ref: queueId }),
    queueArn: resolver.text(esm.EventSourceArn),
    region: REGION,
    batchSize: esm.BatchSize as number,
    reportBatchItemFailures: (esm.FunctionResponseTypes as string[]).includes('ReportBatchItemFailures'),
    fn: hosts.get(ids.worker)!,
  });

  // The worker's first DynamoDB call fails (an error the SDK does not retry): its message must come back.
  let failures = 0;
  aws.fault = (call) => (call.caller === ids.worker && call.service === 'dynamodb' && failures++ < 1 ? { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found (rehearsed)' } } : undefined);

  // two executions, so their start messages share a batch and one record can fail alone
  const executionArns: string[] = [];
  for (const [name, items] of [['first', ['a', 'b']], ['second', ['c']]] as const) {
    const started = await api('StartExecution', { stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:orders`, name, input: JSON.stringify({ orderId: name, items }) });
    expect({ status: started.statusCode, body: started.statusCode === 200 ? '' : started.body }).toEqual({ status: 200, body: '' });
    executionArns.push(started.body.executionArn as string);
  }
  const statusOf = async (executionArn: string) => (await api('DescribeExecution', { executionArn })).body as { status: string; output?: string };
  for (let polls = 0; polls < 400; polls++) {
    const statuses = await Promise.all(executionArns.map(async (arn) => (await statusOf(arn)).status));
    if (statuses.every((s) => s !== 'RUNNING')) break;
    if (!(await mapping.poll())) await new Promise((r) => setTimeout(r, 100));
  }
  const [first, second] = await Promise.all(executionArns.map(statusOf));
  expect(first.status).toBe('SUCCEEDED');
  expect(JSON.parse(first.output!)).toEqual({ orderId: 'first', items: ['a', 'b'], count: 2, labels: [{ label: 'item a' }, { label: 'item b' }] });
  expect(second.status).toBe('SUCCEEDED');
  expect(JSON.parse(second.output!)).toEqual({ orderId: 'second', items: ['c'], count: 1, labels: [{ label: 'item c' }] });

  // the failed record was reported alone (ReportBatchItemFailures), the rest of its batch deleted, and it came again
  const failed = mapping.deliveries.find((d) => d.failed.length > 0)!;
  expect(failed.records.length).toBeGreaterThan(1);
  expect(failed.invocation).toEqual({ ok: true, result: { batchItemFailures: [{ itemIdentifier: failed.failed[0] }] } });
  const again = mapping.deliveries.flatMap((d) => d.records).filter((r) => r.messageId === failed.failed[0]);
  expect(again.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
  const others = failed.records.filter((r) => r.messageId !== failed.failed[0]).map((r) => r.messageId);
  expect(mapping.deliveries.flatMap((d) => d.records).filter((r) => others.includes(r.messageId))).toHaveLength(others.length); // delivered once

  const executionArn = executionArns[0];
  const history = (await api('GetExecutionHistory', { executionArn })).body.events as { type: string }[];
  expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(['ExecutionStarted', 'WaitStateEntered', 'MapStateEntered', 'ExecutionSucceeded']));
});

test('the scheduled event runs the reconciler sweep', async () => {
  const rule = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties).includes(ids.reconciler))!;
  const report = await invoke(ids.reconciler, scheduledEvent(resolver.text({ 'Fn::GetAtt': [rule[0], 'Arn'] }), ACCOUNT, REGION));
  expect(report).toEqual({ checked: expect.any(Number), flushed: 0, started: 0, resent: 0 });
  expect(aws.calls.some((c) => c.caller === ids.reconciler && c.service === 'dynamodb')).toBe(true);
});

test("every AWS call a function made is allowed by its role's statements in the template", () => {
  const callers = new Set(aws.calls.map((c) => c.caller));
  for (const id of Object.values(ids)) expect(callers).toContain(id); // each function was held to its statements
  const denied: string[] = [];
  for (const call of aws.calls) {
    if (call.caller === 'cloudformation') continue;
    const spec = hosts.get(call.caller)!.opts.spec;
    const statements = statementsOfRole(template, spec.role);
    for (const p of permissionsOf(call, ACCOUNT, REGION)) {
      if (!allows(statements, resolver, p.action, p.resource)) denied.push(`${call.caller}: ${p.action} on ${p.resource}`);
    }
  }
  expect([...new Set(denied)]).toEqual([]);
});

test('the permission check fails a call whose statement is missing', () => {
  const send = aws.calls.find((c) => c.caller === ids.api && c.service === 'sqs')!;
  const [needed] = permissionsOf(send, ACCOUNT, REGION);
  const statements = statementsOfRole(template, hosts.get(ids.api)!.opts.spec.role);
  expect(allows(statements, resolver, needed.action, needed.resource)).toBe(true);
  const without = statements.filter((s) => !JSON.stringify(s.Action).includes(needed.action));
  expect(allows(without, resolver, needed.action, needed.resource)).toBe(false);
});
