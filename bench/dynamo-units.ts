/**
 * A pure cost model of DynamoDB on-demand capacity, applied to recorded requests (bench/dynamo-recorder.ts)
 * instead of trusting the embedded store's ConsumedCapacity (dynalite counts no index writes and
 * bills an update at the new item's size only). The rules, from the DynamoDB Developer Guide
 * ("Item sizes and formats", "Read/write capacity mode", "Provisioned throughput considerations for
 * global secondary indexes"):
 *   - item size: attribute names + values (string UTF-8 bytes, binary bytes, number ~1 byte per 2
 *     significant digits + 1, boolean/null 1, list/map 3 + 1 per element + contents, sets their members);
 *   - write: 1 WRU per started 1 KB, of the larger of the item before and after (updates, replacing
 *     puts, deletes); a refused conditional write is billed the same way; at least 1 per item;
 *   - read: 1 RRU per started 4 KB strongly consistent, half eventually consistent; GetItem and
 *     BatchGetItem per item, Query on the sum of the items it returns; at least one unit (or half);
 *   - global secondary index: an index entry (table keys + index keys + projected attributes) is written
 *     when the item carries the index's keys before or after the write: 1 write when it appears or
 *     disappears, 2 (delete + put) when its index key changes, 1 when a projected attribute changes,
 *     none when nothing the index holds changes. `worstCase` also bills that last case (the brief's
 *     "every index whose keys the item carries"), an upper bound.
 * Hand-written: no maintained library computes DynamoDB item sizes and unit rules from AttributeValues.
 */

/** A marshalled DynamoDB attribute value (the low-level API's shape). */
export type AttributeValue = { S?: string; N?: string; B?: Uint8Array | string; BOOL?: boolean; NULL?: boolean; L?: AttributeValue[]; M?: Record<string, AttributeValue>; SS?: string[]; NS?: string[]; BS?: (Uint8Array | string)[] };
export type MarshalledItem = Record<string, AttributeValue>;

export interface IndexShape {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** 'ALL' or the non-key attributes an INCLUDE projection holds */
  projected: 'ALL' | readonly string[];
}

export interface TableShape {
  partitionKey: string;
  sortKey?: string;
  indexes: IndexShape[];
}

/** One recorded item write: its images before and after (undefined: absent), and whether it was refused. */
export interface RecordedWrite {
  kind: 'write';
  op: string;
  before?: MarshalledItem;
  after?: MarshalledItem;
  failed?: boolean;
}

/** One recorded read request: the sizes of the items it read (per item for Get/BatchGet, the total for Query). */
export interface RecordedRead {
  kind: 'read';
  op: string;
  consistent: boolean;
  /** GetItem / BatchGetItem: one entry per item (0 for a miss); Query / Scan: one entry, the items' total */
  sizes: number[];
}

export type RecordedRequest = RecordedWrite | RecordedRead;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function binaryBytes(b: Uint8Array | string): number {
  return typeof b === 'string' ? Buffer.from(b, 'base64').byteLength : b.byteLength;
}

/** "approximately 1 byte per two significant digits, plus 1 byte"; leading and trailing zeroes trimmed. */
export function numberBytes(n: string): number {
  const digits = n.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.min(21, Math.ceil(Math.max(1, digits.length) / 2) + 1);
}

export function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return binaryBytes(v.B);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + utf8(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + numberBytes(x), 0);
  if (v.BS) return v.BS.reduce((s, x) => s + binaryBytes(x), 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + utf8(k) + valueBytes(x), 0);
  return 0;
}

const AV_KEYS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS']);

/** A marshalled value ({S: ...}) or a native one (what the document client hands back on reads). */
export function anyValueBytes(v: unknown): number {
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberBytes(String(v));
  if (typeof v === 'boolean' || v === null) return 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) return [...(v as Set<unknown>)].reduce<number>((s, x) => s + anyValueBytes(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce<number>((s, x) => s + 1 + anyValueBytes(x), 0);
  if (typeof v === 'object' && v !== undefined) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1 && AV_KEYS.has(entries[0][0])) return valueBytes(v);
    return 3 + entries.reduce((s, [k, x]) => s + 1 + utf8(k) + anyValueBytes(x), 0);
  }
  return 0;
}

export function itemSize(item: MarshalledItem | Record<string, unknown> | undefined): number {
  if (!item) return 0;
  let total = 0;
  for (const [name, v] of Object.entries(item)) total += utf8(name) + anyValueBytes(v);
  return total;
}

export const writeUnitsFor = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
export const readUnitsFor = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** The index entry an item makes in `index`, or undefined when the item lacks the index's keys. */
export function indexEntry(table: TableShape, index: IndexShape, item: MarshalledItem | undefined): MarshalledItem | undefined {
  if (!item || item[index.partitionKey] === undefined || (index.sortKey && item[index.sortKey] === undefined)) return undefined;
  if (index.projected === 'ALL') return item;
  const names = [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey, ...index.projected].filter((n): n is string => !!n);
  const entry: MarshalledItem = {};
  for (const n of names) if (item[n] !== undefined) entry[n] = item[n];
  return entry;
}

const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

export interface IndexWrite {
  index: string;
  writes: number;
  wru: number;
}

/** What one item write costs each index (AWS's rules; `worstCase`: an unchanged entry is billed too). */
export function indexWrites(table: TableShape, w: RecordedWrite, worstCase = false): IndexWrite[] {
  if (w.failed) return [];
  const out: IndexWrite[] = [];
  for (const index of table.indexes) {
    const before = indexEntry(table, index, w.before);
    const after = indexEntry(table, index, w.after);
    if (!before && !after) continue;
    let writes: number;
    let wru: number;
    if (!before || !after) {
      writes = 1;
      wru = writeUnitsFor(itemSize(before ?? after));
    } else if (!same(before[index.partitionKey], after[index.partitionKey]) || (index.sortKey && !same(before[index.sortKey], after[index.sortKey]))) {
      writes = 2;
      wru = writeUnitsFor(itemSize(before)) + writeUnitsFor(itemSize(after));
    } else if (worstCase || JSON.stringify(before) !== JSON.stringify(after)) {
      writes = 1;
      wru = writeUnitsFor(Math.max(itemSize(before), itemSize(after)));
    } else continue;
    out.push({ index: index.name, writes, wru });
  }
  return out;
}

export interface Units {
  /** base table write units */
  tableWru: number;
  /** index write units (AWS's rules) and the upper bound that bills unchanged entries too */
  indexWru: number;
  indexWruWorst: number;
  indexWrites: number;
  rru: number;
  /** write units by operation name (table only), for "what each write buys" */
  wruByOp: Record<string, number>;
}

export function unitsOf(table: TableShape, requests: RecordedRequest[]): Units {
  const u: Units = { tableWru: 0, indexWru: 0, indexWruWorst: 0, indexWrites: 0, rru: 0, wruByOp: {} };
  for (const r of requests) {
    if (r.kind === 'read') {
      u.rru += r.sizes.reduce((s, size) => s + readUnitsFor(size, r.consistent), 0);
      continue;
    }
    const wru = writeUnitsFor(Math.max(itemSize(r.before), itemSize(r.after)));
    u.tableWru += wru;
    u.wruByOp[r.op] = (u.wruByOp[r.op] ?? 0) + wru;
    for (const x of indexWrites(table, r)) {
      u.indexWru += x.wru;
      u.indexWrites += x.writes;
    }
    for (const x of indexWrites(table, r, true)) u.indexWruWorst += x.wru;
  }
  return u;
}
