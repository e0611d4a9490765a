/**
 * The bench's DynamoDB cost model (bench/dynamo-units.ts): item sizes and request units by AWS's
 * published rules, index writes included. The figures in docs/cost.md come from it.
 */
import { indexWrites, itemSize, numberBytes, readUnitsFor, unitsOf, type MarshalledItem, type TableShape } from '../../bench/dynamo-units';

const table: TableShape = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'byParent', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projected: ['status'] },
    { name: 'byStatus', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projected: ['status'] },
  ],
};
const s = (v: string) => ({ S: v });
const item = (extra: MarshalledItem): MarshalledItem => ({ pk: s('EX#a'), sk: s('META'), ...extra });

test('item size: names plus values (UTF-8 strings, binary bytes, numbers by significant digits, containers)', () => {
  expect(itemSize({ ab: s('héllo') })).toBe(2 + 6);
  expect(itemSize({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
  expect(numberBytes('12345')).toBe(4); // ceil(5 / 2) + 1
  expect(numberBytes('1000')).toBe(2); // trailing zeros trimmed
  expect(itemSize({ m: { M: { k: s('v') } } })).toBe(1 + 3 + 1 + 1 + 1); // 3 overhead, 1 per element, name, value
  expect(itemSize({ flag: { BOOL: true } })).toBe(5);
  // the same item as the document client reads it back (native values) measures the same
  expect(itemSize({ ab: 'héllo', n: 12345, b: new Uint8Array(10) })).toBe(itemSize({ ab: s('héllo'), n: { N: '12345' }, b: { B: new Uint8Array(10) } }));
});

test('a write is billed per started KB of the larger image; a 1 KB item costs 1, a byte more costs 2', () => {
  const kb = (n: number) => item({ body: s('x'.repeat(n - itemSize(item({ body: s('') })))) });
  expect(unitsOf(table, [{ kind: 'write', op: 'PutItem', after: kb(1024) }]).tableWru).toBe(1);
  expect(unitsOf(table, [{ kind: 'write', op: 'PutItem', after: kb(1025) }]).tableWru).toBe(2);
  // an update that shrinks the item pays for the item before it
  expect(unitsOf(table, [{ kind: 'write', op: 'PutItem', before: kb(5000), after: kb(100) }]).tableWru).toBe(5);
  // a refused conditional write is billed too
  expect(unitsOf(table, [{ kind: 'write', op: 'PutItem', before: kb(100), after: kb(2000), failed: true }]).tableWru).toBe(2);
});

test('reads: 4 KB units, half for eventually consistent; a Query on the sum of its items', () => {
  expect(readUnitsFor(4096, true)).toBe(1);
  expect(readUnitsFor(4097, true)).toBe(2);
  expect(readUnitsFor(100, false)).toBe(0.5);
  expect(unitsOf(table, [{ kind: 'read', op: 'Query', consistent: true, sizes: [9000] }, { kind: 'read', op: 'GetItem', consistent: true, sizes: [0] }]).rru).toBe(3 + 1);
});

test('index writes: one when an entry appears, two when its key changes, none when nothing it holds changes', () => {
  const listed = (status: string, extra: MarshalledItem = {}) => item({ gsi1pk: s('SMEX#m'), gsi1sk: s('t#n'), gsi2pk: s(`SMEX#m#${status}`), gsi2sk: s('t#n'), status: s(status), ...extra });
  expect(indexWrites(table, { kind: 'write', op: 'PutItem', after: listed('RUNNING') }).map((w) => [w.index, w.writes])).toEqual([['byParent', 1], ['byStatus', 1]]);
  // the status changes: byStatus's key moves (delete + put), byParent's projected status changes (one write)
  expect(indexWrites(table, { kind: 'write', op: 'PutItem', before: listed('RUNNING'), after: listed('SUCCEEDED') }).map((w) => [w.index, w.writes])).toEqual([['byParent', 1], ['byStatus', 2]]);
  // a snapshot rewrite touches no projected attribute: no index write by AWS's rules, one each as the upper bound
  const rewrite = { kind: 'write' as const, op: 'PutItem', before: listed('RUNNING', { snapshot: s('a') }), after: listed('RUNNING', { snapshot: s('b') }) };
  expect(indexWrites(table, rewrite)).toEqual([]);
  expect(indexWrites(table, rewrite, true)).toHaveLength(2);
  // an item without the index keys (a spread child, a history item) writes no index
  expect(indexWrites(table, { kind: 'write', op: 'PutItem', after: item({ status: s('RUNNING') }) })).toEqual([]);
});
