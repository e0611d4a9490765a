/**
 * Deploy-time registration against the real store on an embedded DynamoDB (dynalite): what the
 * custom resource writes is what the API writes for CreateStateMachine, and a registered machine
 * can be started at once.
 */
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';
import type { OutgoingMessage } from '../../lambda/ports';
import type { EngineDeps } from '../../lambda/runtime/deps';
import { createStateMachine, startExecution, stateMachineArnFor } from '../../lambda/runtime/service';
import { register, type RegistrationEvent } from '../../lib/registration/handler';
import { revisionIdFor, stateMachineRecord } from '../../lib/state-machine-record';
import { buildStack, resource } from './helpers';
import { registrationDeps } from './registration-deps';

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;
let store: DynamoExecutionStore;
let sent: OutgoingMessage[];
let deps: EngineDeps;

const ROLE = 'arn:aws:iam::123456789012:role/Stepwright-EngineWorkerRole';
const DEF_V1 = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { v: 1 }, End: true } } });
const DEF_V2 = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { v: 2 }, End: true } } });

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tableName: 'stepwright-cdk-test' });
  doc = DynamoDBDocumentClient.from(dynamo.client);
  store = new DynamoExecutionStore({ client: dynamo.client, tableName: dynamo.tableName });
  deps = registrationDeps(store, { send: async (m) => void sent.push(...m) });
});

afterAll(async () => {
  await dynamo.close();
});

beforeEach(() => {
  sent = [];
});

function event(type: RegistrationEvent['RequestType'], name: string, definition: string, extra: Record<string, unknown> = {}): RegistrationEvent {
  return {
    RequestType: type,
    PhysicalResourceId: type === 'Create' ? undefined : `${dynamo.tableName}|${stateMachineArnFor(deps, name)}`,
    ResourceProperties: { ServiceToken: 'x', TableName: dynamo.tableName, Name: name, Arn: stateMachineArnFor(deps, name), RoleArn: ROLE, Definition: definition, ...extra },
  };
}

const rawItem = async (pk: string, sk: string) => (await doc.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk, sk } }))).Item;

test('the ARN the construct registers is the ARN the API computes', () => {
  const { template } = buildStack();
  const reg = resource(template, 'Custom::StepwrightStateMachine', 'EngineExamResults');
  expect(reg.props.Arn).toBe(stateMachineArnFor(deps, 'exam-results'));
});

test('Create writes the record the mapping builds, through the store, and it can be started at once', async () => {
  const t0 = new Date('2026-01-02T03:04:05.000Z');
  const ev = event('Create', 'registered', DEF_V1, { Description: 'from cdk' });
  const res = await register(ev, store, t0);
  const arn = stateMachineArnFor(deps, 'registered');
  expect(res).toEqual({ PhysicalResourceId: `${dynamo.tableName}|${arn}`, Data: { StateMachineArn: arn, RevisionId: revisionIdFor(DEF_V1) } });

  const expected = stateMachineRecord({ name: 'registered', arn, roleArn: ROLE, definition: DEF_V1, description: 'from cdk' }, t0);
  expect(expected).toEqual({
    name: 'registered', arn, roleArn: ROLE, definition: DEF_V1, description: 'from cdk',
    type: 'STANDARD', status: 'ACTIVE', creationDate: t0.toISOString(), revisionId: revisionIdFor(DEF_V1),
  });
  expect(await store.getStateMachine(arn)).toEqual(expected);
  expect(await store.getDefinitionRevision(arn, expected.revisionId)).toBe(DEF_V1);

  // The items themselves: SM#<arn>/META listed under SMLIST, and SM#<arn>/REV#<revisionId>.
  expect(await rawItem(`SM#${arn}`, 'META')).toMatchObject({ gsi1pk: 'SMLIST', gsi1sk: arn, name: 'registered', type: 'STANDARD', status: 'ACTIVE', definition: DEF_V1 });
  expect(await rawItem(`SM#${arn}`, `REV#${expected.revisionId}`)).toMatchObject({ revisionId: expected.revisionId, definition: DEF_V1 });
  expect((await store.listStateMachines()).items.map((s) => s.name)).toContain('registered');

  const started = await startExecution(deps, { stateMachineArn: arn, name: 'first', input: '{"a":1}' });
  expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:registered:first');
  expect(sent).toEqual([{ body: { kind: 'start', executionArn: started.executionArn } }]);
  expect((await store.getExecution(started.executionArn))?.revisionId).toBe(expected.revisionId);
});

test('the items match those the API writes for CreateStateMachine (same attributes, same keys)', async () => {
  await register(event('Create', 'by-cdk', DEF_V1), store, new Date());
  await createStateMachine(deps, { name: 'by-api', definition: DEF_V1, roleArn: ROLE });
  const cdkArn = stateMachineArnFor(deps, 'by-cdk');
  const apiArn = stateMachineArnFor(deps, 'by-api');
  const cdkMeta = (await rawItem(`SM#${cdkArn}`, 'META'))!;
  const apiMeta = (await rawItem(`SM#${apiArn}`, 'META'))!;
  expect(Object.keys(cdkMeta).sort()).toEqual(Object.keys(apiMeta).sort());
  const strip = (item: Record<string, unknown>, arn: string) =>
    JSON.parse(JSON.stringify(item).split(arn).join('<arn>').replace(/by-(cdk|api)/g, '<name>'));
  const { creationDate: _c1, revisionId: _r1, ...cdkRest } = strip(cdkMeta, cdkArn);
  const { creationDate: _c2, revisionId: _r2, ...apiRest } = strip(apiMeta, apiArn);
  expect(cdkRest).toEqual(apiRest);
  const revs = async (arn: string) =>
    (await doc.send(new QueryCommand({ TableName: dynamo.tableName, KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)', ExpressionAttributeValues: { ':p': `SM#${arn}`, ':s': 'REV#' } }))).Items!;
  const [cdkRev] = await revs(cdkArn);
  const [apiRev] = await revs(apiArn);
  expect(Object.keys(cdkRev).sort()).toEqual(Object.keys(apiRev).sort());
});

test('Update: same definition leaves the record alone; a new one keeps creationDate and adds a revision', async () => {
  const t0 = new Date('2026-01-01T00:00:00.000Z');
  const t1 = new Date('2026-01-05T00:00:00.000Z');
  const t2 = new Date('2026-01-09T00:00:00.000Z');
  const arn = stateMachineArnFor(deps, 'updated');
  await register(event('Create', 'updated', DEF_V1), store, t0);
  const first = await store.getStateMachine(arn);

  await register(event('Update', 'updated', DEF_V1), store, t1);
  expect(await store.getStateMachine(arn)).toEqual(first);

  const res = await register(event('Update', 'updated', DEF_V2), store, t2);
  const now = await store.getStateMachine(arn);
  expect(now).toMatchObject({ creationDate: t0.toISOString(), updateDate: t2.toISOString(), definition: DEF_V2, revisionId: revisionIdFor(DEF_V2) });
  expect(res.Data?.RevisionId).toBe(revisionIdFor(DEF_V2));
  // Executions pinned to the first revision still read their definition.
  expect(await store.getDefinitionRevision(arn, first!.revisionId)).toBe(DEF_V1);
  expect(await store.getDefinitionRevision(arn, revisionIdFor(DEF_V2))).toBe(DEF_V2);
});

test('Delete removes the state machine (revisions stay for running executions)', async () => {
  const arn = stateMachineArnFor(deps, 'deleted');
  await register(event('Create', 'deleted', DEF_V1), store, new Date());
  const res = await register(event('Delete', 'deleted', DEF_V1), store, new Date());
  expect(res.PhysicalResourceId).toBe(`${dynamo.tableName}|${arn}`);
  expect(await store.getStateMachine(arn)).toBeUndefined();
  expect(await store.getDefinitionRevision(arn, revisionIdFor(DEF_V1))).toBe(DEF_V1);
});

test('Delete succeeds when the table is already gone', async () => {
  const gone = new DynamoExecutionStore({ client: dynamo.client, tableName: 'no-such-table' });
  const ev = event('Delete', 'x', DEF_V1);
  await expect(register({ ...ev, ResourceProperties: { ...ev.ResourceProperties, TableName: 'no-such-table' } }, gone, new Date())).resolves.toMatchObject({ PhysicalResourceId: expect.any(String) });
});

test('missing properties fail the deployment with a clear message', async () => {
  await expect(register({ RequestType: 'Create', ResourceProperties: { TableName: 't', Name: 'n' } }, store, new Date())).rejects.toThrow(/property Arn is missing/);
});

test('settings ride on the record the store receives', () => {
  const rec = stateMachineRecord(
    { name: 'n', arn: 'a', roleArn: ROLE, definition: DEF_V1, settings: { retentionDays: 30, namePolicy: 'unique-forever', limits: { maxTransitions: 5 } } },
    new Date(0),
  );
  expect(rec.settings).toEqual({ retentionDays: 30, namePolicy: 'unique-forever', limits: { maxTransitions: 5 } });
});

test('settings removed from the props are cleared on redeploy, even with the same definition', async () => {
  const arn = stateMachineArnFor(deps, 'resettled');
  const all = JSON.stringify({ retentionDays: 30, namePolicy: 'unique-forever', limits: { maxTransitions: 5 } });
  await register(event('Create', 'resettled', DEF_V1, { Settings: all }), store, new Date(0));
  expect((await store.getStateMachine(arn))?.settings).toEqual(JSON.parse(all));
  await register(event('Update', 'resettled', DEF_V1, { Settings: JSON.stringify({ retentionDays: 30 }) }), store, new Date(1));
  expect((await store.getStateMachine(arn))?.settings).toEqual({ retentionDays: 30 });
  await register(event('Update', 'resettled', DEF_V1, { Settings: '{}' }), store, new Date(2));
  const now = await store.getStateMachine(arn);
  expect(now?.settings).toBeUndefined();
  expect(now?.revisionId).toBe(revisionIdFor(DEF_V1));
});

test('the construct sends the whole settings every time ({} when the props set none)', () => {
  const { template } = buildStack();
  const regs = Object.values(template.findResources('Custom::StepwrightStateMachine'));
  expect(regs.length).toBeGreaterThan(0);
  for (const reg of regs) expect(typeof reg.Properties.Settings).toBe('string');
});
