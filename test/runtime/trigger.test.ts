/**
 * The trigger handler on the local runtime: real embedded DynamoDB, the in-process queue and the
 * worker, so "started" means an execution record exists and the worker runs it to the end.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { startLocalEngine, type LocalEngine } from '../../lambda/local/local-engine';
import { createStateMachine } from '../../lambda/runtime/service';
import { createTriggerHandler, type BatchResponse } from '../../lambda/handlers/trigger';
import type { TriggerConfig } from '../../lambda/runtime/trigger-config';
import type { TriggerStart } from '../../lambda/runtime/triggers';
import type { TaskInvoker } from '../../lambda/ports';
import { ddbBatch, ddbRecord, eventBridgeEvent, kinesisBatch, kinesisRecord, order, orderKey, scheduledEvent, TABLE_STREAM_ARN } from './trigger-fixtures';

const HOLD_RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:hold';
let release: () => void = () => {};
let held = new Promise<void>((r) => (release = r));

/** Tasks on HOLD_RESOURCE wait until the test releases them: executions that stay RUNNING. */
const invoker: TaskInvoker = {
  invoke: async (req) => {
    if (req.resource === HOLD_RESOURCE) await held;
    return { ok: true, output: req.input };
  },
};

const ECHO = { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } };
const HOLD = { StartAt: 'Hold', States: { Hold: { Type: 'Task', Resource: HOLD_RESOURCE, End: true } } };

let engine: LocalEngine;
let machines = 0;

beforeAll(async () => {
  // A redelivered record can reach startExecution before the worker began the execution; it then
  // re-sends the start message, and a duplicate invoke that may follow waits out the task lease
  // (up to 900 s by default) before it sees the task answered. A short lease and visibility
  // timeout keep the queue's idle() prompt whatever the engine retries.
  engine = await startLocalEngine({ invoker, timeScale: 0, taskLeaseSeconds: 1, visibilityTimeoutSeconds: 2 });
});
afterAll(async () => {
  release();
  await engine?.close();
});

/** Waits until the worker has nothing left to do; a hang fails with the queue's state instead of a bare timeout. */
async function settle(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue not idle after 15 s: ${JSON.stringify(engine.queue.stats())}`)), 15000);
  });
  try {
    await Promise.race([engine.idle(), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh state machine per test, so each test sees only its own executions. */
async function machine(definition: object = ECHO): Promise<string> {
  const { stateMachineArn } = await createStateMachine(engine.deps, { name: `trigger-${++machines}`, definition: JSON.stringify(definition) });
  return stateMachineArn;
}

function trigger(config: TriggerConfig) {
  return createTriggerHandler(() => engine.deps, config);
}

/** Every execution of the machine, with its input parsed, in a stable order. */
async function executions(stateMachineArn: string) {
  const page = await engine.deps.store.listExecutions(stateMachineArn, { maxResults: 1000 });
  const all = await Promise.all(page.items.map((s) => engine.deps.store.getExecution(s.executionArn)));
  return all
    .map((e) => ({ name: e!.name, status: e!.status, input: JSON.parse(e!.input) as unknown, output: e!.output === undefined ? undefined : (JSON.parse(e!.output) as unknown) }))
    .sort((a, b) => byJson(a.input, b.input));
}

const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
const inputs = async (arn: string) => (await executions(arn)).map((e) => e.input);
const noFailures = { batchItemFailures: [] };

describe('DynamoDB Streams', () => {
  const expected = [
    { eventName: 'INSERT', keys: { pk: 'ORDER#1' }, newImage: { pk: 'ORDER#1', id: '1', status: 'NEW', total: 42.5, tags: ['gift', 'rush'], lines: [{ sku: 'A-1', qty: 2 }], big: '12345678901234567890', paid: false, note: null } },
    { eventName: 'MODIFY', keys: { pk: 'ORDER#2' }, newImage: { pk: 'ORDER#2', id: '2', status: 'PAID' }, oldImage: { pk: 'ORDER#2', id: '2', status: 'NEW' } },
    { eventName: 'REMOVE', keys: { pk: 'ORDER#3' }, oldImage: { pk: 'ORDER#3', id: '3', status: 'CANCELLED' } },
  ];

  it('starts one execution per record with the unmarshalled images, and never twice', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn });

    expect(await handle(ddbBatch())).toEqual(noFailures);
    expect(await inputs(arn)).toEqual(expected);

    // Redelivered (the event source retries from a failed record onwards): nothing new.
    expect(await handle(ddbBatch())).toEqual(noFailures);
    await settle();
    // Redelivered after the executions finished: ExecutionAlreadyExists is "already started".
    expect(await handle(ddbBatch())).toEqual(noFailures);

    const runs = await executions(arn);
    expect(runs).toHaveLength(3);
    for (const r of runs) {
      expect(r.status).toBe('SUCCEEDED');
      expect(r.output).toEqual(r.input);
      expect(r.name).toMatch(/^ddb-[0-9a-f]{64}$/);
    }
  });

  it('returns the same execution when the record comes again while it is still running', async () => {
    const arn = await machine(HOLD);
    const handle = trigger({ stateMachineArn: arn });
    expect(await handle(ddbBatch())).toEqual(noFailures);
    expect(await handle(ddbBatch())).toEqual(noFailures);
    const runs = await executions(arn);
    expect(runs.map((r) => r.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    release();
    await settle();
    held = new Promise<void>((r) => (release = r));
    expect((await executions(arn)).map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('starts only the event names asked for', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn, eventNames: ['INSERT', 'REMOVE'] });
    expect(await handle(ddbBatch())).toEqual(noFailures);
    expect((await inputs(arn)).map((i) => (i as { eventName: string }).eventName)).toEqual(['INSERT', 'REMOVE']);
  });

  it('reports only the record whose start failed, by its sequence number', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn });
    const huge = ddbRecord(9, 'INSERT', orderKey('9'), { newImage: order('9', 'NEW', { blob: { S: 'x'.repeat(300 * 1024) } }) });
    const batch: DynamoDBStreamEvent = { Records: [ddbBatch().Records[0], huge, ddbBatch().Records[1]] };

    expect(await handle(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: huge.dynamodb!.SequenceNumber }] });
    expect((await inputs(arn)).map((i) => (i as { keys: unknown }).keys)).toEqual([{ pk: 'ORDER#1' }, { pk: 'ORDER#2' }]);
  });

  it('reports every record when the state machine does not exist (they retry; nothing is dropped)', async () => {
    const handle = trigger({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope' });
    const batch = ddbBatch();
    expect(await handle(batch)).toEqual({ batchItemFailures: batch.Records.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber })) });
  });

  it('batchInput: one execution for the whole batch, once', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn, batchInput: true });
    expect(await handle(ddbBatch())).toEqual(noFailures);
    await settle();
    expect(await handle(ddbBatch())).toEqual(noFailures);
    const runs = await executions(arn);
    expect(runs).toHaveLength(1);
    expect(runs[0].input).toEqual({ records: [expected[0], expected[1], expected[2]] });
    expect(runs[0].name).toMatch(/^ddb-batch-[0-9a-f]{64}$/);
  });

  it('batchInput: a failed start reports every record of the batch', async () => {
    const handle = trigger({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope', batchInput: true });
    const batch = ddbBatch();
    expect(await handle(batch)).toEqual({ batchItemFailures: batch.Records.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber })) });
  });

  it('inputMapping template: JSONPath and JSON pointers on the default input, $$ on the raw record', async () => {
    const arn = await machine();
    const template = { orderId: '$.newImage.id', status: '/newImage/status', firstTag: '$.newImage.tags[0]', table: '$$.eventSourceARN', kind: 'order', price: '$5.00', previous: '$.oldImage.status', list: ['$.keys.pk', 'x'] };
    const handle = trigger({ stateMachineArn: arn, inputMapping: { template }, eventNames: ['INSERT'] });
    expect(await handle(ddbBatch())).toEqual(noFailures);
    // INSERT has no old image: "previous" is left out rather than failing the record.
    expect(await inputs(arn)).toEqual([{ orderId: '1', status: 'NEW', firstTag: 'gift', table: TABLE_STREAM_ARN, kind: 'order', price: '$5.00', list: ['ORDER#1', 'x'] }]);
  });

  it("inputMapping 'newImage' and 'record'", async () => {
    const a = await machine();
    expect(await trigger({ stateMachineArn: a, inputMapping: 'newImage', eventNames: ['MODIFY'] })(ddbBatch())).toEqual(noFailures);
    expect(await inputs(a)).toEqual([{ pk: 'ORDER#2', id: '2', status: 'PAID' }]);

    const b = await machine();
    expect(await trigger({ stateMachineArn: b, inputMapping: 'record', eventNames: ['REMOVE'] })(ddbBatch())).toEqual(noFailures);
    expect(await inputs(b)).toEqual([ddbBatch().Records[2]]);
  });
});

describe('Kinesis Data Streams', () => {
  it('starts one execution per record with the decoded data, and never twice', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn });
    const batch = kinesisBatch();
    expect(await handle(batch)).toEqual(noFailures);
    await settle();
    expect(await handle(kinesisBatch())).toEqual(noFailures);

    const runs = await executions(arn);
    expect(runs.map((r) => r.input)).toEqual(
      [
        { data: { page: '/home', ms: 120 }, partitionKey: 'user-1', sequenceNumber: batch.Records[0].kinesis.sequenceNumber },
        { data: 'plain text, not JSON', partitionKey: 'user-2', sequenceNumber: batch.Records[1].kinesis.sequenceNumber },
        { data: 17, partitionKey: 'user-3', sequenceNumber: batch.Records[2].kinesis.sequenceNumber },
      ].sort(byJson),
    );
    for (const r of runs) expect(r.name).toMatch(/^kds-[0-9a-f]{64}$/);
  });

  it('reports the record whose input is too large, by kinesis.sequenceNumber', async () => {
    const arn = await machine();
    const big = kinesisRecord(7, { blob: 'y'.repeat(300 * 1024) });
    const batch = { Records: [kinesisRecord(1, { ok: 1 }), big, kinesisRecord(2, { ok: 2 })] };
    expect(await trigger({ stateMachineArn: arn, inputMapping: 'data' })(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: big.kinesis.sequenceNumber }] });
    expect(await inputs(arn)).toEqual([{ ok: 1 }, { ok: 2 }]);
  });

  it("batchInput with inputMapping 'data'", async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn, inputMapping: 'data', batchInput: true });
    expect(await handle(kinesisBatch())).toEqual(noFailures);
    expect(await handle(kinesisBatch())).toEqual(noFailures);
    expect(await inputs(arn)).toEqual([{ records: [{ page: '/home', ms: 120 }, 'plain text, not JSON', 17] }]);
  });

  it("a mapping meant for another source fails the records instead of guessing ('newImage' on Kinesis)", async () => {
    const arn = await machine();
    const batch = kinesisBatch();
    expect(await trigger({ stateMachineArn: arn, inputMapping: 'newImage' })(batch)).toEqual({ batchItemFailures: batch.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) });
    expect(await inputs(arn)).toEqual([]);
  });
});

describe('EventBridge', () => {
  it('starts one execution per event id, and never twice', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn });
    const event = eventBridgeEvent('0d079340-135a-c8c6-95c2-41fb8f496c53');

    const first = (await handle(event)) as TriggerStart;
    expect(first.status).toBe('started');
    expect(first.name).toMatch(/^evb-[0-9a-f]{64}$/);
    await settle();
    const again = (await handle(event)) as TriggerStart;
    expect(again).toEqual({ ...first, status: 'alreadyStarted' });

    expect(await inputs(arn)).toEqual([{ id: event.id, source: 'com.example.shop', 'detail-type': 'Order Placed', time: '2024-05-01T12:00:00Z', resources: [], detail: { orderId: '9', amount: 10 } }]);
  });

  it('starts from a scheduled rule', async () => {
    const arn = await machine();
    const handle = trigger({ stateMachineArn: arn });
    await handle(scheduledEvent('a1b2c3d4-0000-4000-8000-000000000001'));
    await handle(scheduledEvent('a1b2c3d4-0000-4000-8000-000000000002'));
    const runs = await inputs(arn);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', resources: ['arn:aws:events:us-east-1:123456789012:rule/nightly-report'], detail: {} });
  });

  it('inputMapping template on the detail', async () => {
    const arn = await machine();
    await trigger({ stateMachineArn: arn, inputMapping: { template: { order: '$.detail.orderId', at: '$.time', account: '$$.account' } } })(eventBridgeEvent('e-1'));
    expect(await inputs(arn)).toEqual([{ order: '9', at: '2024-05-01T12:00:00Z', account: '123456789012' }]);
  });

  it('throws when the start fails, so EventBridge retries the event', async () => {
    const handle = trigger({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope' });
    await expect(handle(eventBridgeEvent('e-2'))).rejects.toMatchObject({ code: 'StateMachineDoesNotExist' });
  });
});

describe('the handler', () => {
  it('answers an empty batch with no failures and refuses events it does not know', async () => {
    const handle = trigger({ stateMachineArn: await machine() });
    expect(await handle({ Records: [] })).toEqual(noFailures);
    await expect(handle({ hello: 'world' } as never)).rejects.toThrow(/unsupported event/);
    expect((await handle(ddbBatch())) as BatchResponse).toEqual(noFailures);
  });
});
