/**
 * ListExecutions over a sharded list index: one Query cursor per shard partition (and one for the
 * unsharded partition of items written before sharding), merged into the order a single partition
 * would give (sort key, newest first, then the table key), with a page token that holds every
 * cursor's position. Why sharded: docs/cost.md, "Scale". The partitions: dynamo-items.ts
 * (listPartitions). The I/O is the caller's `query`, so this module stays free of the client.
 */
import { InvalidPageToken } from '../ports';
import type { Item } from './dynamo-items';
import { isKeyOf, keyAttributesOf, pageSize, pickKey, type QuerySpec } from './dynamo-pages';

/** One Query request: up to `limit` items after `start`, and DynamoDB's LastEvaluatedKey. */
export type ShardQuery = (spec: QuerySpec, limit: number, start: Item | undefined) => Promise<{ items: Item[]; lastKey?: Item }>;

/**
 * A cursor's position in a token: null = from its beginning, 1 = read to its end, otherwise the key
 * of the last item the listing returned from it (the next Query's ExclusiveStartKey).
 */
type Position = Item | null | 1;
interface Token {
  /** the listing's base partition, so a token of another machine or status filter is refused */
  q: string;
  s: Position[];
}

interface Cursor {
  spec: QuerySpec;
  /** the key of the last item returned from this cursor (undefined: none yet) */
  after?: Item;
  /** fetched, not yet returned */
  buffer: Item[];
  /** where the next fetch starts */
  fetchFrom?: Item;
  /** nothing after the buffer */
  ended: boolean;
}

function encode(t: Token): string {
  return Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
}

function decode(token: string | undefined, base: string, specs: QuerySpec[]): Position[] {
  if (token === undefined || token === '') return specs.map(() => null);
  let t: unknown;
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageToken(token);
  }
  const v = t as Partial<Token> | null;
  const valid =
    typeof v === 'object' && v !== null && v.q === base && Array.isArray(v.s) && v.s.length === specs.length &&
    v.s.every((p, i) => p === null || p === 1 || isKeyOf(p, specs[i]));
  if (!valid) throw new InvalidPageToken(token);
  return v.s as Position[];
}

/** DynamoDB orders string keys by their UTF-8 bytes (JavaScript's < compares UTF-16 units). */
function compareBytes(a: unknown, b: unknown): number {
  return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
}

/** < 0 when `a` comes first in the listing: by sort key in the query's direction, then by table key. */
function listingOrder(spec: QuerySpec, a: Item, b: Item): number {
  const bySortKey = compareBytes(a[spec.sortKey], b[spec.sortKey]) || compareBytes(a.pk, b.pk) || compareBytes(a.sk, b.sk);
  return spec.forward ? bySortKey : -bySortKey;
}

/** Fetches until the cursor has an item in hand or has none left (a Query can return none yet a LastEvaluatedKey). */
async function fill(query: ShardQuery, c: Cursor, limit: number): Promise<void> {
  while (c.buffer.length === 0 && !c.ended) {
    const res = await query(c.spec, limit, c.fetchFrom);
    c.buffer.push(...res.items);
    c.fetchFrom = res.lastKey;
    c.ended = res.lastKey === undefined;
  }
}

/**
 * One page of a listing spread over `partitions` (all on `base`'s index): exactly `maxResults`
 * items, fewer only on the last page, which carries no token. Invariant of the merge: every cursor
 * not ended holds at least one item, so the head of each is known before one is chosen.
 */
export async function shardedPage(
  base: QuerySpec,
  partitions: string[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  query: ShardQuery,
): Promise<{ items: Item[]; nextToken?: string }> {
  const size = pageSize(maxResults);
  const specs = partitions.map((partitionValue) => ({ ...base, partitionValue }));
  const positions = decode(nextToken, base.partitionValue, specs);
  const cursors: Cursor[] = specs.map((spec, i) => {
    const p = positions[i];
    return p === 1 ? { spec, buffer: [], ended: true } : { spec, after: p ?? undefined, fetchFrom: p ?? undefined, buffer: [], ended: false };
  });
  // first round in parallel, about twice a shard's even share of the page (names hash evenly)
  const firstLimit = Math.min(size, Math.ceil((2 * size) / partitions.length)) + 1;
  await Promise.all(cursors.map((c) => fill(query, c, firstLimit)));

  const items: Item[] = [];
  while (items.length < size) {
    let best: Cursor | undefined;
    for (const c of cursors) {
      if (c.buffer.length > 0 && (!best || listingOrder(base, c.buffer[0], best.buffer[0]) < 0)) best = c;
    }
    if (!best) break;
    const item = best.buffer.shift() as Item;
    items.push(item);
    best.after = pickKey(item, keyAttributesOf(best.spec));
    // a drained cursor fetches what could still finish the page from it alone, plus one to know whether more follow
    await fill(query, best, size - items.length + 1);
  }
  if (!cursors.some((c) => c.buffer.length > 0)) return { items };
  const s = cursors.map((c): Position => (c.ended && c.buffer.length === 0 ? 1 : (c.after ?? null)));
  return { items, nextToken: encode({ q: base.partitionValue, s }) };
}
