/**
 * How the store's records become DynamoDB items and back: the key of every item kind (the layout is
 * in dynamo-store.ts), gzip and chunking of large records, and the item shapes of executions, state
 * machines and history events. Pure functions; the store class does the I/O.
 */
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

export function executionHead(exec: ExecutionRecord, writeId: string, expiresAt: number | undefined): Item {
  const sortKey = `${exec.startDate}#${exec.name}`;
  const listed = exec.child === undefined;
  return compact({
    ...keys.execution(exec.executionArn),
    gsi1pk: listed ? `SMEX#${exec.stateMachineArn}` : undefined,
    gsi1sk: listed ? sortKey : undefined,
    gsi2pk: listed ? `SMEX#${exec.stateMachineArn}#${exec.status}` : undefined,
    gsi2sk: listed ? sortKey : undefined,
    executionArn: exec.executionArn,
    stateMachineArn: exec.stateMachineArn,
    stateMachineName: exec.stateMachineName,
    revisionId: exec.revisionId,
    name: exec.name,
    status: exec.status,
    startDate: exec.startDate,
    stopDate: exec.stopDate,
    error: exec.error,
    traceId: exec.traceId,
    // null (keep forever) is stored as -1: compact() drops undefined, and null means "absent" to readers
    retentionSeconds: exec.retentionSeconds === null ? -1 : exec.retentionSeconds,
    version: exec.version,
    updatedAt: exec.updatedAt,
    writeId,
    expiresAt,
  });
}

/**
 * Three layouts, smallest first: body attributes inline as readable strings; the body gzipped into
 * one binary attribute; the gzipped body in chunk items with only a reference in META.
 */
export function encodeExecution(exec: ExecutionRecord, writeId: string, expiresAt: number | undefined): EncodedExecution {
  const head = executionHead(exec, writeId, expiresAt);
  const inline = compact({
    ...head,
    input: exec.input,
    output: exec.output,
    cause: exec.cause,
    snapshot: exec.snapshot === undefined ? undefined : JSON.stringify(exec.snapshot),
    outbox: exec.outbox === undefined ? undefined : JSON.stringify(exec.outbox),
    child: exec.child === undefined ? undefined : JSON.stringify(exec.child),
  });
  if (itemBytes(inline) <= INLINE_LIMIT) return { item: inline, chunks: [] };

  const body: ExecutionBody = { input: exec.input, output: exec.output, cause: exec.cause, snapshot: exec.snapshot, outbox: exec.outbox, child: exec.child };
  const gz = gzip(JSON.stringify(body));
  if (itemBytes(head) + 'bodyGz'.length + gz.byteLength <= INLINE_LIMIT) return { item: { ...head, bodyGz: gz }, chunks: [] };

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
  return compact({
    executionArn: item.executionArn as string,
    stateMachineArn: item.stateMachineArn as string,
    stateMachineName: item.stateMachineName as string,
    revisionId: item.revisionId as string,
    name: item.name as string,
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
  });
}

export function summaryOf(item: Item): ExecutionSummary {
  return compact({
    executionArn: item.executionArn as string,
    stateMachineArn: item.stateMachineArn as string,
    name: item.name as string,
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

/** Events are stored as JSON text: detail payloads may hold shapes a DynamoDB map cannot (empty keys). */
export function eventItem(executionArn: string, event: HistoryEvent, expiresAt: number | undefined): Item {
  return compact({ ...keys.event(executionArn, event.id), id: event.id, expiresAt, ...textAttribute('event', JSON.stringify(event)) });
}

export function decodeEvent(item: Item): HistoryEvent {
  return JSON.parse(readTextAttribute(item, 'event') as string) as HistoryEvent;
}

/** AWS execution ARNs embed the state machine's name: ...:execution:<sm>:<name> -> ...:stateMachine:<sm>. */
export function stateMachineArnOf(executionArn: string): string {
  return executionArn.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1');
}
