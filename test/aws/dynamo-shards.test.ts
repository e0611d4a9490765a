/**
 * ListExecutions over the sharded list indexes (issue #16 item 7): executions spread over the shards,
 * read back merged in one order, paged with a token that holds every shard's position, status
 * filters, items written before sharding, and refused tokens. On the embedded DynamoDB (dynalite).
 */
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import { LIST_SHARDS, listShardOf } from '../../lambda/aws/dynamo-items';
import { startLocalDynamo, type LocalDynamo } from '../../lambda/local/embedded-dynamo';
import { InvalidPageToken, type ExecutionRecord } from '../../lambda/ports';
import type { ExecutionStatus } from '../../lambda/engine/types';
import { allPages } from './all-pages';

const ACCOUNT = 'arn:aws:states:us-east-1:111111111111';
const smArn = (sm: string) => `${ACCOUNT}:stateMachine:${sm}`;

let local: LocalDynamo;
let doc: DynamoDBDocumentClient;
let store: DynamoExecutionStore;

beforeAll(async () => {
  local = await startLocalDynamo({});
  doc = DynamoDBDocumentClient.from(local.client);
  store = new DynamoExecutionStore({ client: local.client, tableName: local.tableName });
});

afterAll(async () => {
  await local.close();
});

const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'SUCCEEDED', 'ABORTED'];

/** 20 executions; every fourth pair shares a start date, so the name decides their order. */
function executions(sm: string, count = 20): ExecutionRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `run-${String(i).padStart(2, '0')}`;
    const status = STATUSES[i % STATUSES.length];
    const second = String(Math.floor(i / 2) * 2).padStart(2, '0');
    return {
      executionArn: `${ACCOUNT}:execution:${sm}:${name}`,
      stateMachineArn: smArn(sm),
      stateMachineName: sm,
      revisionId: 'r1',
      name,
      status,
      input: '{}',
      startDate: `2024-06-01T10:00:${second}.000Z`,
      stopDate: status === 'RUNNING' ? undefined : `2024-06-01T11:00:${second}.000Z`,
      version: 0,
    };
  });
}

/** What ListExecutions promises: newest start date first; of equal start dates, the greater name first. */
function newestFirst(records: ExecutionRecord[]): string[] {
  return [...records]
    .sort((a, b) => (a.startDate === b.startDate ? (a.name < b.name ? 1 : -1) : a.startDate < b.startDate ? 1 : -1))
    .map((r) => r.name);
}

/** The index partitions an execution's item sits under, as stored. */
async function indexKeys(arn: string): Promise<{ gsi1pk?: string; gsi2pk?: string }> {
  const res = await doc.send(new QueryCommand({
    TableName: local.tableName, KeyConditionExpression: 'pk = :p AND sk = :s', ExpressionAttributeValues: { ':p': `EX#${arn}`, ':s': 'META' }, ConsistentRead: true,
  }));
  const item = res.Items?.[0] ?? {};
  return { gsi1pk: item.gsi1pk as string | undefined, gsi2pk: item.gsi2pk as string | undefined };
}

describe('a machine with 20 executions across the shards', () => {
  const sm = 'busy';
  const records = executions(sm);

  beforeAll(async () => {
    for (const r of records) expect(await store.createExecution(r)).toBe(true);
  });

  test('each execution is indexed under its shard, and the shards in use are many', async () => {
    const shards = new Set<number>();
    for (const r of records) {
      const n = listShardOf(r.name);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(LIST_SHARDS);
      shards.add(n);
      expect(await indexKeys(r.executionArn)).toEqual({ gsi1pk: `SMEX#${smArn(sm)}#${n}`, gsi2pk: `SMEX#${smArn(sm)}#${r.status}#${n}` });
    }
    expect(shards.size).toBeGreaterThanOrEqual(8); // 20 names over 16 shards
  });

  test('one page lists them newest first, as one partition would', async () => {
    const page = await store.listExecutions(smArn(sm));
    expect(page.nextToken).toBeUndefined();
    expect(page.items.map((e) => e.name)).toEqual(newestFirst(records));
    expect(page.items[0]).toEqual({
      executionArn: `${ACCOUNT}:execution:${sm}:run-19`, stateMachineArn: smArn(sm), name: 'run-19', status: 'ABORTED',
      startDate: '2024-06-01T10:00:18.000Z', stopDate: '2024-06-01T11:00:18.000Z',
    });
  });

  test.each([1, 2, 3, 4, 5, 6, 7])('pages of %i give the same sequence as one page, full pages, no token on the last', async (maxResults) => {
    const pages = await allPages((nextToken) => store.listExecutions(smArn(sm), { maxResults, nextToken }));
    expect(pages.flat().map((e) => e.name)).toEqual(newestFirst(records));
    expect(pages.length).toBe(Math.ceil(records.length / maxResults));
    for (const p of pages.slice(0, -1)) expect(p.length).toBe(maxResults);
  });

  test('a status filter reads the status index, paged the same way, and follows status changes', async () => {
    const succeeded = (rs: ExecutionRecord[]) => newestFirst(rs.filter((r) => r.status === 'SUCCEEDED'));
    for (const maxResults of [1, 3, 7]) {
      const pages = await allPages((nextToken) => store.listExecutions(smArn(sm), { statusFilter: 'SUCCEEDED', maxResults, nextToken }));
      expect(pages.flat().map((e) => e.name)).toEqual(succeeded(records));
    }
    const done = { ...records[0], status: 'SUCCEEDED' as const, stopDate: '2024-06-01T12:00:00.000Z', version: 1 };
    expect(await store.updateExecution(done, 0)).toBe(true);
    const after = records.map((r) => (r.name === done.name ? done : r));
    expect((await store.listExecutions(smArn(sm), { statusFilter: 'SUCCEEDED' })).items.map((e) => e.name)).toEqual(succeeded(after));
    expect((await store.listExecutions(smArn(sm), { statusFilter: 'RUNNING' })).items.map((e) => e.name)).toEqual(
      newestFirst(after.filter((r) => r.status === 'RUNNING')),
    );
  });

  test('refuses tokens that are malformed, of another listing, or tampered with', async () => {
    // a token where some shard is part-read (its position is a key): a shard read to its end is marked done
    const decoded = (t: string) => JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as { q: string; s: unknown[] };
    const keyed = (s: unknown[]) => s.findIndex((p) => typeof p === 'object' && p !== null);
    let token: string | undefined;
    do token = (await store.listExecutions(smArn(sm), { maxResults: 3, nextToken: token })).nextToken;
    while (token !== undefined && keyed(decoded(token).s) < 0);
    if (token === undefined) throw new Error('no page left a shard part-read');
    const list = (over: { sm?: string; statusFilter?: ExecutionStatus; nextToken: string }) =>
      store.listExecutions(smArn(over.sm ?? sm), { maxResults: 3, statusFilter: over.statusFilter, nextToken: over.nextToken });
    const original = token;
    const reencode = (f: (t: { q: string; s: unknown[] }) => unknown) => Buffer.from(JSON.stringify(f(decoded(original))), 'utf8').toString('base64url');

    await expect(list({ nextToken: token })).resolves.toMatchObject({ items: expect.any(Array) });
    await expect(list({ nextToken: 'not-a-token!' })).rejects.toBeInstanceOf(InvalidPageToken);
    await expect(list({ sm: 'other', nextToken: token })).rejects.toBeInstanceOf(InvalidPageToken);
    await expect(list({ statusFilter: 'RUNNING', nextToken: token })).rejects.toBeInstanceOf(InvalidPageToken);
    // a shard's position moved to another shard
    const moved = (s: unknown[]) => { const i = keyed(s); const out = [...s]; [out[i], out[(i + 1) % s.length]] = [s[(i + 1) % s.length], s[i]]; return out; };
    await expect(list({ nextToken: reencode((t) => ({ ...t, s: moved(t.s) })) })).rejects.toBeInstanceOf(InvalidPageToken);
    await expect(list({ nextToken: reencode((t) => ({ ...t, s: t.s.slice(1) })) })).rejects.toBeInstanceOf(InvalidPageToken);
    await expect(list({ nextToken: reencode((t) => ({ ...t, s: t.s.map(() => 2) })) })).rejects.toBeInstanceOf(InvalidPageToken);
    // a token of the state machine listing (one key, no shards)
    await store.putStateMachine({ name: 'a', arn: smArn('a'), definition: '{}', roleArn: 'arn:aws:iam::111111111111:role/r', type: 'STANDARD', status: 'ACTIVE', creationDate: '2024-05-01T09:00:00.000Z', revisionId: 'r' });
    await store.putStateMachine({ name: 'b', arn: smArn('b'), definition: '{}', roleArn: 'arn:aws:iam::111111111111:role/r', type: 'STANDARD', status: 'ACTIVE', creationDate: '2024-05-01T09:00:00.000Z', revisionId: 'r' });
    const machines = await store.listStateMachines({ maxResults: 1 });
    await expect(list({ nextToken: machines.nextToken as string })).rejects.toBeInstanceOf(InvalidPageToken);
  });
});

describe('items indexed before sharding (bare SMEX#<arn> partitions)', () => {
  const sm = 'legacy';
  const records = executions(sm, 12);
  const old = records.filter((_, i) => i % 3 === 0);

  beforeAll(async () => {
    for (const r of records) expect(await store.createExecution(r)).toBe(true);
    // rewrite every third item's index keys as the store wrote them before the shards
    for (const r of old) {
      await doc.send(new UpdateCommand({
        TableName: local.tableName, Key: { pk: `EX#${r.executionArn}`, sk: 'META' },
        UpdateExpression: 'SET gsi1pk = :a, gsi2pk = :b',
        ExpressionAttributeValues: { ':a': `SMEX#${smArn(sm)}`, ':b': `SMEX#${smArn(sm)}#${r.status}` },
      }));
    }
  });

  test('are listed with the sharded ones, in order, on every page size', async () => {
    expect(await indexKeys(old[0].executionArn)).toEqual({ gsi1pk: `SMEX#${smArn(sm)}`, gsi2pk: `SMEX#${smArn(sm)}#${old[0].status}` });
    for (const maxResults of [1, 2, 5, 100]) {
      const pages = await allPages((nextToken) => store.listExecutions(smArn(sm), { maxResults, nextToken }));
      expect(pages.flat().map((e) => e.name)).toEqual(newestFirst(records));
    }
    const failed = await store.listExecutions(smArn(sm), { statusFilter: 'FAILED' });
    expect(failed.items.map((e) => e.name)).toEqual(newestFirst(records.filter((r) => r.status === 'FAILED')));
  });

  test('move to their shard at their next write, listed once', async () => {
    const r = old.find((x) => x.status === 'RUNNING') as ExecutionRecord;
    expect(await store.updateExecution({ ...r, status: 'FAILED', stopDate: '2024-06-01T12:00:00.000Z', version: 1 }, 0)).toBe(true);
    const n = listShardOf(r.name);
    expect(await indexKeys(r.executionArn)).toEqual({ gsi1pk: `SMEX#${smArn(sm)}#${n}`, gsi2pk: `SMEX#${smArn(sm)}#FAILED#${n}` });
    const names = (await store.listExecutions(smArn(sm))).items.map((e) => e.name);
    expect(names).toEqual(newestFirst(records));
  });
});
