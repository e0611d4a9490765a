/**
 * The local queue's durability against process death: a child process sends through a LocalQueue on
 * a folder, the test SIGKILLs it right after it reported that send() resolved, and a fresh LocalQueue
 * on the same folder must deliver every message whose send() resolved. Also: the journal's torn last
 * line, compaction, receive counts across a restart, and the queue.json of older versions.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { SQSRecord } from 'aws-lambda';
import { LocalQueue, type PersistedMessage } from '../../lambda/local/memory-queue';
import type { WorkMessage } from '../../lambda/ports';

const ROOT = path.resolve(__dirname, '../..');
const SENDER = path.join(__dirname, 'fixtures', 'queue-sender.ts');
const QUEUE_MODULE = process.env.STEPWRIGHT_QUEUE_MODULE ?? path.join(ROOT, 'lambda/local/memory-queue.ts');
const arnOf = (r: SQSRecord) => (JSON.parse(r.body) as WorkMessage).executionArn;

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'stepwright-durable-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the sender; `killWhen` sees every stdout line and says when to SIGKILL it. Resolves with all lines once it is dead. */
async function runSenderUntilKilled(args: string[], killWhen: (line: string, lines: string[]) => boolean): Promise<string[]> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', SENDER, QUEUE_MODULE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines: string[] = [];
  let killed = false;
  // Read to the end: what the child wrote between the trigger and its death counts too (a consumer's lines).
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    if (!killed && killWhen(line, lines)) {
      killed = child.kill('SIGKILL');
    }
  }
  const [code, signal] = await exited;
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' }); // killed, not ended on its own
  return lines;
}

/** Everything a fresh queue on `file` delivers (it succeeds on all of them). */
async function deliverAll(file: string): Promise<string[]> {
  const q = new LocalQueue({ persistFile: file, timeScale: 0, onError: () => {} });
  const got: string[] = [];
  q.start(async (event) => void got.push(...event.Records.map(arnOf)));
  await q.drain();
  await q.stop();
  return got;
}

const sentArns = (lines: string[]) =>
  lines.filter((l) => l.startsWith('sent ')).flatMap((l) => {
    const [, first, n] = l.split(' ').map(Number);
    return Array.from({ length: n }, (_, i) => `e${first + i}`);
  });

describe('LocalQueue across SIGKILL', () => {
  it('delivers all N messages whose send() resolved before the process was killed', async () => {
    const file = path.join(dir, 'queue.json');
    const N = 200;
    // one message per send(): the process is killed the moment the last send() has resolved
    const lines = await runSenderUntilKilled([file, String(N), '1'], (line) => line === 'done');
    expect(sentArns(lines)).toHaveLength(N);
    const delivered = await deliverAll(file);
    expect(delivered.sort()).toEqual(Array.from({ length: N }, (_, i) => `e${i}`).sort());
  });

  it('loses no acknowledged send when killed mid-stream, with a consumer deleting and the journal compacting meanwhile', async () => {
    const file = path.join(dir, 'queue.json');
    // a tiny compaction bound: the kill is likely to land near a snapshot rewrite
    const lines = await runSenderUntilKilled([file, '0', '10', 'consume', '2048'], (_, all) => all.filter((l) => l.startsWith('sent ')).length >= 300);
    const sent = sentArns(lines);
    const consumed = new Set(lines.filter((l) => l.startsWith('consumed ')).map((l) => l.slice('consumed '.length)));
    const restored = await deliverAll(file);
    expect(new Set(restored).size).toBe(restored.length); // each message once
    const lost = sent.filter((arn) => !consumed.has(arn) && !restored.includes(arn));
    expect(lost).toEqual([]);
    expect(consumed.size).toBeGreaterThan(0); // the consumer did run (so deletes and compactions happened)
  });
});

describe('LocalQueue journal', () => {
  const msg = (n: number) => ({ body: { kind: 'start' as const, executionArn: `e${n}` } });

  it('ignores a torn last line (an append cut short by the process dying)', async () => {
    const file = path.join(dir, 'queue.json');
    const a = new LocalQueue({ persistFile: file, timeScale: 0 });
    await a.send([msg(1), msg(2)]);
    // (a is abandoned, not stopped: as if the process had died)
    appendFileSync(`${file}.journal`, '{"op":"send","messageId":"x","bo');
    expect(await deliverAll(file)).toEqual(['e1', 'e2']);
  });

  it('folds the journal into the snapshot once it outgrows the bound, and loses nothing doing so', async () => {
    const file = path.join(dir, 'queue.json');
    const a = new LocalQueue({ persistFile: file, timeScale: 0, compactBytes: 1024 });
    for (let i = 0; i < 100; i++) await a.send([msg(i)]);
    // each line is ~200 bytes: the journal was folded many times and is below the bound (or the snapshot's size) now
    expect(statSync(`${file}.journal`).size).toBeLessThan(Math.max(1024, statSync(file).size));
    expect(JSON.parse(readFileSync(file, 'utf8')).messages.length).toBeGreaterThan(0);
    expect((await deliverAll(file)).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `e${i}`).sort());
  });

  it('keeps receive counts across a restart, so a poison message still reaches the dead letters', async () => {
    const file = path.join(dir, 'queue.json');
    const failAll = (deliveries: number[]) => async (event: { Records: SQSRecord[] }) => {
      deliveries.push(...event.Records.map((r) => Number(r.attributes.ApproximateReceiveCount)));
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    };
    const first: number[] = [];
    const a = new LocalQueue({ persistFile: file, timeScale: 0, maxReceiveCount: 100, onError: () => {} });
    a.start(failAll(first));
    await a.send([msg(1)]);
    while (first.length < 2) await new Promise((resolve) => setImmediate(resolve));
    // read the folder as a restarted process would (the second delivery's record may or may not be written yet)
    const b = new LocalQueue({ persistFile: file, timeScale: 0, maxReceiveCount: 3, onError: () => {} });
    await a.stop();
    const restoredCount = b.snapshot()[0].receiveCount;
    expect(restoredCount).toBeGreaterThanOrEqual(1);
    const second: number[] = [];
    b.start(failAll(second));
    await b.drain();
    await b.stop();
    // it goes on counting from where it was, and is given up after 3 deliveries in all
    expect(second).toEqual(Array.from({ length: 3 - restoredCount }, (_, i) => restoredCount + 1 + i));
    expect(b.deadLetters()).toEqual([expect.objectContaining({ receiveCount: 3, body: msg(1).body })]);
  });

  it('loads the queue.json of an older version (no journal) and migrates it, with mode 0600', async () => {
    const file = path.join(dir, 'queue.json');
    const old: PersistedMessage[] = [
      { messageId: 'm1', body: JSON.stringify(msg(1).body), sentTimestamp: 1, receiveCount: 2, firstReceiveTimestamp: 2, visibleAt: 0 },
      { messageId: 'm2', body: JSON.stringify(msg(2).body), sentTimestamp: 1, receiveCount: 0, visibleAt: 0 },
    ];
    writeFileSync(file, JSON.stringify({ version: 1, messages: old }), { mode: 0o644 });
    const q = new LocalQueue({ persistFile: file, timeScale: 0 });
    expect(q.snapshot()).toEqual(old);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}.journal`).mode & 0o777).toBe(0o600);
    await q.stop();
    expect((await deliverAll(file)).sort()).toEqual(['e1', 'e2']);
  });
});
