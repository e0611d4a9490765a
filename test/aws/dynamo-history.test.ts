/**
 * History as step items (one item per commit, its events' ids contiguous) and the compact execution
 * record: what each write stores, and that GetExecutionHistory's paging in both directions returns
 * every event once, in order, across item boundaries, the older one-event items included.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import type { HistoryEvent } from '../../lambda/engine/history';
import type { ExecutionRecord } from '../../lambda/ports';
import type { ExecutionSnapshot } from '../../lambda/engine/types';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';

const TABLE = 'history-test';
const arnOf = (name: string) => `arn:aws:states:us-east-1:111111111111:execution:sm:${name}`;
let local: LocalDynamo;
let doc: DynamoDBDocumentClient;
let store: DynamoExecutionStore;

beforeAll(async () => {
  local = await startLocalDynamo({ tableName: TABLE });
  doc = DynamoDBDocumentClient.from(local.client);
  store = new DynamoExecutionStore({ client: local.client, tableName: TABLE });
});

afterAll(async () => {
  await local.close();
});

const event = (id: number, name = `S${id}`): HistoryEvent => ({ timestamp: '2024-05-01T10:00:00.000Z', type: 'PassStateEntered', id, previousEventId: id - 1, stateEnteredEventDetails: { name, input: '{"order":{"id":"o-1"}}' } });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (events: HistoryEvent[]) => events.map((e) => e.id);

async function historyItems(arn: string) {
  return (await doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)', ExpressionAttributeValues: { ':p': `EX#${arn}`, ':s': 'EV#' } }))).Items ?? [];
}

async function pages(arn: string, maxResults: number, reverseOrder: boolean): Promise<number[][]> {
  const out: number[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.getHistory(arn, { maxResults, nextToken, reverseOrder });
    out.push(ids(page.items));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

test('a commit\'s events are one item, keyed by the first id; a repeated append writes the same item', async () => {
  const arn = arnOf('steps');
  await store.appendHistory(arn, range(1, 6).map((id) => event(id)));
  await store.appendHistory(arn, range(7, 13).map((id) => event(id)));
  await store.appendHistory(arn, range(7, 13).map((id) => event(id))); // a redelivered outbox
  const items = await historyItems(arn);
  expect(items.map((i) => [i.sk, i.first, i.last])).toEqual([
    ['EV#000000000001', 1, 6],
    ['EV#000000000007', 7, 13],
  ]);
  expect(ids((await store.getHistory(arn)).items)).toEqual(range(1, 13));
});

test('ids that jump start a new item (items hold contiguous ids)', async () => {
  const arn = arnOf('gaps');
  await store.appendHistory(arn, [event(3), event(1), event(2), event(8)]);
  expect((await historyItems(arn)).map((i) => [i.first, i.last])).toEqual([[1, 3], [8, 8]]);
});

describe('paging across step items', () => {
  const arn = arnOf('paged');
  beforeAll(async () => {
    // steps of 7 events, a step that overlaps its predecessor, and two items of the older one-event layout
    for (let first = 1; first <= 70; first += 7) await store.appendHistory(arn, range(first, first + 6).map((id) => event(id)));
    await store.appendHistory(arn, range(65, 75).map((id) => event(id)));
    for (const id of [76, 77]) await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: `EX#${arn}`, sk: `EV#${String(id).padStart(12, '0')}`, id, event: JSON.stringify(event(id)) } }));
  });

  test.each([1, 3, 7, 10, 100])('forward, %i a page: every event once, in order', async (size) => {
    const got = await pages(arn, size, false);
    expect(got.flat()).toEqual(range(1, 77));
    expect(got.slice(0, -1).every((p) => p.length === size)).toBe(true);
  });

  test.each([1, 3, 7, 10, 100])('reverse, %i a page: every event once, newest first', async (size) => {
    const got = await pages(arn, size, true);
    expect(got.flat()).toEqual(range(1, 77).reverse());
    expect(got.slice(0, -1).every((p) => p.length === size)).toBe(true);
  });

  test('a forward token is refused in reverse and for another execution', async () => {
    const { nextToken } = await store.getHistory(arn, { maxResults: 5 });
    await expect(store.getHistory(arn, { maxResults: 5, nextToken, reverseOrder: true })).rejects.toMatchObject({ name: 'InvalidPageToken' });
    await expect(store.getHistory(arnOf('other'), { maxResults: 5, nextToken })).rejects.toMatchObject({ name: 'InvalidPageToken' });
  });
});

test('a step\'s events are gzipped when that saves a write unit, and read back the same', async () => {
  const arn = arnOf('gz');
  const events = range(1, 12).map((id) => event(id, `a-state-with-a-long-name-${id}`));
  await store.appendHistory(arn, events);
  const [item] = await historyItems(arn);
  expect(item.eventsGz).toBeInstanceOf(Uint8Array);
  expect((await store.getHistory(arn)).items).toEqual(events);
});

test('the record stores the execution input once: the snapshot\'s copy is put back on read', async () => {
  const input = JSON.stringify({ order: { id: 'o-1', lines: range(1, 20) } });
  const snapshot = { formatVersion: 1, execution: { arn: arnOf('once'), name: 'once', input: JSON.parse(input) as unknown, startTime: '2024-05-01T10:00:00.000Z' }, status: 'RUNNING', nextEventId: 1, nextToken: 1, transitions: 0, runs: {} } as unknown as ExecutionSnapshot;
  const rec: ExecutionRecord = { executionArn: arnOf('once'), stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:sm', stateMachineName: 'sm', revisionId: 'r', name: 'once', status: 'RUNNING', input, startDate: '2024-05-01T10:00:00.000Z', version: 0, snapshot };
  expect(await store.createExecution(rec)).toBe(true);
  const raw = (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `EX#${arnOf('once')}`, sk: 'META' } }))).Item!;
  expect(raw.snapshot).not.toContain('"lines"');
  expect((await store.getExecution(arnOf('once')))?.snapshot).toEqual(snapshot);
});
