/**
 * The embedded DynamoDB closes the LevelDB iterators its Queries open (lambda/local/level-iterators.ts).
 * dynalite closes them through `iterator.return()`, which abstract-level 3 lacks; without the fix every
 * Query left an iterator open for the life of the database, a native leak of a long-running server.
 * Counted through abstract-level's own bookkeeping of open resources (attachResource).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo } from '../../lambda/local/embedded-dynamo';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// abstract-level as classic-level (dynalite's LevelDB store) resolves it
const fromLevel = createRequire(createRequire(require.resolve('dynalite')).resolve('level'));
const { AbstractLevel } = createRequire(fromLevel.resolve('classic-level'))('abstract-level') as {
  AbstractLevel: { prototype: { attachResource(r: unknown): void } };
};

describe.each([
  ['on disk (LevelDB)', true],
  ['in memory', false],
])('embedded DynamoDB %s', (_name, onDisk) => {
  it('closes the iterator of every Query, paged or read to the end', async () => {
    const open = new Set<unknown>();
    const proto = AbstractLevel.prototype;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called as attach.call(this, r) by the wrapper below and put back after
    const attach = proto.attachResource;
    // an iterator counts as closed once anyone has called its close(): dynalite does so while it
    // answers, and the database's own close at the end must not count
    proto.attachResource = function (r) {
      const it = r as { close(): Promise<void> };
      const close = it.close.bind(it);
      it.close = () => {
        open.delete(it);
        return close();
      };
      open.add(it);
      return attach.call(this, r);
    };
    const dir = onDisk ? mkdtempSync(join(tmpdir(), 'stepwright-iterators-')) : undefined;
    const db = await startLocalDynamo({ path: dir });
    try {
      for (let i = 0; i < 5; i++) await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { pk: { S: 'p' }, sk: { S: `s${i}` } } }));
      open.clear(); // whatever the table's creation holds is not this test's business
      for (const Limit of [2, 5, 100]) {
        const page = await db.client.send(new QueryCommand({ TableName: db.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, Limit }));
        expect(page.Items).toHaveLength(Math.min(Limit, 5));
      }
      expect(open.size).toBe(0);
    } finally {
      proto.attachResource = attach;
      await db.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
});
