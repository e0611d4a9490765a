/**
 * Records what every DynamoDB request of a client touched, for the cost model in dynamo-units.ts:
 * writes with the item's image before (read first on a second, unrecorded client) and after, reads
 * with the sizes of the items they returned. A middleware at the SDK's build step, where the input
 * and output are the low-level (marshalled) shapes whatever the caller used (DocumentClient or not).
 *
 * The before-image read is not atomic with the write: record one execution at a time (as the cost
 * run does), not a concurrent load.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSize, type MarshalledItem, type RecordedRequest } from './dynamo-units';

interface WriteRequestShape {
  PutRequest?: { Item: MarshalledItem };
  DeleteRequest?: { Key: MarshalledItem };
}

interface RequestShape {
  TableName?: string;
  Item?: MarshalledItem;
  Key?: MarshalledItem;
  ConsistentRead?: boolean;
  RequestItems?: Record<string, WriteRequestShape[] | { Keys: MarshalledItem[]; ConsistentRead?: boolean }>;
}

interface ResponseShape {
  Item?: MarshalledItem;
  Items?: MarshalledItem[];
  Responses?: Record<string, MarshalledItem[]>;
}

export interface Recorder {
  readonly requests: RecordedRequest[];
  reset(): void;
}

/**
 * Starts recording on `client`; `raw` is another client to the same table (its reads are not
 * recorded). `keyOf` picks the primary key from an item.
 */
export function recordRequests(client: DynamoDBClient, raw: DynamoDBClient, keyNames: string[]): Recorder {
  const state = { requests: [] as RecordedRequest[] };
  const keyOf = (item: MarshalledItem) => Object.fromEntries(keyNames.map((k) => [k, item[k]]));
  const current = async (table: string, key: MarshalledItem) => (await raw.send(new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }))).Item as MarshalledItem | undefined;

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = (context as { commandName: string }).commandName.replace(/Command$/, '');
      const input = args.input as RequestShape;
      const out = state.requests;
      const table = input.TableName ?? '';
      switch (op) {
        case 'PutItem':
        case 'DeleteItem':
        case 'UpdateItem': {
          const key = input.Key ?? keyOf(input.Item!);
          const before = await current(table, key);
          try {
            const res = await next(args);
            const after = op === 'PutItem' ? input.Item : op === 'DeleteItem' ? undefined : await current(table, key);
            out.push({ kind: 'write', op, before, after });
            return res;
          } catch (e) {
            // a refused conditional write is billed on the larger of the item and what was to be written
            out.push({ kind: 'write', op, before, after: input.Item ?? before, failed: true });
            throw e;
          }
        }
        case 'BatchWriteItem': {
          const writes = Object.entries(input.RequestItems ?? {}).flatMap(([t, rs]) => (rs as WriteRequestShape[]).map((r) => ({ t, r })));
          const befores = await Promise.all(writes.map(({ t, r }) => current(t, r.PutRequest ? keyOf(r.PutRequest.Item) : r.DeleteRequest!.Key)));
          const res = await next(args);
          // (UnprocessedItems are re-sent by the store and recorded then; the local store has none)
          writes.forEach(({ r }, i) => out.push({ kind: 'write', op, before: befores[i], after: r.PutRequest?.Item }));
          return res;
        }
        default: {
          const res = await next(args);
          const o = (res.output ?? {}) as ResponseShape;
          if (op === 'GetItem') out.push({ kind: 'read', op, consistent: !!input.ConsistentRead, sizes: [itemSize(o.Item)] });
          else if (op === 'Query' || op === 'Scan') out.push({ kind: 'read', op, consistent: !!input.ConsistentRead, sizes: [(o.Items ?? []).reduce((s, i) => s + itemSize(i), 0)] });
          else if (op === 'BatchGetItem') {
            const consistent = Object.values(input.RequestItems ?? {}).some((r) => (r as { ConsistentRead?: boolean }).ConsistentRead);
            out.push({ kind: 'read', op, consistent, sizes: Object.values(o.Responses ?? {}).flat().map(itemSize) });
          }
          return res;
        }
      }
    },
    { step: 'build', name: 'stepwrightBenchRecordRequests' },
  );
  return {
    get requests() {
      return state.requests;
    },
    reset() {
      state.requests = [];
    },
  };
}
