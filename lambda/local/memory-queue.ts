/**
 * The work queue of the local runtime: an in-process stand-in for SQS plus the Lambda event source
 * mapping in front of the worker. It hands the consumer the same SQSEvent the worker Lambda gets and
 * reads its SQSBatchResponse the way Lambda does, so the worker handler runs unchanged on a laptop —
 * including the failure paths (redelivery after the visibility timeout, partial batch failures,
 * dead-lettering) that the engine's exactly-once guarantees must survive.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutgoingMessage, WorkMessage, WorkQueue } from '../ports';
import { messageIdOf, readPersisted, replayJournal, sendLine, writeAtomicSync, type JournalRecord, type PersistedMessage } from './queue-journal';

export type { PersistedMessage } from './queue-journal';

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
  /**
   * Keep pending messages across restarts (and process death): the snapshot file (JSON, written
   * atomically) plus an append-only journal beside it (`<persistFile>.journal`). See "persistence" below.
   */
  persistFile?: string;
  /** journal size (bytes) past which it is folded into the snapshot (default 4 MiB; at least the snapshot's own size) */
  compactBytes?: number;
  queueArn?: string;
  /** a consumer that threw (the whole batch failed); default: console.error */
  onError?: (error: unknown, event: SQSEvent) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
  /**
   * Messages that are housekeeping, not work (the reconciler's delayed watchdogs): while they wait
   * for their delay, drain() does not wait for them and stats() does not count them as pending.
   * Handed out, they are work like any other.
   */
  isBackground?: (body: WorkMessage) => boolean;
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
  /** see LocalQueueOptions.isBackground */
  background?: boolean;
}

export const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:stepwright-work';
const MAX_DELAY_SECONDS = 900;

export class LocalQueue implements WorkQueue {
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly visibilityMs: number;
  private readonly maxReceiveCount: number;
  private readonly isBackground?: (body: WorkMessage) => boolean;
  private readonly timeScale: number;
  private readonly queueArn: string;
  private readonly region: string;
  private readonly onError: (error: unknown, event: SQSEvent) => void;
  private readonly onDeadLetter?: (letter: DeadLetter) => void;
  private readonly persistFile?: string;
  private readonly journalFile?: string;
  private readonly compactBytes: number;

  private readonly messages = new Map<string, Stored>();
  /** ids of visible messages in delivery order (a Set: O(1) removal, insertion-ordered iteration) */
  private readonly ready = new Set<string>();
  private readonly dead: DeadLetter[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private drainWaiters: (() => void)[] = [];
  private consumer?: BatchConsumer;
  private running = false;
  private pumpScheduled?: NodeJS.Immediate;
  /** the journal, open for appending (opened on first use, closed by stop()) */
  private journalFd?: number;
  private journalBytes = 0;
  private snapshotBytes = 0;
  /** receive and delete records not yet appended (written once per batch, not per message) */
  private lazyLines: string[] = [];

  constructor(options: LocalQueueOptions = {}) {
    this.batchSize = positiveInt(options.batchSize ?? 10, 'batchSize');
    this.concurrency = positiveInt(options.concurrency ?? 4, 'concurrency');
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale >= 0) || !Number.isFinite(this.timeScale)) throw new Error(`timeScale must be a finite number >= 0, got ${options.timeScale}`);
    this.visibilityMs = (options.visibilityTimeoutSeconds ?? 30) * 1000 * this.timeScale;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.isBackground = options.isBackground;
    this.queueArn = options.queueArn ?? LOCAL_QUEUE_ARN;
    this.region = this.queueArn.split(':')[3] || 'local';
    this.onError = options.onError ?? ((e) => console.error('stepwright local queue: the consumer failed a whole batch:', e));
    this.onDeadLetter = options.onDeadLetter;
    this.persistFile = options.persistFile;
    this.compactBytes = options.compactBytes ?? 4 * 1024 * 1024;
    if (this.persistFile) {
      this.journalFile = `${this.persistFile}.journal`;
      mkdirSync(path.dirname(this.persistFile), { recursive: true, mode: 0o700 });
      for (const p of replayJournal(readPersisted(this.persistFile), this.journalFile)) this.adopt(p);
      // Fold what was read into a fresh snapshot at once: a torn last journal line is gone for good (no
      // append can follow it), and a queue.json of an older Stepwright (no journal) is migrated.
      this.compact();
    }
  }

  // ---------------------------------------------------------------- WorkQueue

  /**
   * Resolves once the messages are in the journal (when persisting): a process killed after that
   * loses none of them. A failed append rejects and queues nothing, so the caller's retry is clean.
   */
  send(messages: OutgoingMessage[]): Promise<void> {
    return doneNow(() => this.sendNow(messages));
  }

  private sendNow(messages: OutgoingMessage[]): void {
    const now = Date.now();
    const batch: Stored[] = messages.map((m) => {
      // Fractions are kept (unlike SQS): the engine may already have scaled a wait below a second.
      const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, m.delaySeconds || 0));
      return {
        messageId: randomUUID(),
        body: JSON.stringify(m.body),
        sentTimestamp: now,
        receiveCount: 0,
        visibleAt: now + delaySeconds * 1000 * this.timeScale,
        state: 'waiting',
        ...(this.isBackground?.(m.body) ? { background: true } : {}),
      };
    });
    // In memory first, so that a compaction the append sets off has them in its snapshot.
    for (const msg of batch) this.messages.set(msg.messageId, msg);
    try {
      this.appendNow(batch.map(sendLine));
    } catch (e) {
      for (const msg of batch) this.messages.delete(msg.messageId);
      throw e;
    }
    for (const msg of batch) this.arm(msg);
    this.changed();
  }

  /**
   * SQS ChangeMessageVisibility for a message handed out under `receiptHandle`: it becomes visible
   * again `seconds` (times timeScale) from now instead of when its visibility timeout ends. A stale
   * handle (the message was redelivered or deleted since) changes nothing, where SQS would refuse it.
   */
  retryAfter(receiptHandle: string, seconds: number): Promise<void> {
    return doneNow(() => this.retryAfterNow(receiptHandle, seconds));
  }

  private retryAfterNow(receiptHandle: string, seconds: number): void {
    const msg = this.messages.get(messageIdOf(receiptHandle));
    if (!msg || msg.receiptHandle !== receiptHandle || msg.state !== 'inflight') return;
    const wait = Math.max(0, seconds) * 1000 * this.timeScale;
    msg.visibleAt = Date.now() + wait;
    if (msg.timer) clearTimeout(msg.timer);
    // Still handed out: if its consumer is still busy when the time comes, it is redelivered, as SQS does.
    msg.timer = setTimeout(() => {
      msg.timer = undefined;
      this.makeReady(msg);
    }, wait);
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

  /** Stops handing out batches, waits for those in flight, writes the snapshot and closes the journal; leaves no timers behind. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.pumpScheduled) clearImmediate(this.pumpScheduled);
    this.pumpScheduled = undefined;
    for (const msg of this.messages.values()) this.disarm(msg);
    await Promise.all([...this.inFlight]);
    // Settled failures were left unarmed (not running); make sure nothing else was armed meanwhile.
    for (const msg of this.messages.values()) this.disarm(msg);
    await this.flush();
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
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
    return { pending: this.messages.size - this.waitingInBackground(), inFlightBatches: this.inFlight.size, deadLetters: this.dead.length };
  }

  /** Background messages still waiting for their delay (a walk, but only when someone asks). */
  private waitingInBackground(): number {
    if (!this.isBackground) return 0;
    let n = 0;
    for (const m of this.messages.values()) if (m.background && m.state === 'waiting') n++;
    return n;
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
    const fresh = messages.filter((p) => !this.messages.has(p.messageId));
    for (const p of fresh) this.adopt(p);
    this.appendNow(fresh.map((p) => sendLine(p)));
    this.changed();
  }

  /** Folds the journal into the snapshot file now (stop() calls it). */
  flush(): Promise<void> {
    return doneNow(() => {
      if (this.persistFile && (this.journalBytes > 0 || this.lazyLines.length > 0)) this.compact();
    });
  }

  /*
   * Persistence: `persistFile` holds a snapshot ({"version":1,"messages":[...]}, the format of the
   * queue.json older versions wrote, so theirs loads as is), and `<persistFile>.journal` every change
   * since, one JSON line each:
   *
   *   {"op":"send","messageId","body","sentTimestamp","receiveCount","visibleAt"[,"firstReceiveTimestamp"]}
   *   {"op":"receive","messageId","receiveCount","firstReceiveTimestamp"}
   *   {"op":"delete","messageId"}      (deleted after success, or moved to the dead letters)
   *
   * send() appends its lines with write(2) before it resolves. Once write returns, the bytes are in
   * the kernel's page cache: a process killed by SIGKILL (or a crash) loses nothing. Only a power loss
   * or kernel crash can drop the last appends; that would take an fsync per send (milliseconds each),
   * which a laptop queue does not pay. Receives and deletes are written once per batch and may lag:
   * after a crash a message may be delivered again, which every work message tolerates; a sent one is
   * never lost. Restore = snapshot + replay of the journal, skipping a torn (unterminated) last line.
   *
   * Compaction, when the journal outgrows max(compactBytes, the last snapshot's size) so the rewrite
   * costs O(1) per journal byte: write the snapshot to a temp file, fsync, rename over the old one,
   * then truncate the journal. A death between the rename and the truncation replays the old journal
   * over the new snapshot: a send of a message already there is skipped and receive counts only grow,
   * so the replay changes nothing. All of it is synchronous (node:fs *Sync calls): appends cannot
   * interleave, and nothing is appended between the snapshot and the truncation.
   */

  /** Appends journal lines now; throws when the journal cannot be written. */
  private appendNow(lines: string[]): void {
    if (!this.journalFile) return;
    if (this.lazyLines.length) {
      lines = [...this.lazyLines.splice(0), ...lines];
    }
    if (lines.length === 0) return;
    const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
    this.journalFd ??= openSync(this.journalFile, 'a', 0o600);
    // write(2) may write less than asked (rare for a regular file, but allowed): go on until all is written.
    for (let off = 0; off < buf.length; ) off += writeSync(this.journalFd, buf, off, buf.length - off);
    this.journalBytes += buf.length;
    if (this.journalBytes >= Math.max(this.compactBytes, this.snapshotBytes)) this.compact();
  }

  /** Appends the receive and delete records gathered since the last write; losing them costs only a redelivery. */
  private appendLazy(): void {
    if (!this.journalFile || this.lazyLines.length === 0) return;
    try {
      this.appendNow([]);
    } catch (e) {
      console.error(`stepwright local queue: cannot write ${this.journalFile}:`, e);
    }
  }

  private compact(): void {
    const file = this.persistFile!;
    this.lazyLines = []; // the snapshot holds their effect
    const data = JSON.stringify({ version: 1, messages: this.snapshot() });
    writeAtomicSync(file, data);
    this.journalFd ??= openSync(this.journalFile!, 'a', 0o600);
    ftruncateSync(this.journalFd, 0);
    this.journalBytes = 0;
    this.snapshotBytes = Buffer.byteLength(data, 'utf8');
  }

  /** Takes in a restored message (nothing is written: it came from the files, or restore() wrote it). */
  private adopt(p: PersistedMessage): void {
    if (this.messages.has(p.messageId)) return;
    const msg: Stored = { ...p, state: 'waiting' };
    if (this.isBackground?.(JSON.parse(p.body) as WorkMessage)) msg.background = true;
    this.messages.set(msg.messageId, msg);
    this.arm(msg);
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
    // Opaque to the consumer, like SQS's; it names the message so retryAfter() finds it in O(1).
    msg.receiptHandle = `${msg.messageId}/${randomUUID()}`;
    msg.state = 'inflight';
    this.lazy({ op: 'receive', messageId: msg.messageId, receiveCount: msg.receiveCount, firstReceiveTimestamp: msg.firstReceiveTimestamp });
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
    this.lazy({ op: 'delete', messageId: msg.messageId });
  }

  private lazy(record: JournalRecord): void {
    if (this.journalFile) this.lazyLines.push(JSON.stringify(record));
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

  /** After each send, pump and settlement: lazy journal records go out here, one write for the lot. */
  private changed(): void {
    this.appendLazy();
    this.checkDrain();
  }

  private checkDrain(): void {
    if (this.inFlight.size > 0 || this.drainWaiters.length === 0) return;
    if (this.messages.size > 0 && this.messages.size > this.waitingInBackground()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Runs `work` at once and answers with a promise, as an async function that never awaits would:
 * a throw becomes the rejection. WorkQueue's methods are promises; this queue does its work in place.
 */
function doneNow(work: () => void): Promise<void> {
  return new Promise((resolve) => {
    work();
    resolve();
  });
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

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${n}`);
  return n;
}
