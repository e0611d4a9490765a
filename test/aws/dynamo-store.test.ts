import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoExecutionStore, type TtlSubject } from '../../lambda/aws/dynamo-store';
import { STEPWRIGHT_TABLE_SCHEMA, tableDefinition } from '../../lambda/aws/table-schema';
import type { HistoryEvent } from '../../lambda/engine/history';
import type { ExecutionSnapshot } from '../../lambda/engine/types';
import { startLocalDynamo } from '../../lambda/local/embedded-dynamo';
import { InvalidPageSize, InvalidPageToken, type ExecutionRecord, type StateMachineRecord } from '../../lambda/ports';
import { allPages } from './all-pages';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs?: number }) => Server;

const TABLE = 'stepwright-test';
const ACCOUNT = 'arn:aws:states:us-east-1:111111111111';
const smArn = (sm: string) => `${ACCOUNT}:stateMachine:${sm}`;
const execArn = (sm: string, name: string) => `${ACCOUNT}:execution:${sm}:${name}`;

let server: Server;
let endpoint: string;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let store: DynamoExecutionStore;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  client = newClient();
  doc = DynamoDBDocumentClient.from(client);
  await client.send(new CreateTableCommand(tableDefinition(TABLE)));
  await waitActive();
  store = new DynamoExecutionStore({ client, tableName: TABLE });
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
});

function newClient(extra: { maxAttempts?: number } = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, ...extra });
}

async function waitActive(): Promise<void> {
  for (;;) {
    const res = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    if (res.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}


/** A record as read back: as written, plus the write time the store stamps on every write (the reconciler's measure). */
const stamped = <T extends object>(rec: T) => ({ ...rec, updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

// ------------------------------------------------------------------ fixtures

function snapshot(extra: Record<string, unknown> = {}): ExecutionSnapshot {
  return { formatVersion: 1, status: 'RUNNING', nextEventId: 3, nextToken: 1, transitions: 1, runs: {}, ...extra } as unknown as ExecutionSnapshot;
}

/** Random text compresses to about half, so 2 MB of it needs chunks even gzipped. */
function bigSnapshot(bytes: number): ExecutionSnapshot {
  return snapshot({ runs: { big: { items: randomBytes(bytes / 2).toString('hex') } } });
}

function execution(sm: string, name: string, over: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    executionArn: execArn(sm, name),
    stateMachineArn: smArn(sm),
    stateMachineName: sm,
    revisionId: 'r1',
    name,
    status: 'RUNNING',
    input: '{"a":1}',
    startDate: '2024-05-01T10:00:00.000Z',
    version: 0,
    ...over,
  };
}

function event(id: number, extra: Record<string, unknown> = {}): HistoryEvent {
  return { timestamp: '2024-05-01T10:00:00.000Z', type: 'PassStateEntered', id, previousEventId: id - 1, ...extra };
}

function stateMachine(name: string, over: Partial<StateMachineRecord> = {}): StateMachineRecord {
  return {
    name,
    arn: smArn(name),
    definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
    roleArn: 'arn:aws:iam::111111111111:role/r',
    type: 'STANDARD',
    status: 'ACTIVE',
    creationDate: '2024-05-01T09:00:00.000Z',
    revisionId: 'rev-1',
    ...over,
  };
}

async function rawMeta(arn: string) {
  return (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `EX#${arn}`, sk: 'META' }, ConsistentRead: true }))).Item;
}

/** Every item of an execution's partition whose sort key starts with `prefix` (Query stops at 1 MB a page). */
async function partitionItems(arn: string, prefix: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': `EX#${arn}`, ':s': prefix },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}

async function chunkKeys(arn: string): Promise<string[]> {
  return (await partitionItems(arn, 'BLOB#')).map((i) => i.sk as string);
}

// ------------------------------------------------------------------ schema

test('the exported definition creates the table with both indexes', async () => {
  const res = await client.send(new DescribeTableCommand({ TableName: TABLE }));
  expect(res.Table?.KeySchema).toEqual([
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ]);
  expect(res.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2']);
  expect(tableDefinition('t').BillingMode).toBe('PAY_PER_REQUEST');
  expect(STEPWRIGHT_TABLE_SCHEMA.ttlAttribute).toBe('expiresAt');
});

// ------------------------------------------------------------------ executions

describe('executions', () => {
  test('create and get round-trip every field, including JSON a DynamoDB map could not hold', async () => {
    const exec = execution('sm', 'roundtrip', {
      traceId: 'Root=1-abc',
      snapshot: snapshot({ runs: { '': { '': '', list: [1, null, { x: '' }] } } }),
      outbox: { events: [event(1, { details: { '': 'empty key' } })], messages: [{ body: { kind: 'start', executionArn: 'x' }, delaySeconds: 5 }] },
    });
    expect(await store.createExecution(exec)).toBe(true);
    expect(await store.getExecution(exec.executionArn)).toEqual(stamped(exec));
    expect(await store.getExecution(execArn('sm', 'missing'))).toBeUndefined();
  });

  test('createExecution is idempotent on the ARN: a second create returns false and changes nothing', async () => {
    const first = execution('sm', 'once', { input: '{"first":true}' });
    expect(await store.createExecution(first)).toBe(true);
    expect(await store.createExecution({ ...first, input: '{"second":true}', status: 'FAILED' })).toBe(false);
    expect(await store.getExecution(first.executionArn)).toEqual(stamped(first));
  });

  test('updateExecution applies only on the expected version; of two racing writers one wins', async () => {
    const exec = execution('sm', 'race');
    await store.createExecution(exec);
    const a = { ...exec, version: 1, snapshot: snapshot({ transitions: 10 }) };
    const b = { ...exec, version: 1, snapshot: snapshot({ transitions: 20 }), status: 'SUCCEEDED' as const, output: '{}' };
    const results = await Promise.all([store.updateExecution(a, 0), store.updateExecution(b, 0)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? a : b;
    expect(await store.getExecution(exec.executionArn)).toEqual(stamped(winner));

    expect(await store.updateExecution({ ...a, version: 1 }, 0)).toBe(false); // stale
    expect(await store.updateExecution({ ...winner, version: 2 }, 1)).toBe(true);
    expect(await store.updateExecution(execution('sm', 'never-created', { version: 1 }), 0)).toBe(false);
  });

  test('updateExecution insists on exec.version = expectedVersion + 1', async () => {
    await expect(store.updateExecution(execution('sm', 'x', { version: 5 }), 5)).rejects.toThrow(/expectedVersion \+ 1/);
  });

  test('a write whose response was lost and is retried by the SDK still reports success', async () => {
    const flaky = newClient({ maxAttempts: 3 });
    let dropped = false;
    flaky.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const target = (args.request as { headers?: Record<string, string> }).headers?.['x-amz-target'];
        if (!dropped && target?.endsWith('PutItem')) {
          dropped = true; // the write happened; pretend the connection died before the answer came
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
        }
        return out;
      },
      { step: 'deserialize', name: 'loseFirstPutResponse' },
    );
    const flakyStore = new DynamoExecutionStore({ client: flaky, tableName: TABLE });
    const exec = execution('sm', 'lost-response');
    expect(await flakyStore.createExecution(exec)).toBe(true);
    expect(dropped).toBe(true);
    expect(await store.getExecution(exec.executionArn)).toEqual(stamped(exec));
    flaky.destroy();
  });

  test('a 2 MB snapshot round-trips through chunks; a losing writer corrupts nothing; stale chunks go', async () => {
    const exec = execution('sm', 'big');
    await store.createExecution(exec);
    const v1 = { ...exec, version: 1, snapshot: bigSnapshot(2 * 1024 * 1024) };
    expect(await store.updateExecution(v1, 0)).toBe(true);
    const meta = await rawMeta(exec.executionArn);
    expect(meta?.blobChunks).toBeGreaterThan(1);
    expect(meta?.snapshot).toBeUndefined();
    expect(await store.getExecution(exec.executionArn)).toEqual(stamped(v1));

    // Two writers race from version 1, each with its own 2 MB snapshot.
    const a = { ...v1, version: 2, snapshot: bigSnapshot(2 * 1024 * 1024) };
    const b = { ...v1, version: 2, snapshot: bigSnapshot(2 * 1024 * 1024) };
    const other = new DynamoExecutionStore({ client, tableName: TABLE }); // knows no versions: uses ALL_OLD
    const results = await Promise.all([store.updateExecution(a, 1), other.updateExecution(b, 1)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? a : b;
    expect(await other.getExecution(exec.executionArn)).toEqual(stamped(winner));

    // Only the winner's chunks remain: version 1's and the loser's were deleted.
    const winnerAttempt = (await rawMeta(exec.executionArn))?.blobAttempt as string;
    const keys = await chunkKeys(exec.executionArn);
    expect(keys.length).toBe((await rawMeta(exec.executionArn))?.blobChunks);
    expect(keys.every((k) => k.startsWith(`BLOB#${winnerAttempt}#`))).toBe(true);

    // Shrinking back to an inline record drops the chunks too.
    const small = { ...winner, version: 3, snapshot: snapshot() };
    const fresh = new DynamoExecutionStore({ client, tableName: TABLE }); // must learn the old chunks from ALL_OLD
    expect(await fresh.updateExecution(small, 2)).toBe(true);
    expect(await chunkKeys(exec.executionArn)).toEqual([]);
    expect(await store.getExecution(exec.executionArn)).toEqual(stamped(small));
  });

  test('a reader whose chunks are replaced between its two reads reads the newer version', async () => {
    const v0 = execution('sm', 'reread', { snapshot: bigSnapshot(1024 * 1024) });
    await store.createExecution(v0);
    expect((await rawMeta(v0.executionArn))?.blobChunks).toBeGreaterThan(1);
    const v1 = { ...v0, version: 1, snapshot: bigSnapshot(1024 * 1024) };
    const reader = new DynamoExecutionStore({ client, tableName: TABLE });
    // Let the update (which deletes v0's chunks) land right after the reader has read v0's META.
    const internals = reader as unknown as { get: (...args: unknown[]) => Promise<unknown> };
    const get = internals.get.bind(reader);
    let metaReads = 0;
    internals.get = async (...args) => {
      const item = await get(...args);
      if (metaReads++ === 0) expect(await store.updateExecution(v1, 0)).toBe(true);
      return item;
    };
    expect(await reader.getExecution(v0.executionArn)).toEqual(stamped(v1));
    expect(metaReads).toBe(2);
  });

  test('a large but compressible record is stored gzipped inline', async () => {
    const exec = execution('sm', 'gz', { snapshot: snapshot({ runs: { big: 'abc'.repeat(300_000) } }) });
    await store.createExecution(exec);
    const meta = await rawMeta(exec.executionArn);
    expect(meta?.bodyGz).toBeInstanceOf(Uint8Array);
    expect(meta?.blobAttempt).toBeUndefined();
    expect(await store.getExecution(exec.executionArn)).toEqual(stamped(exec));
  });
});

// ------------------------------------------------------------------ task claims

test('claimTask grants one claim per token until its lease runs out', async () => {
  let now = new Date('2024-06-01T00:00:00.000Z');
  const s = new DynamoExecutionStore({ client, tableName: TABLE, clock: { now: () => now } });
  const arn = execArn('sm', 'claims');
  expect(await s.claimTask(arn, 't1', 60)).toBe(true);
  expect(await s.claimTask(arn, 't1', 60)).toBe(false); // duplicate delivery
  expect(await s.claimTask(arn, 't2', 60)).toBe(true); // another attempt
  now = new Date(now.getTime() + 59_000);
  expect(await s.claimTask(arn, 't1', 60)).toBe(false);
  now = new Date(now.getTime() + 1_000);
  expect(await s.claimTask(arn, 't1', 60)).toBe(true); // lease over: the crash window reopens
  const item = (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `EX#${arn}`, sk: 'CLAIM#t1' } }))).Item;
  expect(item?.expiresAt).toBe(now.getTime() / 1000 + 60);
  expect(await s.getHistory(arn)).toEqual({ items: [] }); // claims are not history
});

test('holdClaim: an inline task\'s claim, held as an item until the commit\'s lease, and never over an existing claim', async () => {
  let now = new Date('2024-06-01T00:00:00.000Z');
  const s = new DynamoExecutionStore({ client, tableName: TABLE, clock: { now: () => now } });
  const arn = execArn('sm', 'held-claims');
  const leaseUntil = now.getTime() + 90_000;
  await s.holdClaim(arn, 't1', leaseUntil);
  expect(await s.claimTask(arn, 't1', 60)).toBe(false); // the invoke message the flush sent waits out the lease
  now = new Date(leaseUntil);
  expect(await s.claimTask(arn, 't1', 60)).toBe(true); // lease over: the crash window, as for any claim
  // a claim that exists already is kept (a second flusher does not extend or shorten it)
  await s.holdClaim(arn, 't1', now.getTime() + 3_600_000);
  const item = (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `EX#${arn}`, sk: 'CLAIM#t1' } }))).Item;
  expect(item?.leaseUntil).toBe(now.getTime() + 60_000);
});

test('every write stamps updatedAt with the store clock', async () => {
  let now = new Date('2024-06-01T00:00:00.000Z');
  const s = new DynamoExecutionStore({ client, tableName: TABLE, clock: { now: () => now } });
  const exec = execution('sm', 'stamped');
  await s.createExecution(exec);
  expect((await s.getExecution(exec.executionArn))!.updatedAt).toBe('2024-06-01T00:00:00.000Z');
  now = new Date('2024-06-01T00:05:00.000Z');
  await s.updateExecution({ ...exec, version: 1 }, 0);
  expect((await s.getExecution(exec.executionArn))!.updatedAt).toBe('2024-06-01T00:05:00.000Z');
});

test('claimTask with a sole holder: a claim left by another (dead) holder is taken over at once, its own is not', async () => {
  const s = new DynamoExecutionStore({ client, tableName: TABLE });
  const arn = execArn('sm', 'sole-claims');
  expect(await s.claimTask(arn, 't1', 900, 'process-1')).toBe(true);
  expect(await s.claimTask(arn, 't1', 900, 'process-1')).toBe(false); // a duplicate delivery in the same process
  expect(await s.claimTask(arn, 't1', 900, 'process-2')).toBe(true); // the restarted process: process-1 died with its task
  expect(await s.claimTask(arn, 't1', 900, 'process-2')).toBe(false);
  expect(await s.claimTask(arn, 't1', 900)).toBe(false); // without a sole holder, the lease still rules
  expect(await s.claimTask(arn, 't2', 900)).toBe(true);
  expect(await s.claimTask(arn, 't2', 900, 'process-3')).toBe(true); // a claim with no holder: not a live process's
});

// ------------------------------------------------------------------ history

describe('history', () => {
  const arn = execArn('sm', 'history');
  const ids = (events: HistoryEvent[]) => events.map((e) => e.id);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => {
    const events = range(1, 2500).map((id) => event(id, { stateEnteredEventDetails: { name: `S${id}`, input: '{}' } }));
    await store.appendHistory(arn, events.slice(0, 1200));
    await store.appendHistory(arn, events.slice(1000)); // overlaps 1000..1200: a redelivered outbox
    await store.appendHistory(arn, [event(7, { stateEnteredEventDetails: { name: 'S7', input: '{}' } }), event(7, { stateEnteredEventDetails: { name: 'S7', input: '{}' } })]);
  });

  test('is idempotent by event id and pages forward with nextToken', async () => {
    const pages = await allPages((nextToken) => store.getHistory(arn, { maxResults: 1000, nextToken }));
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
    expect(ids(pages.flat())).toEqual(range(1, 2500));
    expect(pages.flat()[6]).toEqual(event(7, { stateEnteredEventDetails: { name: 'S7', input: '{}' } }));
  });

  test('pages in reverse, and the last page carries no token', async () => {
    const pages = await allPages((nextToken) => store.getHistory(arn, { maxResults: 500, nextToken, reverseOrder: true }));
    expect(pages.map((p) => p.length)).toEqual([500, 500, 500, 500, 500]);
    expect(ids(pages.flat())).toEqual(range(1, 2500).reverse());
  });

  test('defaults to pages of 100, as AWS does, and refuses foreign or malformed tokens', async () => {
    const first = await store.getHistory(arn);
    expect(first.items).toHaveLength(100);
    // the store's own errors (ports.ts); the runtime turns them into the API's (test/runtime/page-errors.test.ts)
    await expect(store.getHistory(execArn('sm', 'other'), { nextToken: first.nextToken })).rejects.toBeInstanceOf(InvalidPageToken);
    await expect(store.getHistory(arn, { nextToken: 'not-a-token' })).rejects.toBeInstanceOf(InvalidPageToken);
    await expect(store.getHistory(arn, { maxResults: 1001 })).rejects.toBeInstanceOf(InvalidPageSize);
  });

  test('an execution without events has an empty history', async () => {
    expect(await store.getHistory(execArn('sm', 'quiet'))).toEqual({ items: [] });
  });
});

// ------------------------------------------------------------------ listing executions

describe('listExecutions', () => {
  const sm = 'lister';
  const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'SUCCEEDED', 'RUNNING', 'SUCCEEDED', 'ABORTED'] as const;
  const execs = statuses.map((status, i) =>
    execution(sm, `e${i}`, { status, startDate: `2024-05-0${i + 1}T10:00:00.000Z`, stopDate: status === 'RUNNING' ? undefined : `2024-05-0${i + 1}T11:00:00.000Z` }),
  );

  beforeAll(async () => {
    for (const e of execs) await store.createExecution(e);
  });

  test('lists newest first, as summaries, across pages', async () => {
    const pages = await allPages((nextToken) => store.listExecutions(smArn(sm), { maxResults: 3, nextToken }));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((e) => e.name)).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
    expect(pages[0][0]).toEqual({
      executionArn: execArn(sm, 'e6'), stateMachineArn: smArn(sm), name: 'e6', status: 'ABORTED',
      startDate: '2024-05-07T10:00:00.000Z', stopDate: '2024-05-07T11:00:00.000Z',
    });
  });

  test('filters by status, paging too, and follows status changes', async () => {
    const pages = await allPages((nextToken) => store.listExecutions(smArn(sm), { statusFilter: 'SUCCEEDED', maxResults: 2, nextToken }));
    expect(pages.flat().map((e) => e.name)).toEqual(['e5', 'e3', 'e1']);

    expect(await store.updateExecution({ ...execs[4], version: 1, status: 'SUCCEEDED', stopDate: '2024-05-05T12:00:00.000Z' }, 0)).toBe(true);
    expect((await store.listExecutions(smArn(sm), { statusFilter: 'SUCCEEDED' })).items.map((e) => e.name)).toEqual(['e5', 'e4', 'e3', 'e1']);
    expect((await store.listExecutions(smArn(sm), { statusFilter: 'RUNNING' })).items.map((e) => e.name)).toEqual(['e0']);
    expect((await store.listExecutions(smArn('nothing'))).items).toEqual([]);
  });

  test('a token is bound to its filter', async () => {
    const page = await store.listExecutions(smArn(sm), { maxResults: 1 });
    await expect(store.listExecutions(smArn(sm), { statusFilter: 'FAILED', nextToken: page.nextToken })).rejects.toBeInstanceOf(InvalidPageToken);
  });
});

// ------------------------------------------------------------------ state machines

describe('state machines', () => {
  test('put, refuse a duplicate, replace, keep every revision, delete META only', async () => {
    const v1 = stateMachine('flow');
    expect(await store.putStateMachine(v1)).toBe(true);
    expect(await store.putStateMachine({ ...v1, revisionId: 'rev-x', definition: '{}' })).toBe(false);
    expect(await store.getStateMachine(v1.arn)).toEqual(v1);

    const v2 = { ...v1, revisionId: 'rev-2', definition: '{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}', updateDate: '2024-05-02T00:00:00.000Z', description: 'second' };
    expect(await store.putStateMachine(v2, { replace: true })).toBe(true);
    expect(await store.getStateMachine(v1.arn)).toEqual(v2);
    expect(await store.getDefinitionRevision(v1.arn, 'rev-1')).toBe(v1.definition);
    expect(await store.getDefinitionRevision(v1.arn, 'rev-2')).toBe(v2.definition);
    expect(await store.getDefinitionRevision(v1.arn, 'rev-9')).toBeUndefined();

    await store.deleteStateMachine(v1.arn);
    expect(await store.getStateMachine(v1.arn)).toBeUndefined();
    expect(await store.getDefinitionRevision(v1.arn, 'rev-1')).toBe(v1.definition); // running executions still need it
    expect((await store.listStateMachines()).items.map((s) => s.name)).not.toContain('flow');
  });

  test('lists every state machine across pages', async () => {
    const names = ['list-a', 'list-b', 'list-c', 'list-d', 'list-e'];
    for (const n of names) await store.putStateMachine(stateMachine(n));
    const pages = await allPages((nextToken) => store.listStateMachines({ maxResults: 2, nextToken }));
    const listed = pages.flat().filter((s) => s.name.startsWith('list-'));
    expect(listed.map((s) => s.name)).toEqual(names);
    expect(listed[0]).toEqual(stateMachine('list-a'));
  });

  test('a large definition is stored compressed and read back intact', async () => {
    const states = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`S${i}`, { Type: 'Pass', Next: `S${i + 1}`, Comment: 'x'.repeat(60) }]));
    const sm = stateMachine('huge', { definition: JSON.stringify({ StartAt: 'S0', States: states }) });
    expect(sm.definition.length).toBeGreaterThan(400 * 1024);
    expect(await store.putStateMachine(sm)).toBe(true);
    expect(await store.getStateMachine(sm.arn)).toEqual(sm);
    expect(await store.getDefinitionRevision(sm.arn, sm.revisionId)).toBe(sm.definition);
  });
});

// ------------------------------------------------------------------ retention TTL

describe('retention TTL', () => {
  const now = new Date('2024-06-01T00:00:00.000Z');
  const nowSeconds = now.getTime() / 1000;
  const seen: TtlSubject[] = [];
  const ttlStore = () =>
    new DynamoExecutionStore({
      client: doc,
      tableName: TABLE,
      clock: { now: () => now },
      ttlSeconds: (subject) => {
        seen.push(subject);
        return subject.stateMachineArn === smArn('retained') ? 3600 : undefined;
      },
    });

  test('stamps expiresAt on execution, chunk and history items of a state machine with retention', async () => {
    const s = ttlStore();
    const exec = execution('retained', 'ttl', { snapshot: bigSnapshot(1024 * 1024) });
    await s.createExecution(exec);
    await s.appendHistory(exec.executionArn, [event(1), event(2)]);

    expect((await rawMeta(exec.executionArn))?.expiresAt).toBe(nowSeconds + 3600);
    const chunks = await partitionItems(exec.executionArn, 'BLOB#');
    const events = await partitionItems(exec.executionArn, 'EV#');
    expect(chunks.length).toBeGreaterThan(0);
    expect(events).toHaveLength(1); // one step item holds both events
    for (const item of [...chunks, ...events]) expect(item.expiresAt).toBe(nowSeconds + 3600);
    expect(seen.some((x) => x.execution === undefined && x.stateMachineArn === smArn('retained'))).toBe(true); // history derives the SM ARN
    expect(await s.getExecution(exec.executionArn)).toEqual(stamped(exec));
  });

  test('writes no expiresAt when the hook gives none', async () => {
    const s = ttlStore();
    const exec = execution('forever', 'ttl');
    await s.createExecution(exec);
    await s.appendHistory(exec.executionArn, [event(1)]);
    expect((await rawMeta(exec.executionArn))?.expiresAt).toBeUndefined();
    const ev = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `EX#${exec.executionArn}`, sk: 'EV#000000000001' } }));
    expect(ev.Item).toBeDefined();
    expect(ev.Item?.expiresAt).toBeUndefined();
  });
});

// ------------------------------------------------------------------ embedded DynamoDB

describe('startLocalDynamo', () => {
  test('in memory: creates the table and serves the store', async () => {
    const local = await startLocalDynamo({});
    try {
      expect(local.socketPath).toMatch(/dynamodb\.sock$/); // a private socket, no TCP port
      const s = new DynamoExecutionStore({ client: local.client, tableName: local.tableName });
      const exec = execution('mem', 'one');
      expect(await s.createExecution(exec)).toBe(true);
      expect(await s.getExecution(exec.executionArn)).toEqual(stamped(exec));
    } finally {
      await local.close();
    }
  });

  test('on disk: data survives close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwright-dynamo-'));
    const exec = execution('disk', 'persisted', { snapshot: bigSnapshot(800 * 1024) });
    try {
      const first = await startLocalDynamo({ path: join(dir, 'db') });
      await new DynamoExecutionStore({ client: first.client, tableName: first.tableName }).createExecution(exec);
      await first.close();

      const second = await startLocalDynamo({ path: join(dir, 'db') }); // the table exists already
      try {
        const s = new DynamoExecutionStore({ client: second.client, tableName: second.tableName });
        expect(await s.getExecution(exec.executionArn)).toEqual(stamped(exec));
        expect(await s.createExecution(exec)).toBe(false);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
