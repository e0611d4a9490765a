/**
 * LocalQueue: the in-process SQS + Lambda event source. Time-dependent cases use real timers scaled
 * to tens of milliseconds and assert only lower bounds and orderings, never tight upper bounds.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_QUEUE_ARN, LocalQueue, type BatchConsumer, type LocalQueueOptions } from '../../lambda/local/memory-queue';
import type { OutgoingMessage, WorkMessage } from '../../lambda/ports';

const msg = (n: number, delaySeconds?: number): OutgoingMessage => ({ body: { kind: 'start', executionArn: `e${n}` }, delaySeconds });
const arnOf = (r: SQSRecord) => (JSON.parse(r.body) as WorkMessage).executionArn;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const queues: LocalQueue[] = [];
function queue(options: LocalQueueOptions = {}): LocalQueue {
  const q = new LocalQueue({ timeScale: 0, onError: () => {}, ...options });
  queues.push(q);
  return q;
}
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
});

/** A consumer that records every batch and answers through `answer` (default: all succeed). */
function recorder(answer: (event: SQSEvent, call: number) => Promise<SQSBatchResponse | void> | SQSBatchResponse | void = () => undefined) {
  const batches: { records: SQSRecord[]; at: number }[] = [];
  const consumer: BatchConsumer = async (event) => {
    batches.push({ records: event.Records, at: Date.now() });
    return answer(event, batches.length);
  };
  return { consumer, batches, delivered: () => batches.flatMap((b) => b.records.map(arnOf)) };
}

describe('LocalQueue', () => {
  it('delivers messages in SQS event records shaped like the worker Lambda gets them', async () => {
    const q = queue();
    const r = recorder();
    q.start(r.consumer);
    const before = Date.now();
    await q.send([msg(1), msg(2), msg(3)]);
    await q.drain();
    expect(r.batches).toHaveLength(1);
    const [rec] = r.batches[0].records;
    expect(r.delivered()).toEqual(['e1', 'e2', 'e3']);
    expect(JSON.parse(rec.body)).toEqual(msg(1).body);
    expect(rec).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: LOCAL_QUEUE_ARN, awsRegion: 'local', messageAttributes: {} });
    expect(rec.eventSourceARN).toBe('arn:aws:sqs:local:000000000000:stepwright-work');
    expect(rec.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(rec.attributes.SentTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(rec.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(rec.attributes.SentTimestamp));
    expect(rec.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(r.batches[0].records.map((x) => x.messageId)).size).toBe(3);
    expect(q.stats()).toEqual({ pending: 0, inFlightBatches: 0, deadLetters: 0 });
  });

  it('hands out at most batchSize messages per event', async () => {
    const q = queue({ batchSize: 10 });
    const r = recorder();
    q.start(r.consumer);
    await q.send(Array.from({ length: 25 }, (_, i) => msg(i)));
    await q.drain();
    expect(r.batches.map((b) => b.records.length)).toEqual([10, 10, 5]);
    expect(r.delivered()).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
  });

  it('holds a delayed message back for its (scaled) delay', async () => {
    const q = queue({ timeScale: 0.05 }); // 2 s -> 100 ms
    const r = recorder();
    q.start(r.consumer);
    const sentAt = Date.now();
    await q.send([msg(1, 2), msg(2)]);
    await q.drain();
    expect(r.delivered()).toEqual(['e2', 'e1']);
    expect(r.batches[1].at - sentAt).toBeGreaterThanOrEqual(90);
  });

  it('clamps delays to 0..900 seconds before scaling', async () => {
    const q = queue({ timeScale: 0.5 });
    await q.send([msg(1, 5000), msg(2, -3), msg(3, 1.5)]);
    expect(q.snapshot().map((m) => m.visibleAt - m.sentTimestamp)).toEqual([450_000, 0, 750]);
  });

  it('redelivers a whole batch after the visibility timeout when the consumer throws', async () => {
    const errors: unknown[] = [];
    const q = queue({ timeScale: 0.1, visibilityTimeoutSeconds: 1, onError: (e) => errors.push(e) }); // 100 ms
    const r = recorder((_, call) => {
      if (call === 1) throw new Error('boom');
    });
    q.start(r.consumer);
    await q.send([msg(1), msg(2)]);
    await q.drain();
    // Each message has its own visibility timer, so the redeliveries may come in one batch or two.
    const [firstBatch, ...later] = r.batches;
    expect(firstBatch.records.map(arnOf)).toEqual(['e1', 'e2']);
    expect(later.flatMap((b) => b.records.map(arnOf)).sort()).toEqual(['e1', 'e2']);
    for (const b of later) expect(b.at - firstBatch.at).toBeGreaterThanOrEqual(90);
    const first = firstBatch.records[0];
    const second = later.flatMap((b) => b.records).find((x) => x.messageId === first.messageId)!;
    expect(second.messageId).toBe(first.messageId);
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
    expect(second.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.attributes.ApproximateFirstReceiveTimestamp).toBe(first.attributes.ApproximateFirstReceiveTimestamp);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('redelivers only the messages named in batchItemFailures', async () => {
    const q = queue();
    const r = recorder((event, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[1].messageId }] } : { batchItemFailures: [] }));
    q.start(r.consumer);
    await q.send([msg(1), msg(2), msg(3)]);
    await q.drain();
    expect(r.batches.map((b) => b.records.map(arnOf))).toEqual([['e1', 'e2', 'e3'], ['e2']]);
    expect(r.batches[1].records[0].attributes.ApproximateReceiveCount).toBe('2');
  });

  it('fails the whole batch when batchItemFailures names an unknown id (as Lambda does)', async () => {
    const q = queue();
    const r = recorder((_, call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: 'no-such-id' }] } : undefined));
    q.start(r.consumer);
    await q.send([msg(1), msg(2)]);
    await q.drain();
    expect(r.batches.map((b) => b.records.map(arnOf))).toEqual([['e1', 'e2'], ['e1', 'e2']]);
  });

  it('moves a message to the dead letters after maxReceiveCount failed deliveries', async () => {
    const dead: string[] = [];
    const q = queue({ maxReceiveCount: 3, onDeadLetter: (d) => dead.push(d.messageId) });
    const r = recorder((event) => ({ batchItemFailures: event.Records.filter((x) => arnOf(x) === 'e1').map((x) => ({ itemIdentifier: x.messageId })) }));
    q.start(r.consumer);
    await q.send([msg(1), msg(2)]);
    await q.drain();
    expect(r.delivered().filter((a) => a === 'e1')).toHaveLength(3);
    expect(r.delivered().filter((a) => a === 'e2')).toHaveLength(1);
    const letters = q.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ body: msg(1).body, receiveCount: 3 });
    expect(dead).toEqual([letters[0].messageId]);
  });

  it('redelivers a message whose visibility timeout ends while it is still being handled; the stale delivery cannot delete it', async () => {
    const q = queue({ timeScale: 0.05, visibilityTimeoutSeconds: 1 }); // 50 ms
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const r = recorder(async (event, call) => {
      if (call === 1) {
        await held; // outlives the visibility timeout
        return; // success, but with a receipt handle that went stale on redelivery
      }
      if (call === 2) return { batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] };
    });
    q.start(r.consumer);
    await q.send([msg(1)]);
    while (r.batches.length < 2) await sleep(5);
    release();
    await q.drain();
    // the stale success of delivery 1 is ignored: delivery 2 failed, so a third one came
    expect(r.batches.map((b) => b.records[0].attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
  });

  it('retryAfter (ChangeMessageVisibility) brings a failed message back after the given (scaled) seconds instead of the visibility timeout', async () => {
    // visibility timeout 1000 s scaled to 10 s: far beyond this test; the retry asks for 2 s scaled to 20 ms
    const q = queue({ timeScale: 0.01, visibilityTimeoutSeconds: 1000 });
    const handles: string[] = [];
    const r = recorder(async (event, call) => {
      const [rec] = event.Records;
      handles.push(rec.receiptHandle);
      if (call === 1) {
        await q.retryAfter(rec.receiptHandle, 2);
        return { batchItemFailures: [{ itemIdentifier: rec.messageId }] };
      }
    });
    q.start(r.consumer);
    await q.send([msg(1)]);
    await q.drain();
    expect(r.batches.map((b) => b.records[0].attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(q.snapshot()).toEqual([]);
    // a stale handle (the message was redelivered, then deleted) changes nothing and does not throw
    await q.retryAfter(handles[0], 0);
    await q.retryAfter('no-such-handle', 0);
  });

  it('drain waits for delayed and in-flight messages, and resolves at once when idle', async () => {
    const q = queue({ timeScale: 0.01 });
    await q.drain();
    const r = recorder(() => sleep(20));
    q.start(r.consumer);
    await q.send([msg(1, 30), msg(2)]); // 300 ms
    let drained = false;
    const d = q.drain().then(() => (drained = true));
    await sleep(10);
    expect(drained).toBe(false);
    await d;
    expect(r.delivered().sort()).toEqual(['e1', 'e2']);
    expect(q.stats().pending).toBe(0);
  });

  it('keeps at most `concurrency` batches in flight', async () => {
    const q = queue({ concurrency: 3, batchSize: 2 });
    let now = 0;
    let max = 0;
    const sizes: number[] = [];
    q.start(async (event) => {
      sizes.push(event.Records.length);
      max = Math.max(max, ++now);
      await sleep(10);
      now--;
    });
    await q.send(Array.from({ length: 30 }, (_, i) => msg(i)));
    await q.drain();
    expect(max).toBe(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
  });

  it('stop() waits for batches in flight and delivers nothing more until restarted', async () => {
    const q = queue({ timeScale: 0.01 });
    let release!: () => void;
    const r = recorder((_, call) => (call === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined));
    q.start(r.consumer);
    await q.send([msg(1), msg(2, 2)]); // e2 after 20 ms
    while (r.batches.length < 1) await sleep(1);
    let stopped = false;
    const s = q.stop().then(() => (stopped = true));
    await sleep(40);
    expect(stopped).toBe(false);
    release();
    await s;
    await sleep(40);
    expect(r.delivered()).toEqual(['e1']);
    q.start();
    await q.drain();
    expect(r.delivered()).toEqual(['e1', 'e2']);
  });
});

describe('LocalQueue persistence', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'stepwright-queue-'))));
  afterEach(async () => {
    // (inner afterEach hooks run first: stop the queues before their folder goes)
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('snapshot() and restore() round-trip pending messages; restoring twice adds nothing', async () => {
    const a = queue({ timeScale: 1 });
    await a.send([msg(1), msg(2, 600)]);
    const snap = a.snapshot();
    const b = queue({ timeScale: 1 });
    b.restore(snap);
    b.restore(snap);
    expect(b.snapshot()).toEqual(snap);
    const r = recorder();
    b.start(r.consumer);
    await sleep(20);
    expect(r.delivered()).toEqual(['e1']); // e2 keeps its absolute due time
    expect(b.snapshot().map((m) => m.visibleAt)).toEqual([snap[1].visibleAt]);
  });

  it('has a message on disk when send() resolves, and reloads it in a new queue', async () => {
    const file = path.join(dir, 'nested', 'queue.json');
    const a = queue({ persistFile: file, timeScale: 1 });
    await a.send([msg(1), msg(2, 600)]);
    // no flush, no stop: what send() resolved on is in the journal already
    const early = new LocalQueue({ persistFile: file, timeScale: 1 });
    expect(early.snapshot()).toEqual(a.snapshot());
    await early.stop();

    await a.flush(); // folds the journal into the snapshot file
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk.version).toBe(1);
    expect(onDisk.messages).toEqual(a.snapshot());
    expect(readFileSync(`${file}.journal`, 'utf8')).toBe('');
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['queue.json', 'queue.json.journal']); // no temp files left behind
    for (const f of ['queue.json', 'queue.json.journal']) expect(statSync(path.join(dir, 'nested', f)).mode & 0o777).toBe(0o600);

    const b = queue({ persistFile: file, timeScale: 1 });
    expect(b.snapshot()).toEqual(a.snapshot());
    const r = recorder();
    b.start(r.consumer);
    for (let i = 0; i < 100 && r.batches.length === 0; i++) await sleep(5);
    await b.stop(); // compacts: only the delayed message is left
    expect(r.delivered()).toEqual(['e1']);
    expect(JSON.parse(readFileSync(file, 'utf8')).messages.map((m: { body: string }) => JSON.parse(m.body).executionArn)).toEqual(['e2']);
  });

  it('records a message in flight as visible at once, since its consumer dies with the process', async () => {
    const q = queue();
    let release!: () => void;
    q.start(() => new Promise<void>((resolve) => (release = resolve)));
    await q.send([msg(1)]);
    while (!release) await sleep(1);
    expect(q.snapshot()).toEqual([expect.objectContaining({ receiveCount: 1, visibleAt: 0 })]);
    release();
  });

  it('refuses a file that is not a queue file', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{"hello":1}');
    expect(() => new LocalQueue({ persistFile: file })).toThrow(/not a Stepwright queue file/);
  });
});
