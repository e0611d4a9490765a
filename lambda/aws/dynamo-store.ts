/**
 * ExecutionStore on one DynamoDB table (single-table design). The table's schema is in table-schema.ts,
 * item encoding in dynamo-items.ts, paging in dynamo-pages.ts; this module does the I/O.
 *
 *   item                      pk                      sk                         GSIs
 *   state machine             SM#<smArn>              META                       gsi1: SMLIST / <smArn>
 *   definition revision       SM#<smArn>              REV#<revisionId>
 *   execution                 EX#<executionArn>       META                       gsi1: SMEX#<smArn>#<shard> / <startDate>#<name>
 *                                                                                gsi2: SMEX#<smArn>#<status>#<shard> / <startDate>#<name>
 *     (shard = hash(name) mod 16, so a busy machine writes 16 index partitions; see dynamo-shards.ts)
 *   history event             EX#<executionArn>       EV#<id, 12 digits>
 *   large-record chunk        EX#<executionArn>       BLOB#<attemptId>#<n, 6 digits>
 *   task claim (lease)        EX#<executionArn>       CLAIM#<task token>
 *   fan-in set                SET#<fanId>#g<n>#<shard> SET
 *
 * A spread child (Map item or Parallel branch run as an execution, ARN <fanId>/<index>) is an
 * execution item without GSI keys: 10,000 children of one parent would all write one index
 * partition; they are found by index instead.
 *
 * gsi1 is overloaded (state machine list + executions per state machine); gsi2 keys executions by
 * status so ListExecutions with a statusFilter is a direct Query instead of a filter that would read
 * (and pay for) every execution of other statuses. Both project only the listing attributes, so the
 * worker's frequent snapshot rewrites, which change neither keys nor projected attributes, cost no
 * index writes.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { HistoryEvent } from '../engine/history';
import type {
  Clock,
  ExecutionListQuery,
  ExecutionRecord,
  ExecutionStore,
  ExecutionSummary,
  HistoryQuery,
  Page,
  StateMachineRecord,
} from '../ports';
import { systemClock } from '../ports';
import { forEachLimited } from '../for-each-limited';
import { fullJitterBackoff } from '../backoff';
import {
  blobRefOf,
  chunkPrefix,
  compact,
  decodeEvents,
  decodeExecution,
  decodeStateMachine,
  encodeExecution,
  executionArnOfItem,
  gunzip,
  inlineBody,
  keys,
  readTextAttribute,
  STATE_MACHINE_LIST,
  stateMachineArnOf,
  stateMachineItem,
  stepItems,
  summaryOf,
  listPartitions,
  textAttribute,
  type BlobRef,
  type EncodedExecution,
  type ExecutionBody,
  type Item,
} from './dynamo-items';
import { decodeHistoryToken, decodeToken, encodeHistoryToken, encodeToken, keyAttributesOf, pageSize, pickKey, type QuerySpec } from './dynamo-pages';
import { STEPWRIGHT_TABLE_SCHEMA } from './table-schema';
import { shardedPage } from './dynamo-shards';
import { DynamoActivityStore } from './dynamo-activity-store';
import type { ActivityRecord, ActivityTask } from '../ports';

// The schema has its own module (lib/ builds the table from it); re-exported while lib/ still imports it from here.
export { STEPWRIGHT_TABLE_SCHEMA, tableDefinition } from './table-schema';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

// ------------------------------------------------------------------ errors and retries

function isConditionFailed(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, as AWS recommends for UnprocessedItems (100 ms first, at most 2 s). */
function backoffMs(attempt: number): number {
  return fullJitterBackoff(attempt, 50, 2000);
}

const MAX_BATCH_ATTEMPTS = 10;
const BATCH_SIZE = 25;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_SIZE = 100;
const BATCH_CONCURRENCY = 4;

function groupsOf<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

// ------------------------------------------------------------------ the store

/** What the retention hook is asked about; `execution` is present for execution writes. */
export interface TtlSubject {
  stateMachineArn: string;
  executionArn: string;
  execution?: ExecutionRecord;
}

export interface DynamoExecutionStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /**
   * Retention in seconds for execution and history items (a per-state-machine policy, typically);
   * undefined keeps them forever. Items get `expiresAt` = write time + retention, so an execution's
   * record and chunks expire `retention` after its last write (its close, once finished) and each
   * history event `retention` after it was appended.
   */
  ttlSeconds?: (subject: TtlSubject) => number | undefined | Promise<number | undefined>;
  clock?: Clock;
}

/** Which blob chunks back a version we have seen, so an update need not fetch the old item to clean up. */
interface KnownVersion {
  version: number;
  blob?: BlobRef;
}

const MAX_KNOWN_VERSIONS = 1000;
const MAX_READ_ATTEMPTS = 5;

export class DynamoExecutionStore implements ExecutionStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly ttlSeconds?: DynamoExecutionStoreOptions['ttlSeconds'];
  private readonly clock: Clock;
  private readonly known = new LRUCache<string, KnownVersion>({ max: MAX_KNOWN_VERSIONS });

  constructor(opts: DynamoExecutionStoreOptions) {
    this.doc = opts.client instanceof DynamoDBDocumentClient ? opts.client : DynamoDBDocumentClient.from(opts.client);
    this.tableName = opts.tableName;
    this.ttlSeconds = opts.ttlSeconds;
    this.clock = opts.clock ?? systemClock;
  }

  // ---------------------------------------------------------------- state machines

  async putStateMachine(sm: StateMachineRecord, opts: { replace?: boolean } = {}): Promise<boolean> {
    // The revision goes first: a META pointing at a missing revision would strand new executions.
    await this.putRevision(sm);
    try {
      await this.put(stateMachineItem(sm), opts.replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' });
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  /** Revisions are immutable: the first write of a revision id wins, a repeat is a no-op. */
  private async putRevision(sm: StateMachineRecord): Promise<void> {
    const item = compact({
      ...keys.revision(sm.arn, sm.revisionId),
      revisionId: sm.revisionId,
      createdAt: sm.updateDate ?? sm.creationDate,
      ...textAttribute('definition', sm.definition),
    });
    try {
      await this.put(item, { ConditionExpression: 'attribute_not_exists(pk)' });
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
    }
  }

  async getStateMachine(arn: string): Promise<StateMachineRecord | undefined> {
    const item = await this.get(keys.stateMachine(arn));
    return item && decodeStateMachine(item);
  }

  async listStateMachines(query: { maxResults?: number; nextToken?: string } = {}): Promise<Page<StateMachineRecord>> {
    const idx = STEPWRIGHT_TABLE_SCHEMA.indexes.byParent;
    const spec: QuerySpec = {
      indexName: idx.indexName, partitionKey: idx.partitionKey, partitionValue: STATE_MACHINE_LIST,
      sortKey: idx.sortKey, forward: true, consistent: false,
    };
    const page = await this.queryPage(spec, query.maxResults, query.nextToken);
    return { items: page.items.map(decodeStateMachine), nextToken: page.nextToken };
  }

  /** Only META goes: executions still running pin a revision and must keep reading it. */
  async deleteStateMachine(arn: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: keys.stateMachine(arn) }));
  }

  async getDefinitionRevision(stateMachineArn: string, revisionId: string): Promise<string | undefined> {
    const item = await this.get(keys.revision(stateMachineArn, revisionId));
    return item && readTextAttribute(item, 'definition');
  }

  // ---------------------------------------------------------------- executions

  async createExecution(exec: ExecutionRecord): Promise<boolean> {
    exec = this.stamped(exec);
    const writeId = randomUUID();
    const expiresAt = await this.expiryFor(exec);
    const encoded = encodeExecution(exec, writeId, expiresAt);
    // Chunks go first under a fresh attempt id, so a writer that loses the race never touches the winner's.
    await this.writeChunks(exec.executionArn, encoded, expiresAt);
    try {
      await this.put(encoded.item, { ConditionExpression: 'attribute_not_exists(pk)' });
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      if (!(await this.settleRejectedWrite(exec.executionArn, writeId, encoded))) return false;
    }
    this.remember(exec.executionArn, { version: exec.version, blob: encoded.blob });
    return true;
  }

  /**
   * Every write of an execution says when it happened: the reconciler tells an execution that is
   * moving from one that a crash left behind by it (lambda/runtime/reconciler.ts). Not projected
   * into an index, so it costs no index write.
   */
  private stamped(exec: ExecutionRecord): ExecutionRecord {
    return { ...exec, updatedAt: this.clock.now().toISOString() };
  }

  async getExecution(executionArn: string): Promise<ExecutionRecord | undefined> {
    // A newer version may replace (and delete) the chunks between our two reads; read META again then.
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const item = await this.get(keys.execution(executionArn));
      if (!item) return undefined;
      const blob = blobRefOf(item);
      const body = blob ? await this.readChunkedBody(executionArn, blob) : inlineBody(item);
      if (body) {
        this.remember(executionArn, { version: Number(item.version), blob });
        return decodeExecution(item, body);
      }
    }
    throw new Error(`Stepwright store: the record of ${executionArn} kept changing while it was read`);
  }

  async updateExecution(exec: ExecutionRecord, expectedVersion: number): Promise<boolean> {
    if (exec.version !== expectedVersion + 1) {
      throw new Error(`Stepwright store: updateExecution needs exec.version = expectedVersion + 1 (got ${exec.version} and ${expectedVersion})`);
    }
    exec = this.stamped(exec);
    const arn = exec.executionArn;
    const writeId = randomUUID();
    const expiresAt = await this.expiryFor(exec);
    const encoded = encodeExecution(exec, writeId, expiresAt);
    await this.writeChunks(arn, encoded, expiresAt);
    // Knowing the old version's chunks spares returning the old item (which may be ~350 KB).
    const prior = this.known.get(arn);
    const known = prior?.version === expectedVersion ? prior : undefined;
    let previousBlob = known?.blob;
    try {
      const res = await this.put(encoded.item, {
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
        ReturnValues: known ? 'NONE' : 'ALL_OLD',
      });
      if (!known) previousBlob = blobRefOf(res.Attributes);
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      if (!(await this.settleRejectedWrite(arn, writeId, encoded))) return false;
    }
    this.remember(arn, { version: exec.version, blob: encoded.blob });
    if (previousBlob && previousBlob.attempt !== writeId) await this.deleteChunksQuietly(arn, previousBlob);
    return true;
  }

  async getExecutions(executionArns: string[]): Promise<(ExecutionRecord | undefined)[]> {
    const out = new Array<ExecutionRecord | undefined>(executionArns.length);
    const groups = groupsOf(executionArns.map((arn, i) => ({ arn, i })), BATCH_GET_SIZE);
    await forEachLimited(groups, BATCH_CONCURRENCY, async (group) => {
      const byArn = new Map(group.map((g) => [g.arn, g.i]));
      let pending: Item[] = group.map((g) => keys.execution(g.arn));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`Stepwright store: ${pending.length} batch reads still unprocessed after ${attempt} attempts`);
        if (attempt > 0) await sleep(backoffMs(attempt));
        const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of res.Responses?.[this.tableName] ?? []) {
          const arn = executionArnOfItem(item);
          // a chunked record is read the long way (its chunks may be replaced meanwhile)
          out[byArn.get(arn)!] = blobRefOf(item) ? await this.getExecution(arn) : decodeExecution(item, inlineBody(item));
        }
        pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
      }
    });
    return out;
  }

  async addToSet(key: string, member: number, expiresAt?: number): Promise<number> {
    const res = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.set(key),
        UpdateExpression: expiresAt === undefined ? 'ADD members :m' : 'ADD members :m SET expiresAt = if_not_exists(expiresAt, :e)',
        ExpressionAttributeValues: expiresAt === undefined ? { ':m': new Set([member]) } : { ':m': new Set([member]), ':e': expiresAt },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return (res.Attributes?.members as Set<number> | undefined)?.size ?? 0;
  }

  async listExecutions(stateMachineArn: string, query: ExecutionListQuery = {}): Promise<Page<ExecutionSummary>> {
    const { byParent, byStatus } = STEPWRIGHT_TABLE_SCHEMA.indexes;
    const idx = query.statusFilter ? byStatus : byParent;
    const base = query.statusFilter ? listPartitions.byStatus(stateMachineArn, query.statusFilter) : listPartitions.byParent(stateMachineArn);
    const spec: QuerySpec = {
      indexName: idx.indexName,
      partitionKey: idx.partitionKey,
      partitionValue: base,
      sortKey: idx.sortKey,
      forward: false, // newest first, as ListExecutions orders them
      consistent: false, // GSIs are eventually consistent only
    };
    const page = await shardedPage(spec, listPartitions.all(base), query.maxResults, query.nextToken, async (s, limit, start) => {
      const res = await this.doc.send(new QueryCommand(this.queryInput(s, limit, start)));
      return { items: res.Items ?? [], lastKey: res.LastEvaluatedKey };
    });
    return { items: page.items.map(summaryOf), nextToken: page.nextToken };
  }

  /**
   * A conditional write was refused. Usually another writer won; but when the SDK retried a request
   * whose first response was lost, the refusal is our own write already in place. The write id tells.
   */
  private async settleRejectedWrite(executionArn: string, writeId: string, encoded: EncodedExecution): Promise<boolean> {
    const stored = await this.get(keys.execution(executionArn), 'writeId');
    if (stored?.writeId === writeId) return true;
    if (encoded.blob) await this.deleteChunksQuietly(executionArn, encoded.blob);
    return false;
  }

  private remember(executionArn: string, known: KnownVersion): void {
    this.known.set(executionArn, known);
  }

  private async expiryFor(exec: ExecutionRecord): Promise<number | undefined> {
    return this.expiry({ stateMachineArn: exec.stateMachineArn, executionArn: exec.executionArn, execution: exec });
  }

  private async expiry(subject: TtlSubject): Promise<number | undefined> {
    const seconds = this.ttlSeconds && (await this.ttlSeconds(subject));
    if (seconds === undefined || seconds === null) return undefined;
    return Math.floor(this.clock.now().getTime() / 1000) + Math.ceil(seconds);
  }

  // ---------------------------------------------------------------- task claims

  /**
   * A conditional put that succeeds when no claim exists or the previous lease has run out. The
   * claim expires (TTL) with its lease: once the lease is over it blocks nothing, so keeping it
   * would only cost storage.
   */
  async claimTask(executionArn: string, token: string, leaseSeconds: number, soleHolder?: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const leaseUntil = now + Math.ceil(leaseSeconds * 1000);
    try {
      await this.put(
        compact({ ...keys.claim(executionArn, token), leaseUntil, expiresAt: Math.ceil(leaseUntil / 1000), holder: soleHolder }),
        soleHolder
          ? {
              // the sole live holder: a claim held by anyone else was left by a process that died
              ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil <= :now OR attribute_not_exists(holder) OR holder <> :me',
              ExpressionAttributeValues: { ':now': now, ':me': soleHolder },
            }
          : {
              ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil <= :now',
              ExpressionAttributeValues: { ':now': now },
            },
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async holdClaim(executionArn: string, token: string, leaseUntil: number): Promise<void> {
    try {
      await this.put(compact({ ...keys.claim(executionArn, token), leaseUntil, expiresAt: Math.ceil(leaseUntil / 1000) }), { ConditionExpression: 'attribute_not_exists(pk)' });
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
    }
  }

  async reserveName(stateMachineArn: string, name: string, inputHash: string): Promise<{ reserved: boolean; inputHash?: string }> {
    const key = keys.name(stateMachineArn, name);
    try {
      await this.put({ ...key, inputHash, reservedAt: this.clock.now().toISOString() }, { ConditionExpression: 'attribute_not_exists(pk)' });
      return { reserved: true };
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      const item = await this.get(key);
      return { reserved: false, inputHash: item?.inputHash as string | undefined };
    }
  }

  // ---------------------------------------------------------------- large-record chunks

  private async writeChunks(executionArn: string, encoded: EncodedExecution, expiresAt: number | undefined): Promise<void> {
    const { blob, chunks } = encoded;
    if (!blob) return;
    const puts = chunks.map((data, n) => ({
      PutRequest: { Item: compact({ ...keys.chunk(executionArn, blob.attempt, n), data, expiresAt }) },
    }));
    await this.batchWrite(puts);
  }

  /** The gzipped body from its chunks; undefined when some are gone (a newer version replaced them). */
  private async readChunkedBody(executionArn: string, blob: BlobRef): Promise<ExecutionBody | undefined> {
    const items = await this.queryAll({
      partitionKey: 'pk', partitionValue: keys.execution(executionArn).pk, sortKey: 'sk',
      sortPrefix: chunkPrefix(blob.attempt), forward: true, consistent: true,
    });
    if (items.length !== blob.chunks) return undefined;
    const data = Buffer.concat(items.map((i) => i.data as Uint8Array));
    return JSON.parse(gunzip(data)) as ExecutionBody;
  }

  /** Best effort: a chunk left behind costs storage only (and expires with the TTL when one is set). */
  private async deleteChunksQuietly(executionArn: string, blob: BlobRef): Promise<void> {
    const deletes = Array.from({ length: blob.chunks }, (_, n) => ({
      DeleteRequest: { Key: keys.chunk(executionArn, blob.attempt, n) },
    }));
    await this.batchWrite(deletes).catch(() => undefined);
  }

  // ---------------------------------------------------------------- history

  async appendHistory(executionArn: string, events: HistoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    const expiresAt = await this.expiry({ stateMachineArn: stateMachineArnOf(executionArn), executionArn });
    await this.batchWrite(stepItems(executionArn, events, expiresAt).map((Item) => ({ PutRequest: { Item } })));
  }

  /**
   * Pages of events over step items (each holds a step's contiguous ids, keyed by the first). Items
   * may overlap (a redelivered outbox written in other groups): forward, an id at or below the last
   * one returned is skipped; in reverse, events are gathered until a page and one more are contiguous
   * from the top down (an item that starts lower may hold the ids of a gap).
   */
  async getHistory(executionArn: string, query: HistoryQuery = {}): Promise<Page<HistoryEvent>> {
    const size = pageSize(query.maxResults);
    const partition = keys.execution(executionArn).pk;
    const reverse = !!query.reverseOrder;
    const token = decodeHistoryToken(query.nextToken, partition, reverse);
    const spec = (from: string, to: string): QueryCommandInput => ({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':p': partition, ':from': from, ':to': to },
      ScanIndexForward: !reverse,
      ConsistentRead: true,
    });
    // 'EV$' sorts right after every 'EV#...' key
    if (!reverse) {
      const out: HistoryEvent[] = [];
      let last = token ? token.i - 1 : 0;
      for await (const item of this.queryItems(spec(token?.s ?? 'EV#', 'EV$'))) {
        for (const e of decodeEvents(item)) {
          if (e.id <= last) continue;
          if (out.length === size) return { items: out, nextToken: encodeHistoryToken({ p: partition, r: false, i: e.id, s: item.sk as string }) };
          out.push(e);
          last = e.id;
        }
      }
      return { items: out };
    }
    const pool = new Map<number, HistoryEvent>();
    let top = token?.i;
    const run = () => {
      const ids: number[] = [];
      for (let id = top ?? 0; pool.has(id) && ids.length <= size; id--) ids.push(id);
      return ids;
    };
    for await (const item of this.queryItems(spec('EV#', token ? keys.event(executionArn, token.i).sk : 'EV$'))) {
      for (const e of decodeEvents(item)) if (top === undefined || e.id <= top) pool.set(e.id, e);
            if (token === undefined) top = Math.max(...pool.keys());
      // enough: a page and one more, contiguous from the top (a gap is filled by an item not read yet)
      if (run().length > size) break;
    }
    const ids = run();
    const items = ids.slice(0, size).map((id) => pool.get(id)!);
    return ids.length > size ? { items, nextToken: encodeHistoryToken({ p: partition, r: true, i: ids[size] }) } : { items };
  }

  /** The items of a query, page after page, as they come. */
  private async *queryItems(input: QueryCommandInput): AsyncGenerator<Item> {
    let start: Item | undefined;
    do {
      const res = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      yield* res.Items ?? [];
      start = res.LastEvaluatedKey;
    } while (start);
  }

  // ---------------------------------------------------------------- activities (dynamo-activity-store.ts)

  private activityItems?: DynamoActivityStore;
  private get activities(): DynamoActivityStore {
    return (this.activityItems ??= new DynamoActivityStore(this.doc, this.tableName, this.clock));
  }
  putActivity(a: ActivityRecord): Promise<boolean> { return this.activities.putActivity(a); }
  getActivity(arn: string): Promise<ActivityRecord | undefined> { return this.activities.getActivity(arn); }
  listActivities(q?: { maxResults?: number; nextToken?: string }): Promise<Page<ActivityRecord>> { return this.activities.listActivities(q); }
  deleteActivity(arn: string): Promise<void> { return this.activities.deleteActivity(arn); }
  enqueueActivityTask(task: ActivityTask): Promise<void> { return this.activities.enqueueActivityTask(task); }
  takeActivityTask(arn: string): Promise<ActivityTask | undefined> { return this.activities.takeActivityTask(arn); }

  // ---------------------------------------------------------------- DynamoDB plumbing

  private async put(item: Item, extra: Omit<PutCommandInput, 'TableName' | 'Item'>) {
    return this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...extra }));
  }

  private async get(key: Item, projection?: string): Promise<Item | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ProjectionExpression: projection }),
    );
    return res.Item;
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    await forEachLimited(groupsOf(requests, BATCH_SIZE), BATCH_CONCURRENCY, (group) => this.writeGroup(group));
  }

  /** One BatchWriteItem, re-sending UnprocessedItems (throttling) with backoff until all are written. */
  private async writeGroup(group: WriteRequest[]): Promise<void> {
    let pending = group;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`Stepwright store: ${pending.length} batch writes still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(backoffMs(attempt));
      const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = res.UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  private queryInput(spec: QuerySpec, limit: number | undefined, start: Item | undefined): QueryCommandInput {
    const prefix = spec.sortPrefix !== undefined;
    return {
      TableName: this.tableName,
      IndexName: spec.indexName,
      KeyConditionExpression: prefix ? '#p = :p AND begins_with(#s, :s)' : '#p = :p',
      ExpressionAttributeNames: prefix ? { '#p': spec.partitionKey, '#s': spec.sortKey } : { '#p': spec.partitionKey },
      ExpressionAttributeValues: prefix ? { ':p': spec.partitionValue, ':s': spec.sortPrefix } : { ':p': spec.partitionValue },
      ScanIndexForward: spec.forward,
      ConsistentRead: spec.consistent || undefined,
      Limit: limit,
      ExclusiveStartKey: start,
    };
  }

  /**
   * One page of exactly `maxResults` items (fewer only on the last page). It asks for one item more
   * than it needs, so a page that ends the listing carries no nextToken (DynamoDB alone would hand
   * out a token that leads to an empty page), and loops because a Query stops at 1 MB.
   */
  private async queryPage(spec: QuerySpec, maxResults: number | undefined, nextToken: string | undefined): Promise<{ items: Item[]; nextToken?: string }> {
    const size = pageSize(maxResults);
    let start = decodeToken(nextToken, spec);
    const items: Item[] = [];
    for (;;) {
      const res = await this.doc.send(new QueryCommand(this.queryInput(spec, size - items.length + 1, start)));
      items.push(...(res.Items ?? []));
      if (items.length > size) {
        items.length = size;
        return { items, nextToken: encodeToken(pickKey(items[size - 1], keyAttributesOf(spec))) };
      }
      if (!res.LastEvaluatedKey) return { items };
      start = res.LastEvaluatedKey;
    }
  }

  private async queryAll(spec: QuerySpec): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const res = await this.doc.send(new QueryCommand(this.queryInput(spec, undefined, start)));
      items.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
