/**
 * Per-machine, per-action access (runtime/access.ts): the matching of callers to grants, and the
 * API handler refusing an ungranted caller given an API Gateway v2 event with an IAM authorizer
 * context, before anything is written.
 */
import { createApiHandler } from '../../lambda/handlers/api';
import { isAllowed, parseAccessPolicy, principalMatches, stateMachineNameOf, type AccessPolicy } from '../../lambda/runtime/access';
import { startTestEngine, type TestEngine } from './harness';
import { iamApiEvent } from './api-gateway-event';

const ACCOUNT = '123456789012';
const OPS_ROLE = `arn:aws:iam::${ACCOUNT}:role/team/Ops`;
const OPS_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/alice`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;

describe('principalMatches', () => {
  test('a role matches sessions assumed from it (its path is not in the session ARN), in its own account only', () => {
    expect(principalMatches(OPS_ROLE, { userArn: OPS_SESSION })).toBe(true);
    expect(principalMatches(OPS_ROLE, { userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Opsx/alice` })).toBe(false);
    expect(principalMatches(OPS_ROLE, { userArn: 'arn:aws:sts::210987654321:assumed-role/Ops/alice' })).toBe(false);
  });

  test('partitions other than aws match the same way', () => {
    expect(principalMatches(`arn:aws-cn:iam::${ACCOUNT}:role/Ops`, { userArn: `arn:aws-cn:sts::${ACCOUNT}:assumed-role/Ops/s` })).toBe(true);
    expect(principalMatches(`arn:aws-us-gov:iam::${ACCOUNT}:user/alice`, { userArn: `arn:aws-us-gov:iam::${ACCOUNT}:user/alice` })).toBe(true);
  });

  test('a user matches its own ARN; an account id and the account root match every caller of the account', () => {
    expect(principalMatches(ALICE, { userArn: ALICE })).toBe(true);
    expect(principalMatches(ALICE, { userArn: `arn:aws:iam::${ACCOUNT}:user/bob` })).toBe(false);
    expect(principalMatches(ACCOUNT, { userArn: ALICE })).toBe(true);
    expect(principalMatches(`arn:aws:iam::${ACCOUNT}:root`, { accountId: ACCOUNT })).toBe(true);
    expect(principalMatches(ACCOUNT, { userArn: 'arn:aws:iam::210987654321:user/alice' })).toBe(false);
  });
});

describe('isAllowed', () => {
  const policy: AccessPolicy = { grants: [[OPS_ROLE, 'orders', ['@start', '@read']], [ALICE, '*', ['states:StopExecution']]] };
  const req = (action: 'StartExecution' | 'StopExecution' | 'DeleteStateMachine' | 'ListStateMachines' | 'SendTaskSuccess', stateMachine: string) => ({ action, stateMachine, resource: stateMachine });

  test('grants are per machine and per action', () => {
    expect(isAllowed(policy, { userArn: OPS_SESSION }, req('StartExecution', 'orders'))).toBe(true);
    expect(isAllowed(policy, { userArn: OPS_SESSION }, req('StartExecution', 'billing'))).toBe(false);
    expect(isAllowed(policy, { userArn: OPS_SESSION }, req('SendTaskSuccess', 'orders'))).toBe(false);
    expect(isAllowed(policy, { userArn: OPS_SESSION }, req('DeleteStateMachine', 'orders'))).toBe(false);
    expect(isAllowed(policy, { userArn: ALICE }, req('StopExecution', 'billing'))).toBe(true);
    expect(isAllowed(policy, { userArn: ALICE }, req('StartExecution', 'billing'))).toBe(false);
  });

  test('ListStateMachines is open to whoever may read one machine; an unidentified caller gets nothing', () => {
    expect(isAllowed(policy, { userArn: OPS_SESSION }, req('ListStateMachines', '*'))).toBe(true);
    expect(isAllowed(policy, { userArn: ALICE }, req('ListStateMachines', '*'))).toBe(false);
    expect(isAllowed(policy, undefined, req('StartExecution', 'orders'))).toBe(false);
  });
});

test('stateMachineNameOf: machines, executions, spread children and Map Runs name their machine', () => {
  expect(stateMachineNameOf('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:orders')).toBe('orders');
  expect(stateMachineNameOf('arn:aws:states:us-east-1:123456789012:execution:orders:run-1')).toBe('orders');
  expect(stateMachineNameOf('arn:aws:states:us-east-1:123456789012:execution:orders/Fan:run-1/0')).toBe('orders');
  expect(stateMachineNameOf('arn:aws:states:us-east-1:123456789012:mapRun:orders/Fan:abc')).toBe('orders');
  expect(stateMachineNameOf('arn:aws:lambda:us-east-1:123456789012:function:orders')).toBeUndefined();
});

test('parseAccessPolicy names the bad grant and the bad action', () => {
  expect(() => parseAccessPolicy('[["a","b","StartExecution"]]')).toThrow('STEPWRIGHT_ACCESS_GRANTS/0 must be [principal, stateMachine, [action, ...]]');
  expect(() => parseAccessPolicy('[["a","b",["StartExecutions"]]]')).toThrow("STEPWRIGHT_ACCESS_GRANTS/0/2: 'StartExecutions' is not an action");
  expect(parseAccessPolicy('[["a","b",["states:StartExecution"]]]').grants).toHaveLength(1);
});

describe('the API handler with an API Gateway v2 event (IAM authorizer context)', () => {
  let t: TestEngine;
  let smArn: string;
  beforeAll(async () => {
    t = await startTestEngine({ tasks: {} });
    smArn = await t.machine('orders', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
  });
  afterAll(() => t.close());

  const policy: AccessPolicy = { grants: [[OPS_ROLE, 'orders', ['@start']]] };
  const event = (userArn: string, target: string, body: unknown) => iamApiEvent(ACCOUNT, userArn, target, body);

  test('an ungranted caller gets AccessDeniedException (400, JSON protocol) and nothing is started', async () => {
    const api = createApiHandler(() => t.deps, policy);
    const denied = await api(event(ALICE, 'StartExecution', { stateMachineArn: smArn, name: 'by-alice' }));
    expect(denied.statusCode).toBe(400);
    const body = JSON.parse(denied.body as string) as { __type: string; message: string };
    expect(body.__type).toBe('AccessDeniedException');
    expect(body.message).toContain(`User: ${ALICE} is not authorized to perform: states:StartExecution on resource: ${smArn}`);
    expect(await t.deps.store.getExecution(smArn.replace(':stateMachine:', ':execution:') + ':by-alice')).toBeUndefined();

    const allowed = await api(event(OPS_SESSION, 'StartExecution', { stateMachineArn: smArn, name: 'by-ops' }));
    expect(allowed.statusCode).toBe(200);
    const { executionArn } = JSON.parse(allowed.body as string) as { executionArn: string };
    expect(await t.deps.store.getExecution(executionArn)).toBeDefined();

    // granted start, not delete: the machine stays
    const del = await api(event(OPS_SESSION, 'DeleteStateMachine', { stateMachineArn: smArn }));
    expect(JSON.parse(del.body as string)).toMatchObject({ __type: 'AccessDeniedException' });
    expect(await t.deps.store.getStateMachine(smArn)).toBeDefined();
  });

  test('engine-wide actions (activities, TestState) and actions unknown to the check need an admin grant', async () => {
    const policy2: AccessPolicy = { grants: [[OPS_ROLE, 'orders', ['@start', '@read']], [ALICE, '*', ['@admin']]] };
    const api = createApiHandler(() => t.deps, policy2);
    for (const [target, body] of [['CreateActivity', { name: 'a1' }], ['ListActivities', {}], ['SomeFutureAction', {}]] as const) {
      const denied = await api(event(OPS_SESSION, target, body));
      expect([target, JSON.parse(denied.body as string).__type]).toEqual([target, 'AccessDeniedException']);
      const admin = await api(event(ALICE, target, body));
      expect([target, JSON.parse(admin.body as string).__type]).not.toEqual([target, 'AccessDeniedException']);
    }
  });

  test('CreateStateMachine must name a role the engine may assume: refused clearly otherwise, nothing created', async () => {
    const admin: AccessPolicy = { grants: [[OPS_ROLE, '*', ['@admin']]] };
    const api = createApiHandler(() => t.deps, admin, [`arn:aws:iam::${ACCOUNT}:role/stepwright-*`]);
    const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
    const without = await api(event(OPS_SESSION, 'CreateStateMachine', { name: 'no-role', definition }));
    expect(without.statusCode).toBe(400);
    expect(JSON.parse(without.body as string)).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining("'roleArn'") });
    const other = await api(event(OPS_SESSION, 'CreateStateMachine', { name: 'other-role', definition, roleArn: `arn:aws:iam::${ACCOUNT}:role/admin` }));
    expect(JSON.parse(other.body as string)).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining(`Invalid roleArn 'arn:aws:iam::${ACCOUNT}:role/admin'`) });
    const { items } = await t.deps.store.listStateMachines({ maxResults: 100 });
    expect(items.map((m) => m.name)).not.toEqual(expect.arrayContaining(['no-role']));
    expect(items.map((m) => m.name)).not.toEqual(expect.arrayContaining(['other-role']));
    const ok = await api(event(OPS_SESSION, 'CreateStateMachine', { name: 'with-role', definition, roleArn: `arn:aws:iam::${ACCOUNT}:role/stepwright-with-role` }));
    expect(ok.statusCode).toBe(200);
  });

  test('without a recorded policy (a non-IAM authorizer) every request runs, as before', async () => {
    const api = createApiHandler(() => t.deps, undefined);
    const res = await api(event(ALICE, 'DescribeStateMachine', { stateMachineArn: smArn }));
    expect(res.statusCode).toBe(200);
  });
});
