/**
 * Counts the I/O behind executions on the local engine (the same store and worker code as on AWS):
 * DynamoDB requests (SDK middleware on the dynalite-backed client), work-queue send() calls and
 * messages (wrapped around the in-process queue), task invocations (wrapped around the invoker) and
 * worker batches with their wall time (the worker handler wrapped as the queue's consumer).
 * Shared by bench/engine.ts and test/cdk/io-per-execution.ts.
 *
 * Request units: dynalite's ConsumedCapacity (ReturnConsumedCapacity=TOTAL is set on every request)
 * when it reports one, floored at AWS's minimum per request (1 WRU per write item, 1 RRU strongly
 * consistent / 0.5 eventually consistent per read); also a size estimate (1 WRU per started KB
 * written, 1 RRU per started 4 KB read) on the marshalled items, which slightly overstates them.
 */
import type { SQSEvent } from 'aws-lambda';
import type { LocalEngine } from '../lambda/local/local-engine';
import { createWorkerHandler } from '../lambda/handlers/worker';
import { localClient } from '../lambda/local/embedded-dynamo';
import { STEPWRIGHT_TABLE_SCHEMA } from '../lambda/aws/table-schema';
import { recordRequests } from './dynamo-recorder';
import { unitsOf, type RecordedRequest, type TableShape, type Units } from './dynamo-units';

type Json = Record<string, unknown>;
const WRITES = new Set(['PutItem', 'DeleteItem', 'UpdateItem', 'BatchWriteItem', 'TransactWriteItems']);
const bytes = (item: unknown) => (item ? Buffer.byteLength(JSON.stringify(item)) : 0);

export interface IoCounts {
  requests: Record<string, number>;
  reads: number;
  writes: number;
  /** failed (e.g. conditional-check) requests; AWS still bills their units */
  failed: number;
  /** units from dynalite's ConsumedCapacity, floored at AWS's per-request minimum */
  wru: number;
  rru: number;
  /** units estimated from item sizes */
  wruEstimate: number;
  rruEstimate: number;
  /** queue send() calls, messages, and SendMessageBatch requests they would be on SQS (10 entries, 64 KB billing chunks) */
  sends: number;
  messages: number;
  sqsSendRequests: number;
  /** worker (SQS-triggered Lambda) invocations = batches handed over, and their wall time */
  workerBatches: number;
  workerMs: number;
  /** task (Lambda) invocations and their wall time */
  taskInvocations: number;
  taskMs: number;
  /** every request with its item images (only when instrumentEngine was asked to record) */
  recorded: RecordedRequest[];
}

/** The Stepwright table as the cost model sees it (keys and index projections from table-schema.ts). */
export const TABLE_SHAPE: TableShape = {
  partitionKey: STEPWRIGHT_TABLE_SCHEMA.partitionKey,
  sortKey: STEPWRIGHT_TABLE_SCHEMA.sortKey,
  indexes: Object.values(STEPWRIGHT_TABLE_SCHEMA.indexes).map((i) => ({ name: i.indexName, partitionKey: i.partitionKey, sortKey: i.sortKey, projected: i.nonKeyAttributes })),
};

/** Request units of recorded requests by AWS's rules (bench/dynamo-units.ts). */
export function modelUnits(counts: IoCounts): Units {
  return unitsOf(TABLE_SHAPE, counts.recorded);
}

const zero = (): IoCounts => ({ requests: {}, reads: 0, writes: 0, failed: 0, wru: 0, rru: 0, wruEstimate: 0, rruEstimate: 0, sends: 0, messages: 0, sqsSendRequests: 0, workerBatches: 0, workerMs: 0, taskInvocations: 0, taskMs: 0, recorded: [] });

/**
 * Instruments a started engine; `counts` accumulates until `reset()`. Call once per engine.
 * `record`: also record every request with its item images for the cost model (an extra read per
 * write on a second client: for sequential cost runs, not for throughput runs); close() ends it.
 */
export function instrumentEngine(engine: LocalEngine, opts: { record?: boolean } = {}): { counts: IoCounts; reset(): void; close(): void } {
  const state = { counts: zero() };
  const c = () => state.counts;
  const raw = opts.record ? localClient(engine.dynamo) : undefined;
  const recorder = raw && recordRequests(engine.dynamo.client, raw, [STEPWRIGHT_TABLE_SCHEMA.partitionKey, STEPWRIGHT_TABLE_SCHEMA.sortKey]);

  engine.dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName: string }).commandName.replace(/Command$/, '');
      const input = args.input as Json & { Item?: Json; RequestItems?: Record<string, { PutRequest?: { Item: Json }; DeleteRequest?: { Key: Json } }[]>; ConsistentRead?: boolean; ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const write = WRITES.has(name);
      const n = c();
      n.requests[name] = (n.requests[name] ?? 0) + 1;
      if (write) n.writes++;
      else n.reads++;
      const writeItems = name === 'BatchWriteItem' ? Object.values(input.RequestItems ?? {}).flat().map((r) => r.PutRequest?.Item ?? r.DeleteRequest?.Key) : write ? [input.Item ?? input.Key] : [];
      const minRead = input.ConsistentRead ? 1 : 0.5;
      let res;
      try {
        res = await next(args);
      } catch (e) {
        n.failed++;
        if (write) {
          n.wru += 1;
          n.wruEstimate += Math.max(1, Math.ceil(bytes(input.Item) / 1024));
        } else {
          n.rru += minRead;
          n.rruEstimate += minRead;
        }
        throw e;
      }
      const output = (res.output ?? {}) as { Item?: Json; Items?: Json[]; ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
      const cc = output.ConsumedCapacity;
      const reported = cc === undefined ? undefined : (Array.isArray(cc) ? cc : [cc]).reduce((s, x) => s + (x.CapacityUnits ?? 0), 0);
      if (write) {
        const est = writeItems.reduce<number>((s, item) => s + Math.max(1, Math.ceil(bytes(item) / 1024)), 0);
        n.wruEstimate += est;
        n.wru += Math.max(reported ?? est, writeItems.length);
      } else {
        const readBytes = name === 'Query' || name === 'Scan' ? (output.Items ?? []).reduce((s, i) => s + bytes(i), 0) : bytes(output.Item);
        const est = Math.max(1, Math.ceil(readBytes / 4096)) * minRead;
        n.rruEstimate += est;
        n.rru += Math.max(reported ?? est, minRead);
      }
      return res;
    },
    { step: 'initialize', name: 'stepwrightBenchCountRequests' },
  );

  const queue = engine.queue;
  const send = queue.send.bind(queue);
  queue.send = async (messages) => {
    const n = c();
    n.sends++;
    n.messages += messages.length;
    // SqsWorkQueue sends SendMessageBatch of up to 10 entries; SQS bills each 64 KB chunk of a request as one request
    for (let i = 0; i < messages.length; i += 10) n.sqsSendRequests += Math.max(1, Math.ceil(bytes(messages.slice(i, i + 10).map((m) => m.body)) / 65536));
    return send(messages);
  };

  const invoker = engine.deps.invoker;
  engine.deps.invoker = {
    invoke: async (req) => {
      const t = performance.now();
      try {
        return await invoker.invoke(req);
      } finally {
        c().taskInvocations++;
        c().taskMs += performance.now() - t;
      }
    },
  };

  // The engine started the queue with this same handler; start() with a consumer replaces it.
  const worker = createWorkerHandler(() => engine.deps);
  queue.start(async (event: SQSEvent) => {
    const t = performance.now();
    try {
      return await worker(event);
    } finally {
      c().workerBatches++;
      c().workerMs += performance.now() - t;
    }
  });

  return {
    get counts() {
      return { ...state.counts, recorded: recorder ? recorder.requests : [] };
    },
    reset() {
      state.counts = zero();
      recorder?.reset();
    },
    close() {
      raw?.destroy();
    },
  };
}
