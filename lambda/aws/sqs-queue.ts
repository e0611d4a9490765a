/**
 * WorkQueue on SQS. Messages go out with SendMessageBatch; SQS can accept part of a batch and refuse
 * the rest (Failed[] in a 200 response), so refused entries are retried on their own with backoff
 * and the send throws only when an entry still fails — the caller (the outbox) then retries later.
 */
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { OutgoingMessage, WorkQueue } from '../ports';
import { fullJitterBackoff } from '../backoff';

/** SQS's limit on DelaySeconds; the engine re-delays longer waits through `notBefore`. */
export const MAX_DELAY_SECONDS = 900;
/** SQS's limit on a visibility timeout (12 hours). */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** SQS's limit on entries in one SendMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;
/** Total payload of one batch. SQS has allowed 1 MiB since 2025, but 256 KiB is what every region and emulator accepts. */
export const MAX_BATCH_BYTES = 256 * 1024;

export interface SqsWorkQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** sends of one entry, the first included (default 5) */
  maxAttempts?: number;
  /** first backoff; doubles each retry, with full jitter (default 100 ms) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxBatchBytes?: number;
  /** batches sent at once when one send() holds many (a big Map fan-out) (default 8) */
  parallelBatches?: number;
  /** injectable for tests */
  sleep?: (ms: number) => Promise<void>;
}

export interface EntryFailure {
  id: string;
  code?: string;
  message?: string;
  senderFault: boolean;
}

/** Some messages could not be sent; the rest were. Every message is safe to send twice, so the caller may resend all. */
export class SqsSendError extends Error {
  constructor(readonly failures: EntryFailure[]) {
    super(`SQS refused ${failures.length} message(s): ${failures.map((f) => `${f.code ?? 'Unknown'}${f.senderFault ? ' (sender fault)' : ''}: ${f.message ?? ''}`).join('; ')}`);
    this.name = 'SqsSendError';
  }
}

/** Rounds up so a timer never fires early, and keeps within what SQS accepts. */
export function clampDelaySeconds(delay: number | undefined): number | undefined {
  if (delay === undefined) return undefined;
  if (Number.isNaN(delay) || delay <= 0) return 0;
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(delay));
}

/** Groups entries into batches of at most 10 entries and `maxBytes` of bodies; an entry larger than that goes alone (SQS will say why it is refused). */
export function splitBatches<T>(items: T[], sizeOf: (item: T) => number, maxBytes = MAX_BATCH_BYTES, maxEntries = MAX_BATCH_ENTRIES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxEntries || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SqsWorkQueue implements WorkQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxBatchBytes: number;
  private readonly parallelBatches: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SqsWorkQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
    this.parallelBatches = Math.max(1, options.parallelBatches ?? 8);
    this.sleep = options.sleep ?? defaultSleep;
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const entries = messages.map((m): SendMessageBatchRequestEntry => {
      const delay = clampDelaySeconds(m.delaySeconds);
      return { Id: '', MessageBody: JSON.stringify(m.body), ...(delay === undefined ? {} : { DelaySeconds: delay }) };
    });
    const batches = splitBatches(entries, (e) => Buffer.byteLength(e.MessageBody!, 'utf8'), this.maxBatchBytes);
    // Ids only need to be unique within a request; the index keeps them stable across retries.
    for (const batch of batches) batch.forEach((e, i) => (e.Id = `m${i}`));

    const failures: EntryFailure[] = [];
    let next = 0;
    const lane = async () => {
      while (next < batches.length) failures.push(...(await this.sendBatch(batches[next++])));
    };
    // Every batch is attempted even when one fails, so a failure costs only the resend of what failed.
    await Promise.all(Array.from({ length: Math.min(this.parallelBatches, batches.length) }, lane));
    if (failures.length > 0) throw new SqsSendError(failures);
  }

  /**
   * ChangeMessageVisibility: the message handed out under `receiptHandle` comes back `seconds` from now
   * (rounded up to whole seconds, SQS's unit, so a retry never comes early; at most 12 hours).
   */
  async retryAfter(receiptHandle: string, seconds: number): Promise<void> {
    const timeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(Number.isNaN(seconds) ? 0 : seconds)));
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: timeout }));
  }

  /** Sends one batch, resending refused entries; returns those that never got through. */
  private async sendBatch(batch: SendMessageBatchRequestEntry[]): Promise<EntryFailure[]> {
    let pending = batch;
    const permanent: EntryFailure[] = [];
    for (let attempt = 1; ; attempt++) {
      // A request-level error (network, throttling) has already been retried by the SDK; let it propagate.
      const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      const ok = new Set((out.Successful ?? []).map((s) => s.Id));
      const reported = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      const failed: EntryFailure[] = pending
        .filter((e) => !ok.has(e.Id))
        .map((e) => {
          const f = reported.get(e.Id);
          return { id: e.Id!, code: f?.Code ?? 'MissingResult', message: f?.Message, senderFault: f?.SenderFault ?? false };
        });
      // A sender fault (bad body, too large) fails the same way every time: don't retry it.
      permanent.push(...failed.filter((f) => f.senderFault));
      const retryable = new Set(failed.filter((f) => !f.senderFault).map((f) => f.id));
      if (retryable.size === 0) return permanent;
      if (attempt >= this.maxAttempts) return [...permanent, ...failed.filter((f) => !f.senderFault)];
      pending = pending.filter((e) => retryable.has(e.Id!));
      await this.sleep(fullJitterBackoff(attempt - 1, this.baseDelayMs, this.maxDelayMs));
    }
  }
}
