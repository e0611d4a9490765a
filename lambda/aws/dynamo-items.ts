/**
 * How the store's records become DynamoDB items and back: the key of every item kind (the layout is
 * in dynamo-store.ts), gzip and chunking of large records, and the item shapes of executions, state
 * machines and history events. Pure functions; the store class does the I/O.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { HistoryEvent } from '../engine/history';
import type { ExecutionRecord, ExecutionSummary, StateMachineRecord } from '../ports';

// ------------------------------------------------------------------ keys

export const STATE_MACHINE_LIST = 'SMLIST';

export const keys = {
  stateMachine: (arn: string) => ({ pk: `SM#${arn}`, sk: 'META' }),
  revision: (arn: string, revisionId: string) => ({ pk: `SM#${arn}`, sk: `REV#${revisionId}` }),
  execution: (arn: string) => ({ pk: `EX#${arn}`, sk: 'META' }),
  event: (arn: string, id: number) => ({ pk: `EX#${arn}`, sk: `EV#${pad(id, 12)}` }),
  claim: (arn: string, token: string) => ({ pk: `EX#${arn}`, sk: `CLAIM#${token}` }),
  /** a name used once under the 'unique-forever' policy: no TTL, it outlives the execution */
  name: (stateMachineArn: string, name: string) => ({ pk: `SM#${stateMachineArn}`, sk: `NAME#${name}` }),
  chunk: (arn: string, attempt: string, n: number) => ({ pk: `EX#${arn}`, sk: `${chunkPrefix(attempt)}${pad(n, 6)}` }),
  /** one set per key, each its own partition key: a fan-in's shards never share a partition */
  set: (key: string) => ({ pk: `SET#${key}`, sk: 'SET' }),
};

/**
 * The list indexes' partitions (ListExecutions). A listing's base partition is split into
 * LIST_SHARDS shards, `<base>#<n>` with n a hash of the execution's name, so one busy state machine
 * writes LIST_SHARDS index partitions instead of one (a partition takes 1,000 writes/s; docs/cost.md,
 * "Scale"). Items written before sharding sit under the bare base; the listing reads it as well.
 */
export const LIST_SHARDS = 16;
export const listPartitions = {
  byParent: (stateMachineArn: string) => `SMEX#${stateMachineArn}`,
  byStatus: (stateMachineArn: string, status: string) => `SMEX#${stateMachineArn}#${status}`,
  shard: (base: string, executionName: string) => `${base}#${listShardOf(executionName)}`,
  /** every partition a listing reads: its shards, then the unsharded one of items written before them */
  all: (base: string) => [...Array.from({ length: LIST_SHARDS }, (_, n) => `${base}#${n}`), base],
};

/** A stable, evenly spread shard for a name: the first 4 bytes of its SHA-256 (Node's crypto, no hand-rolled hash). */
export function listShardOf(executionName: string): number {
  return createHash('sha256').update(executionName, 'utf8').digest().readUInt32BE(0) % LIST_SHARDS;
}

export function chunkPrefix(attempt: string): string {
  return `BLOB#${attempt}#`;
}

/** Zero padding keeps numeric order equal to the sort key's string order. */
export function pad(n: number, width: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Stepwright store: invalid sequence number ${n}`);
  return String(n).padStart(width, '0');
}

// ------------------------------------------------------------------ sizes and payload encoding

/** DynamoDB refuses items over 400 KB (names + values); stay well below it. */
export const INLINE_LIMIT = 350 * 1024;
export const CHUNK_BYTES = 350 * 1024;

export type Item = Record<string, unknown>;

/** An upper estimate of DynamoDB's item size for our flat items (strings, numbers, binary). */
export function itemBytes(item: Item): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += Buffer.byteLength(name);
    if (typeof value === 'string') total += Buffer.byteLength(value);
    else if (value instanceof Uint8Array) total += value.byteLength;
    else if (typeof value === 'number') total += 21;
    else total += Buffer.byteLength(JSON.stringify(value));
  }
  return total;
}

/** Drops undefined members so any DocumentClient (whatever its marshall options) accepts the item. */
export function compact<T extends Item>(item: T): T {
  for (const k of Object.keys(item)) if (item[k] === undefined) delete item[k];
  return item;
}

export function gzip(text: string): Uint8Array {
  return gzipSync(Buffer.from(text, 'utf8'));
}

export function gunzip(data: Uint8Array): string {
  return gunzipSync(data).toString('utf8');
}

export function splitBytes(data: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += size) parts.push(data.subarray(at, at + size));
  return parts;
}

/** A JSON text attribute that is gzipped (binary) when it would not fit an item comfortably. */
export function textAttribute(name: string, text: string, limit = 300 * 1024): Item {
  if (Buffer.byteLength(text) <= limit) return { [name]: text };
  const gz = gzip(text);
  if (gz.byteLength > INLINE_LIMIT) throw new Error(`Stepwright store: ${name} is too large to store (${gz.byteLength} bytes gzipped)`);
  return { [`${name}Gz`]: gz };
}

export function readTextAttribute(item: Item, name: string): string | undefined {
  const gz = item[`${name}Gz`];
  if (gz instanceof Uint8Array) return gunzip(gz);
  return item[name] as string | undefined;
}

// ------------------------------------------------------------------ execution items

/** The parts of an execution record that can be large; they move together when the record is big. */
export interface ExecutionBody {
  input: string;
  output?: string;
  cause?: string;
  snapshot?: ExecutionRecord['snapshot'];
  /** 'record': the snapshot's execution input is the record's input (stored once) */
  snapshotInput?: 'record';
  outbox?: ExecutionRecord['outbox'];
  child?: ExecutionRecord['child'];
}

/** Where the body of a chunked record lives: `chunks` items under BLOB#<attempt>#. */
export interface BlobRef {
  attempt: string;
  chunks: number;
}

export interface EncodedExecution {
  item: Item;
  chunks: Uint8Array[];
  blob?: BlobRef;
}

/** The execution ARN of an execution item: its partition key (EX#<arn>) says it, so it is not stored again. */
export function executionArnOfItem(item: Item): string {
  return typeof item.executionArn === 'string' ? item.executionArn : (item.pk as string).slice('EX#'.length);
}

const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

/**
 * Not listed (no index keys): a spread child (10,000 children of one parent would all write one index
 * partition) and an EXPRESS run's result (ARN ...:express:..., which AWS's ListExecutions does not
 * show either). The ARN is not repeated (the key holds it); the names only when the ARNs do not end
 * with them.
 */
export function executionHead(exec: ExecutionRecord, writeId: string, expiresAt: number | undefined): Item {
  const sortKey = `${exec.startDate}#${exec.name}`;
  const listed = exec.child === undefined && !exec.executionArn.includes(':express:');
  return compact({
    ...keys.execution(exec.executionArn),
    gsi1pk: listed ? listPartitions.shard(listPartitions.byParent(exec.stateMachineArn), exec.name) : undefined,
    gsi1sk: listed ? sortKey : undefined,
    gsi2pk: listed ? listPartitions.shard(listPartitions.byStatus(exec.stateMachineArn, exec.status), exec.name) : undefined,
    gsi2sk: listed ? sortKey : undefined,
    stateMachineArn: exec.stateMachineArn,
    stateMachineName: exec.stateMachineName === lastSegment(exec.stateMachineArn) ? undefined : exec.stateMachineName,
    revisionId: exec.revisionId,
    name: exec.name === lastSegment(exec.executionArn) ? undefined : exec.name,
    status: exec.status,
    startDate: exec.startDate,
    stopDate: exec.stopDate,
    error: exec.error,
    traceId: exec.traceId,
    // a nested execution's tie to the .sync task that waits on it (issue #15 item 6; small: an ARN and a token)
    startedBy: exec.startedBy === undefined ? undefined : JSON.stringify(exec.startedBy),
    // null (keep forever) is stored as -1: compact() drops undefined, and null means "absent" to readers
    retentionSeconds: exec.retentionSeconds === null ? -1 : exec.retentionSeconds,
    version: exec.version,
    updatedAt: exec.updatedAt,
    writeId,
    expiresAt,
  });
}

/**
 * The snapshot as stored: its copy of the execution input is left out when it is the record's own
 * input (restored on read), so the input is stored once, not twice.
 */
function storedSnapshot(exec: ExecutionRecord): { snapshot?: ExecutionRecord['snapshot']; snapshotInput?: 'record' } {
  const snap = exec.snapshot;
  // only when it is exactly the record's input (its JSON text as stored), so the read gives it back as it was
  if (snap?.execution?.input === undefined || JSON.stringify(snap.execution.input) !== exec.input) return { snapshot: snap };
  const { input: _dropped, ...execution } = snap.execution;
  return { snapshot: { ...snap, execution: execution as typeof snap.execution }, snapshotInput: 'record' };
}

/** Write units of an item of `bytes` (DynamoDB bills 1 per started KB). */
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/**
 * Three layouts: body attributes inline as readable strings; the body gzipped into one binary
 * attribute; the gzipped body in chunk items with only a reference in META. Inline unless gzip
 * saves a write unit (every commit of a step is billed per started KB, twice: the commit and the
 * outbox's clearing), or the inline item would not fit.
 */
export function encodeExecution(exec: ExecutionRecord, writeId: string, expiresAt: number | undefined): EncodedExecution {
  const head = executionHead(exec, writeId, expiresAt);
  const { snapshot, snapshotInput } = storedSnapshot(exec);
  const inline = compact({
    ...head,
    input: exec.input,
    output: exec.output,
    cause: exec.cause,
    snapshot: snapshot === undefined ? undefined : JSON.stringify(snapshot),
    snapshotInput,
    outbox: exec.outbox === undefined ? undefined : JSON.stringify(exec.outbox),
    child: exec.child === undefined ? undefined : JSON.stringify(exec.child),
  });
  const inlineBytes = itemBytes(inline);
  if (inlineBytes <= 1024) return { item: inline, chunks: [] };

  const body: ExecutionBody = { input: exec.input, output: exec.output, cause: exec.cause, snapshot, snapshotInput, outbox: exec.outbox, child: exec.child };
  const gz = gzip(JSON.stringify(body));
  const gzBytes = itemBytes(head) + 'bodyGz'.length + gz.byteLength;
  if (inlineBytes <= INLINE_LIMIT && writeUnits(inlineBytes) <= writeUnits(gzBytes)) return { item: inline, chunks: [] };
  if (gzBytes <= INLINE_LIMIT) return { item: { ...head, bodyGz: gz }, chunks: [] };

  const chunks = splitBytes(gz, CHUNK_BYTES);
  const blob = { attempt: writeId, chunks: chunks.length };
  return { item: { ...head, blobAttempt: blob.attempt, blobChunks: blob.chunks }, chunks, blob };
}

export function blobRefOf(item: Item | undefined): BlobRef | undefined {
  if (!item || typeof item.blobAttempt !== 'string') return undefined;
  return { attempt: item.blobAttempt, chunks: Number(item.blobChunks) };
}

export function inlineBody(item: Item): ExecutionBody {
  if (item.bodyGz instanceof Uint8Array) return JSON.parse(gunzip(item.bodyGz)) as ExecutionBody;
  return {
    snapshotInput: item.snapshotInput === 'record' ? 'record' : undefined,
    input: item.input as string,
    output: item.output as string | undefined,
    cause: item.cause as string | undefined,
    // the store wrote these from the same types (JSON text of ExecutionBody's members)
    snapshot: typeof item.snapshot === 'string' ? (JSON.parse(item.snapshot) as ExecutionBody['snapshot']) : undefined,
    outbox: typeof item.outbox === 'string' ? (JSON.parse(item.outbox) as ExecutionBody['outbox']) : undefined,
    child: typeof item.child === 'string' ? (JSON.parse(item.child) as ExecutionBody['child']) : undefined,
  };
}

export function decodeExecution(item: Item, body: ExecutionBody): ExecutionRecord {
  if (body.snapshotInput === 'record' && body.snapshot) body.snapshot.execution.input = JSON.parse(body.input) as unknown;
  const executionArn = executionArnOfItem(item);
  return compact({
    executionArn,
    stateMachineArn: item.stateMachineArn as string,
    stateMachineName: (item.stateMachineName as string | undefined) ?? lastSegment(item.stateMachineArn as string),
    revisionId: item.revisionId as string,
    name: (item.name as string | undefined) ?? lastSegment(executionArn),
    status: item.status as ExecutionRecord['status'],
    input: body.input,
    startDate: item.startDate as string,
    stopDate: item.stopDate as string | undefined,
    output: body.output,
    error: item.error as string | undefined,
    cause: body.cause,
    traceId: item.traceId as string | undefined,
    retentionSeconds: item.retentionSeconds === undefined ? undefined : Number(item.retentionSeconds) < 0 ? null : Number(item.retentionSeconds),
    version: Number(item.version),
    updatedAt: item.updatedAt as string | undefined,
    snapshot: body.snapshot,
    outbox: body.outbox,
    child: body.child,
    startedBy: typeof item.startedBy === 'string' ? (JSON.parse(item.startedBy) as ExecutionRecord['startedBy']) : undefined,
  });
}

export function summaryOf(item: Item): ExecutionSummary {
  const executionArn = executionArnOfItem(item);
  return compact({
    executionArn,
    stateMachineArn: item.stateMachineArn as string,
    name: (item.name as string | undefined) ?? lastSegment(executionArn),
    status: item.status as ExecutionSummary['status'],
    startDate: item.startDate as string,
    stopDate: item.stopDate as string | undefined,
  });
}

// ------------------------------------------------------------------ state machine and event items

export function stateMachineItem(sm: StateMachineRecord): Item {
  return compact({
    ...keys.stateMachine(sm.arn),
    gsi1pk: STATE_MACHINE_LIST,
    gsi1sk: sm.arn,
    name: sm.name,
    arn: sm.arn,
    roleArn: sm.roleArn,
    type: sm.type,
    status: sm.status,
    creationDate: sm.creationDate,
    updateDate: sm.updateDate,
    revisionId: sm.revisionId,
    description: sm.description,
    settings: sm.settings === undefined ? undefined : JSON.stringify(sm.settings),
    ...textAttribute('definition', sm.definition),
  });
}

export function decodeStateMachine(item: Item): StateMachineRecord {
  return compact({
    name: item.name as string,
    arn: item.arn as string,
    definition: readTextAttribute(item, 'definition') as string,
    roleArn: item.roleArn as string,
    type: item.type as StateMachineRecord['type'],
    status: item.status as StateMachineRecord['status'],
    creationDate: item.creationDate as string,
    updateDate: item.updateDate as string | undefined,
    revisionId: item.revisionId as string,
    description: item.description as string | undefined,
    settings: typeof item.settings === 'string' ? (JSON.parse(item.settings) as StateMachineRecord['settings']) : undefined,
  });
}

/** Events per step item stay well under DynamoDB's 400 KB (gzipped above 300 KB by textAttribute). */
const STEP_ITEM_BYTES = 256 * 1024;

/**
 * History is stored one item per commit (a step's events, ids contiguous), keyed by its first event id:
 * a step's 5-10 events cost one write, not one each. Events are JSON text (detail payloads may hold
 * shapes a DynamoDB map cannot: empty keys), gzipped when that saves a write unit. Items of the older
 * layout (one event per item, `event`) are still read.
 */
export function stepItems(executionArn: string, events: HistoryEvent[], expiresAt: number | undefined): Item[] {
  // BatchWriteItem refuses two requests for one key; the last copy of an id wins, as a later put would.
  const sorted = [...new Map(events.map((e) => [e.id, e])).values()].sort((a, b) => a.id - b.id);
  const items: Item[] = [];
  let group: HistoryEvent[] = [];
  let bytes = 0;
  const flush = () => {
    if (!group.length) return;
    const text = JSON.stringify(group);
    const first = group[0].id;
    const last = group[group.length - 1].id;
    const plain = Buffer.byteLength(text);
    const gz = plain > 1024 ? gzip(text) : undefined;
    const body = gz && Math.ceil(gz.byteLength / 1024) < Math.ceil(plain / 1024) ? { eventsGz: gz } : textAttribute('events', text);
    items.push(compact({ ...keys.event(executionArn, first), first, last, expiresAt, ...body }));
    group = [];
    bytes = 0;
  };
  for (const e of sorted) {
    const size = Buffer.byteLength(JSON.stringify(e));
    // a new item where the ids jump (items hold contiguous ids) or the item would grow too large
    if (group.length && (e.id !== group[group.length - 1].id + 1 || bytes + size > STEP_ITEM_BYTES)) flush();
    group.push(e);
    bytes += size;
  }
  flush();
  return items;
}

/** The events of a history item, in id order (a step item, or one event of the older layout). */
export function decodeEvents(item: Item): HistoryEvent[] {
  if (item.eventsGz instanceof Uint8Array) return JSON.parse(gunzip(item.eventsGz)) as HistoryEvent[];
  if (typeof item.events === 'string') return JSON.parse(item.events) as HistoryEvent[];
  return [JSON.parse(readTextAttribute(item, 'event') as string) as HistoryEvent];
}

/** AWS execution ARNs embed the state machine's name: ...:execution:<sm>:<name> -> ...:stateMachine:<sm>. */
export function stateMachineArnOf(executionArn: string): string {
  return executionArn.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1');
}
