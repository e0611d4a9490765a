/**
 * The work queue of the local runtime: an in-process stand-in for SQS plus the Lambda event source
 * mapping in front of the worker. It hands the consumer the same SQSEvent the worker Lambda gets and
 * reads its SQSBatchResponse the way Lambda does, so the worker handler runs unchanged on a laptop —
 * including the failure paths (redelivery after the visibility timeout, partial batch failures,
 * dead-lettering) that the engine's exactly-once guarantees must survive.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutgoingMessage, WorkMessage, WorkQueue } from '../ports';

/** What the worker Lambda's handler looks like to its SQS event source. */
export type BatchConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface LocalQueueOptions {
  /** messages per event (default 10, Lambda's default for SQS) */
  batchSize?: number;
  /** batches handed out and not yet settled, at most (default 4) */
  concurrency?: number;
  /** how long a handed-out message stays invisible (default 30, SQS's default) */
  visibilityTimeoutSeconds?: number;
  /** deliveries before a message goes to the dead letters (default 5; Infinity: never) */
  maxReceiveCount?: number;
  /** multiplies delays and visibility timeouts; 0 = no waiting (default 1) */
  timeScale?: number;
  /** keep pending messages in this JSON file across restarts (written atomically, debounced) */
  persistFile?: string;
  persistDebounceMs?: number;
  queueArn?: string;
  /** a consumer that threw (the whole batch failed); default: console.error */
  onError?: (error: unknown, event: SQSEvent) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** A pending message as snapshot() gives it and restore() takes it. */
export interface PersistedMessage {
  messageId: string;
  /** the WorkMessage as JSON text */
  body: string;
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** epoch ms from which it may be delivered */
  visibleAt: number;
}

export interface DeadLetter {
  messageId: string;
  body: WorkMessage;
  receiveCount: number;
  sentTimestamp: number;
  deadAt: number;
}

interface Stored extends PersistedMessage {
  /** waiting: for its delay or visibility timeout (or for start()); ready: in line; inflight: handed out */
  state: 'waiting' | 'ready' | 'inflight';
  receiptHandle?: string;
  timer?: NodeJS.Timeout;
}

export const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:stepwright-work';
const MAX_DELAY_SECONDS = 900;

export class LocalQueue implements WorkQueue {
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly visibilityMs: number;
  private readonly maxReceiveCount: number;
  private readonly timeScale: number;
  private readonly queueArn: string;
  private readonly region: string;
  private readonly onError: (error: unknown, event: SQSEvent) => void;
  private readonly onDeadLetter?: (letter: DeadLetter) => void;
  private readonly persistFile?: string;
  private readonly persistDebounceMs: number;

  private readonly messages = new Map<string, Stored>();
  /** ids of visible messages in delivery order (a Set: O(1) removal, insertion-ordered iteration) */
  private readonly ready = new Set<string>();
  private readonly dead: DeadLetter[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private drainWaiters: (() => void)[] = [];
  private consumer?: BatchConsumer;
  private running = false;
  private pumpScheduled?: NodeJS.Immediate;
  private persistTimer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private dirty = false;

  constructor(options: LocalQueueOptions = {}) {
    this.batchSize = positiveInt(options.batchSize ?? 10, 'batchSize');
    this.concurrency = positiveInt(options.concurrency ?? 4, 'concurrency');
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale >= 0) || !Number.isFinite(this.timeScale)) throw new Error(`timeScale must be a finite number >= 0, got ${options.timeScale}`);
    this.visibilityMs = (options.visibilityTimeoutSeconds ?? 30) * 1000 * this.timeScale;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.queueArn = options.queueArn ?? LOCAL_QUEUE_ARN;
    this.region = this.queueArn.split(':')[3] || 'local';
    this.onError = options.onError ?? ((e) => console.error('stepwright local queue: the consumer failed a whole batch:', e));
    this.onDeadLetter = options.onDeadLetter;
    this.persistFile = options.persistFile;
    this.persistDebounceMs = options.persistDebounceMs ?? 100;
    if (this.persistFile) {
      this.restore(readPersisted(this.persistFile));
      // What was just read needs no writing back.
      if (this.persistTimer) clearTimeout(this.persistTimer);
      this.persistTimer = undefined;
      this.dirty = false;
    }
  }

  // ---------------------------------------------------------------- WorkQueue

  async send(messages: OutgoingMessage[]): Promise<void> {
    const now = Date.now();
    for (const m of messages) {
      // Fractions are kept (unlike SQS): the engine may already have scaled a wait below a second.
      const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, m.delaySeconds || 0));
      const msg: Stored = {
        messageId: randomUUID(),
        body: JSON.stringify(m.body),
        sentTimestamp: now,
        receiveCount: 0,
        visibleAt: now + delaySeconds * 1000 * this.timeScale,
        state: 'waiting',
      };
      this.messages.set(msg.messageId, msg);
      this.arm(msg);
    }
    this.changed();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Begins handing batches to `consumer` (or the one given before). */
  start(consumer?: BatchConsumer): void {
    this.consumer = consumer ?? this.consumer;
    if (!this.consumer) throw new Error('LocalQueue.start needs a consumer');
    if (this.running) return;
    this.running = true;
    for (const msg of this.messages.values()) if (msg.state !== 'inflight') this.arm(msg);
  }

  /** Stops handing out batches, waits for those in flight, writes the file; leaves no timers behind. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.pumpScheduled) clearImmediate(this.pumpScheduled);
    this.pumpScheduled = undefined;
    for (const msg of this.messages.values()) this.disarm(msg);
    await Promise.all([...this.inFlight]);
    // Settled failures were left unarmed (not running); make sure nothing else was armed meanwhile.
    for (const msg of this.messages.values()) this.disarm(msg);
    await this.flush();
  }

  /** Resolves once no message is pending, delayed or in flight. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.checkDrain();
    });
  }

  deadLetters(): DeadLetter[] {
    return [...this.dead];
  }

  stats(): { pending: number; inFlightBatches: number; deadLetters: number } {
    return { pending: this.messages.size, inFlightBatches: this.inFlight.size, deadLetters: this.dead.length };
  }

  // ---------------------------------------------------------------- persistence

  /** Every pending message. One handed out now is recorded as visible at once: if the process dies, so did its consumer. */
  snapshot(): PersistedMessage[] {
    return [...this.messages.values()].map((m) => ({
      messageId: m.messageId,
      body: m.body,
      sentTimestamp: m.sentTimestamp,
      receiveCount: m.receiveCount,
      ...(m.firstReceiveTimestamp === undefined ? {} : { firstReceiveTimestamp: m.firstReceiveTimestamp }),
      visibleAt: m.state === 'inflight' ? 0 : m.visibleAt,
    }));
  }

  /** Adds messages from a snapshot; ids already present are skipped, so restoring twice is harmless. */
  restore(messages: PersistedMessage[]): void {
    for (const p of messages) {
      if (this.messages.has(p.messageId)) continue;
      const msg: Stored = { ...p, state: 'waiting' };
      this.messages.set(msg.messageId, msg);
      this.arm(msg);
    }
    this.changed();
  }

  /** Writes the file now if anything changed since the last write (stop() calls it). */
  async flush(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    while (this.writing || this.dirty) await (this.writing ?? this.writeNow());
  }

  // ---------------------------------------------------------------- delivery

  /** Puts the message in line now, or sets a timer for when it becomes visible. */
  private arm(msg: Stored): void {
    this.disarm(msg);
    msg.state = 'waiting';
    if (!this.running) return;
    const wait = msg.visibleAt - Date.now();
    if (wait <= 0) return this.makeReady(msg);
    msg.timer = setTimeout(() => {
      msg.timer = undefined;
      this.makeReady(msg);
    }, wait);
  }

  private disarm(msg: Stored): void {
    if (msg.timer) clearTimeout(msg.timer);
    msg.timer = undefined;
    if (msg.state === 'ready') {
      this.ready.delete(msg.messageId);
      msg.state = 'waiting';
    }
  }

  private makeReady(msg: Stored): void {
    if (this.messages.get(msg.messageId) !== msg || !this.running) return;
    // An in-flight message whose visibility timeout ran out lines up again, as in SQS: its old receipt handle goes stale on redelivery.
    msg.state = 'ready';
    this.ready.add(msg.messageId);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.running && !this.pumpScheduled) {
      // Deferred so that one send() of many messages makes full batches.
      this.pumpScheduled = setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    this.pumpScheduled = undefined;
    while (this.running && this.consumer && this.inFlight.size < this.concurrency && this.ready.size > 0) {
      const batch: Stored[] = [];
      for (const id of this.ready) {
        if (batch.length >= this.batchSize) break;
        this.ready.delete(id);
        const msg = this.messages.get(id)!;
        // SQS moves a message to the dead-letter queue when a receive would exceed maxReceiveCount.
        if (msg.receiveCount >= this.maxReceiveCount) {
          this.bury(msg);
          continue;
        }
        this.receive(msg);
        batch.push(msg);
      }
      if (batch.length > 0) this.dispatch(batch, this.consumer);
    }
    this.changed();
  }

  private receive(msg: Stored): void {
    const now = Date.now();
    msg.receiveCount++;
    msg.firstReceiveTimestamp ??= now;
    msg.receiptHandle = randomUUID();
    msg.state = 'inflight';
    msg.visibleAt = now + this.visibilityMs;
    // With no visibility timeout (timeScale 0) it stays handed out until settled, rather than being redelivered at once.
    if (this.visibilityMs > 0) {
      msg.timer = setTimeout(() => {
        msg.timer = undefined;
        this.makeReady(msg);
      }, this.visibilityMs);
    }
  }

  private dispatch(batch: Stored[], consumer: BatchConsumer): void {
    const event: SQSEvent = { Records: batch.map((m) => this.record(m)) };
    const handles = new Map(batch.map((m) => [m.messageId, m.receiptHandle!]));
    const settled: Promise<void> = (async () => {
      let failed: Set<string>;
      try {
        failed = failedIds(await consumer(event), handles);
      } catch (e) {
        this.onError(e, event);
        failed = new Set(handles.keys());
      }
      this.settle(handles, failed);
    })().finally(() => {
      this.inFlight.delete(settled);
      this.schedulePump();
      this.changed();
    });
    this.inFlight.add(settled);
  }

  /** Deletes what succeeded; what failed becomes visible again when its visibility timeout ends (Lambda leaves it to SQS). */
  private settle(handles: Map<string, string>, failed: Set<string>): void {
    for (const [id, handle] of handles) {
      const msg = this.messages.get(id);
      // Redelivered since this batch got it: the newer delivery decides its fate.
      if (!msg || msg.receiptHandle !== handle) continue;
      if (!failed.has(id)) {
        this.remove(msg);
      } else if (msg.state === 'inflight') {
        // It can never be delivered again: bury it now rather than after a visibility timeout nobody needs to wait for.
        if (msg.receiveCount >= this.maxReceiveCount) this.bury(msg);
        else this.arm(msg);
      }
    }
  }

  private remove(msg: Stored): void {
    this.disarm(msg);
    this.messages.delete(msg.messageId);
  }

  private bury(msg: Stored): void {
    this.remove(msg);
    const letter: DeadLetter = {
      messageId: msg.messageId,
      body: JSON.parse(msg.body) as WorkMessage,
      receiveCount: msg.receiveCount,
      sentTimestamp: msg.sentTimestamp,
      deadAt: Date.now(),
    };
    this.dead.push(letter);
    this.onDeadLetter?.(letter);
  }

  private record(m: Stored): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle!,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentTimestamp),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: this.region,
    };
  }

  // ---------------------------------------------------------------- bookkeeping

  private changed(): void {
    this.checkDrain();
    if (this.persistFile) {
      this.dirty = true;
      if (!this.persistTimer && !this.writing) this.persistTimer = setTimeout(() => void this.writeNow(), this.persistDebounceMs);
    }
  }

  private checkDrain(): void {
    if (this.messages.size > 0 || this.inFlight.size > 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private writeNow(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.dirty = false;
    const file = this.persistFile!;
    const data = JSON.stringify({ version: 1, messages: this.snapshot() });
    this.writing = writeAtomic(file, data)
      .catch((e) => console.error(`stepwright local queue: cannot write ${file}:`, e))
      .finally(() => {
        this.writing = undefined;
        // Changes made during the write get their own (debounced) write.
        if (this.dirty && !this.persistTimer) this.persistTimer = setTimeout(() => void this.writeNow(), this.persistDebounceMs);
      });
    return this.writing;
  }
}

/** Lambda's reading of a batch response: nothing or an empty list is full success; a malformed one fails the whole batch. */
function failedIds(response: SQSBatchResponse | void, handles: Map<string, string>): Set<string> {
  const failures = response ? response.batchItemFailures : undefined;
  if (failures === undefined || failures === null) return new Set();
  const all = new Set(handles.keys());
  if (!Array.isArray(failures)) return all;
  const ids = new Set<string>();
  for (const f of failures) {
    const id = f?.itemIdentifier;
    if (typeof id !== 'string' || !handles.has(id)) return all;
    ids.add(id);
  }
  return ids;
}

/** Temp file + fsync + rename: a reader (or a crash) sees the old file or the new one, never half of one. */
async function writeAtomic(file: string, data: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
}

function readPersisted(file: string): PersistedMessage[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const parsed = JSON.parse(text) as { version?: number; messages?: PersistedMessage[] };
  if (parsed?.version !== 1 || !Array.isArray(parsed.messages)) throw new Error(`${file} is not a Stepwright queue file (version 1)`);
  return parsed.messages;
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${n}`);
  return n;
}
