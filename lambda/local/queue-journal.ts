/**
 * The local queue's files: the snapshot (written whole, atomically) and the journal of sends, receives
 * and deletes appended between snapshots, replayed on start. Split from memory-queue.ts, which keeps
 * the queue itself.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

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

/**
 * Temp file (mode 0600) + fsync + rename: a reader, or a crash at any point, sees the old file or the
 * new one, never half of one. The fsync matters because the journal is truncated right after: without
 * it a power loss could leave neither the new snapshot nor the journal it replaced.
 */
export function writeAtomicSync(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const buf = Buffer.from(data, 'utf8');
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

export type JournalRecord =
  | ({ op: 'send' } & PersistedMessage)
  | { op: 'receive'; messageId: string; receiveCount: number; firstReceiveTimestamp?: number }
  | { op: 'delete'; messageId: string };

export function sendLine(m: PersistedMessage): string {
  const record: JournalRecord = {
    op: 'send',
    messageId: m.messageId,
    body: m.body,
    sentTimestamp: m.sentTimestamp,
    receiveCount: m.receiveCount,
    ...(m.firstReceiveTimestamp === undefined ? {} : { firstReceiveTimestamp: m.firstReceiveTimestamp }),
    visibleAt: m.visibleAt,
  };
  return JSON.stringify(record);
}

export function messageIdOf(receiptHandle: string): string {
  return receiptHandle.slice(0, receiptHandle.indexOf('/'));
}

/**
 * The snapshot's messages with the journal's records applied, in order. Idempotent over messages the
 * snapshot already has (see compact()). A message received before the crash is visible at once: its
 * delay had passed, and whoever had it died with the process.
 */
export function replayJournal(snapshot: PersistedMessage[], journalFile: string): PersistedMessage[] {
  const byId = new Map(snapshot.map((m) => [m.messageId, { ...m }]));
  let text: string;
  try {
    text = readFileSync(journalFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [...byId.values()];
    throw e;
  }
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    let r: JournalRecord;
    try {
      r = JSON.parse(line) as JournalRecord;
    } catch {
      // The last line without its newline is an append cut short by the process's death: it was never
      // acknowledged. Anywhere else the file was damaged from outside: say so, and keep the rest.
      if (i !== lines.length - 1) console.error(`stepwright local queue: skipping a damaged line ${i + 1} of ${journalFile}`);
      return;
    }
    if (r.op === 'send') {
      if (!byId.has(r.messageId)) {
        const m: PersistedMessage & { op?: string } = { ...r };
        delete m.op;
        byId.set(r.messageId, m);
      }
    } else if (r.op === 'receive') {
      const m = byId.get(r.messageId);
      if (m && r.receiveCount >= m.receiveCount) {
        m.receiveCount = r.receiveCount;
        m.firstReceiveTimestamp ??= r.firstReceiveTimestamp;
        m.visibleAt = 0;
      }
    } else if (r.op === 'delete') {
      byId.delete(r.messageId);
    }
  });
  return [...byId.values()];
}

export function readPersisted(file: string): PersistedMessage[] {
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
