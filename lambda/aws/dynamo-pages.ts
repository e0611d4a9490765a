/**
 * ListExecutions / ListStateMachines / GetExecutionHistory paging on DynamoDB queries: the query
 * shape, page tokens (LastEvaluatedKey, base64url, checked against the listing they came from) and
 * maxResults as the Step Functions API reads it. Refusals are the store's own errors (ports.ts).
 */
import { InvalidPageToken } from '../ports';
import type { Item } from './dynamo-items';
import { STEPWRIGHT_TABLE_SCHEMA } from './table-schema';

// ------------------------------------------------------------------ pagination tokens

export interface QuerySpec {
  indexName?: string;
  partitionKey: string;
  partitionValue: string;
  sortKey: string;
  sortPrefix?: string;
  forward: boolean;
  consistent: boolean;
}

/** The attributes of an item that make up LastEvaluatedKey for a query on `spec`'s table or index. */
export function keyAttributesOf(spec: QuerySpec): string[] {
  const base = [STEPWRIGHT_TABLE_SCHEMA.partitionKey, STEPWRIGHT_TABLE_SCHEMA.sortKey];
  return spec.indexName ? [spec.partitionKey, spec.sortKey, ...base] : base;
}

export function pickKey(item: Item, names: string[]): Item {
  return Object.fromEntries(names.map((n) => [n, item[n]]));
}

export function encodeToken(key: Item): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Refuses tokens that are malformed or belong to another listing (another execution, another filter). */
export function decodeToken(token: string | undefined, spec: QuerySpec): Item | undefined {
  if (token === undefined || token === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageToken(token);
  }
  if (!isKeyOf(key, spec)) throw new InvalidPageToken(token);
  return key;
}

/** Whether `key` is a LastEvaluatedKey of a query on `spec`: exactly its key attributes, strings, in its partition. */
export function isKeyOf(key: unknown, spec: QuerySpec): key is Item {
  const names = keyAttributesOf(spec);
  return (
    typeof key === 'object' && key !== null && !Array.isArray(key) &&
    Object.keys(key).length === names.length &&
    names.every((n) => typeof (key as Item)[n] === 'string') &&
    (key as Item)[spec.partitionKey] === spec.partitionValue
  );
}

/** maxResults as the Step Functions API reads it: the one rule, with the ports (the Map Run listings use it too). */
export { pageSizeOf as pageSize } from '../ports';

// ------------------------------------------------------------------ history tokens

/**
 * A GetExecutionHistory page token: the id of the next event to return, and (forward) the sort key of
 * the step item that holds it (an item keyed by an earlier first id may hold it: items hold a step's
 * events). `p` ties it to the execution's partition, `r` to the direction.
 */
export interface HistoryToken {
  p: string;
  r: boolean;
  i: number;
  s?: string;
}

export function encodeHistoryToken(t: HistoryToken): string {
  return Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
}

export function decodeHistoryToken(token: string | undefined, partition: string, reverse: boolean): HistoryToken | undefined {
  if (token === undefined || token === '') return undefined;
  let t: unknown;
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageToken(token);
  }
  const v = t as Partial<HistoryToken> | null;
  const valid = typeof v === 'object' && v !== null && v.p === partition && v.r === reverse && Number.isSafeInteger(v.i) && (reverse || (typeof v.s === 'string' && v.s.startsWith('EV#')));
  if (!valid) throw new InvalidPageToken(token);
  return v as HistoryToken;
}
