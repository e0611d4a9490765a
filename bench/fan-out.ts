/**
 * `npm run bench -- --only=fanout`: the fan-out curve of the durable engine. One Map of N items
 * (N = 100, 1,000, 10,000; `--sizes=100,1000` to shorten) started over the local HTTP server (POST
 * /state-machines/{name}/executions) and polled with GET /executions/{arn} until it ends, as a client
 * of `stepwright serve` would. Two item shapes:
 *   - Task chain: a Pass, then a Task that adds 1 (a local task function). In the default 'auto'
 *     mode it runs spread: every item a child execution with its own record and queue messages.
 *   - Pass-only chain: two Passes that add 1 with States.MathAdd. 'auto' runs it inline (no Task,
 *     nothing to spread), inside the parent's record.
 * The peer is Stepwright's own inline mode (startLocalEngine({ fanOut: 'inline' })) on the Task
 * chain: every item inside the parent's one record.
 *
 * Every run is a process of its own (this file again, with --fanout-child), so one run's heap and
 * RSS peak do not carry over to the next; the child samples process.memoryUsage() every 50 ms,
 * counts I/O with bench/io-count.ts and prints one JSON line. Its output is checked against the
 * expected array before any figure of it is printed.
 *
 * Memory caveat: dynalite keeps the table in this same process (memory-level), so RSS and heap
 * include the stored data, which grows with N on any engine that keeps per-item records. The
 * "stored" column (the table's JSON size, Scans before and after the run, outside the timing) says
 * how much that is; on AWS it lives in DynamoDB, not in the worker. "heap after, GC" minus it is
 * what the engine itself kept.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { startLocalEngine } from '../lambda/local/local-engine';
import { startHttpServer } from '../lambda/local/http-server';
import { LocalTaskInvoker } from '../lambda/local/local-invoker';
import { resolverFromTable } from '../lambda/local/tasks';
import { localClient } from '../lambda/local/embedded-dynamo';
import { DynamoExecutionStore } from '../lambda/aws/dynamo-store';
import { retentionPolicy } from '../lambda/runtime/retention';
import type { EngineDeps } from '../lambda/runtime/deps';
import type { FanOutMode } from '../lambda/engine/interpreter';
import { getGc, jsonDiff, table } from './harness';
import { instrumentEngine, type IoCounts } from './io-count';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Json = Record<string, unknown>;
type Shape = 'task' | 'pass';

/**
 * Queue concurrency (batches of 10 in flight) of the spread and pass-only runs. Tried 16 and 32 on the
 * Task chain spread at 1,000 items, four runs each on a shared 2-core machine: 16: 14.7-32.5 s
 * (median 19.4), 32: 14.9-19.5 s (median 17.4). 32 is the (slightly) faster, for ~15 MiB more peak
 * RSS; the spread between runs is larger than the difference, because the process is CPU-bound on
 * SDK request handling and dynalite at either setting. `--concurrency=N` to try others.
 */
export const DEFAULT_CONCURRENCY = 32;
/**
 * The inline peer runs at concurrency 1, its fastest: every task answer rewrites the parent's one
 * record, so parallel answers mostly lose the conditional write and retry (and, after 20 losses,
 * wait out the 30 s visibility timeout). Task chain inline at 100 items: 75 s at 16, 9.5 s at 4,
 * 6.7 s at 1; at 1,000 items and 16 it had done 40% after 11 minutes. Comparing against that would
 * flatter the spread mode.
 */
const PEER_CONCURRENCY = 1;
/** The inline peer is skipped at a size whose run would take longer than this, by the measured trend. */
const INLINE_BUDGET_MS = 3 * 60_000;
/** Per-run limit of a child process; the 10,000-item spread run takes about 3 minutes. */
const CHILD_TIMEOUT_MS = 20 * 60_000;

const MACHINE = 'fanout';
/** marks the child's progress lines on stderr */
const PROGRESS = '@progress ';
const INC = 'arn:aws:lambda:us-east-1:123456789012:function:Inc';

/** The Map over $.items; both shapes turn item i into i + 1, so both expect [1..N]. */
function definition(shape: Shape): Json {
  const processor =
    shape === 'task'
      ? {
          StartAt: 'Wrap',
          States: {
            Wrap: { Type: 'Pass', Parameters: { 'n.$': '$' }, Next: 'Inc' },
            Inc: { Type: 'Task', Resource: INC, End: true },
          },
        }
      : {
          StartAt: 'Wrap',
          States: {
            Wrap: { Type: 'Pass', Parameters: { 'n.$': '$' }, Next: 'Inc' },
            Inc: { Type: 'Pass', Parameters: { 'v.$': 'States.MathAdd($.n, 1)' }, OutputPath: '$.v', End: true },
          },
        };
  return {
    Comment: `bench fan-out: Map of ${shape === 'task' ? 'Pass -> Task(+1)' : 'Pass -> Pass(+1)'}`,
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: processor, End: true } },
  };
}
const inputOf = (n: number) => ({ items: Array.from({ length: n }, (_, i) => i) });
const expectedOf = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// ================================================================ the child: one run, one process

interface RunSpec {
  shape: Shape;
  fanOut: FanOutMode;
  size: number;
  concurrency: number;
  label: string;
}

/** the I/O counters of bench/io-count.ts this bench reports (worker side: the API's requests are apart) */
type WorkerIo = Pick<IoCounts, 'requests' | 'reads' | 'writes' | 'failed' | 'wru' | 'rru' | 'messages' | 'sends' | 'taskInvocations' | 'workerBatches'>;

interface RunResult extends WorkerIo {
  /** undefined when the output was right; otherwise why not (no figures are printed then) */
  error?: string;
  wallMs: number;
  /** process.memoryUsage() peaks during the run, and the readings after warm-up + GC it started from */
  peakRss: number;
  peakHeap: number;
  baseRss: number;
  baseHeap: number;
  /** heap used after the run and a GC, the engine still up (store data and the fetched result included) */
  retainedHeap: number;
  resultBytes: number;
  /** messages by WorkMessage kind (startChild > 0 shows the run spread) */
  kinds: Record<string, number>;
  /** what the client cost the store: the start and the polls of GET /executions/{arn} */
  polls: number;
  apiRequests: number;
  /** items and bytes the run added to the table (Scans before and after it, outside the timing) */
  storedItems: number;
  storedBytes: number;
}

async function childMain(spec: RunSpec): Promise<void> {
  const gc = getGc();
  const n = spec.size;
  const def = definition(spec.shape);
  const engine = await startLocalEngine({
    invoker: new LocalTaskInvoker(resolverFromTable({ Inc: async (x) => (x as { n: number }).n + 1 })),
    timeScale: 0,
    concurrency: spec.concurrency,
    fanOut: spec.fanOut,
    stateMachines: [{ name: MACHINE, definition: def as never, definitionText: JSON.stringify(def) }],
  });
  const io = instrumentEngine(engine);
  // Messages by kind, on top of io-count's wrapper (which counts sends and messages).
  const kinds: Record<string, number> = {};
  const countedSend = engine.queue.send.bind(engine.queue);
  engine.queue.send = async (messages) => {
    for (const m of messages) kinds[m.body.kind] = (kinds[m.body.kind] ?? 0) + 1;
    return countedSend(messages);
  };

  // The HTTP side gets a store of its own on a second client to the same dynalite, so that the
  // client's polling (one GetItem per poll, however often one polls) stays out of the per-item
  // figures; it is counted apart.
  const apiClient = localClient(engine.dynamo);
  let apiRequests = 0;
  apiClient.middlewareStack.add((next) => async (args) => (apiRequests++, next(args)), { step: 'initialize', name: 'benchCountApi' });
  const apiStore: DynamoExecutionStore = new DynamoExecutionStore({ client: apiClient, tableName: engine.dynamo.tableName, ttlSeconds: retentionPolicy(() => apiStore) });
  const apiDeps: EngineDeps = { ...engine.deps, store: apiStore };
  const http = await startHttpServer(apiDeps, 0, '127.0.0.1');

  let polls = 0;
  const runOnce = async (size: number, onProgress?: (elapsedMs: number) => void): Promise<{ status: string; output?: unknown; error?: string; cause?: string; ms: number }> => {
    const t0 = performance.now();
    const r = await fetch(`${http.url}/state-machines/${MACHINE}/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: inputOf(size) }) });
    if (r.status !== 202) throw new Error(`start: HTTP ${r.status} ${await r.text()}`);
    const { executionArn } = (await r.json()) as { executionArn: string };
    for (;;) {
      polls++;
      const d = (await (await fetch(`${http.url}/executions/${encodeURIComponent(executionArn)}`)).json()) as { status: string; output?: unknown; error?: string; cause?: string };
      const elapsed = performance.now() - t0;
      if (d.status !== 'RUNNING') return { ...d, ms: elapsed };
      onProgress?.(elapsed);
      // Poll at ~2% of the time so far (5..250 ms): the end is seen within ~2% of the wall time,
      // and a long run is not slowed by a client hammering the parent's (possibly large) record.
      await new Promise((res) => setTimeout(res, Math.min(250, Math.max(5, elapsed / 50))));
    }
  };

  try {
    // Warm-up (JIT, SDK clients, sockets), uncounted: the same machine on 20 items.
    await runOnce(20);
    await engine.idle();
    // (this Scan and the one after the run go through the engine's client: read before the reset and after the copy)
    const storedBefore = await storedData(engine.dynamo.client, engine.dynamo.tableName);
    io.reset();
    for (const k of Object.keys(kinds)) delete kinds[k];
    polls = 0;
    apiRequests = 0;
    gc?.();
    const base = process.memoryUsage();
    const peak = { rss: base.rss, heap: base.heapUsed };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heap = Math.max(peak.heap, m.heapUsed);
    }, 50);

    // A line per 10% done, once a run has taken a few seconds (and one at least every 30 s), so that a
    // long run does not look hung. Spread: queue messages handled of the 3 per item (startChild,
    // invoke, fanIn); the children's records are all created before the first of them is sent.
    // Inline: tasks answered.
    let lastTenth = 0;
    let lastLine = 0;
    const progress = (elapsed: number) => {
      if (spec.shape !== 'task' || elapsed < 3000) return;
      const spread = (kinds.startChild ?? 0) > 0;
      const handled = io.counts.messages - engine.queue.stats().pending;
      const done = spread ? handled / (3 * n) : io.counts.taskInvocations / n;
      const tenth = Math.min(9, Math.floor(done * 10));
      if (tenth <= lastTenth && elapsed - lastLine < 30_000) return;
      lastTenth = Math.max(lastTenth, tenth);
      lastLine = elapsed;
      const what = spread ? `${handled} of ~${3 * n} messages handled` : `${io.counts.taskInvocations} tasks answered`;
      process.stderr.write(`${PROGRESS}    ${spec.label}, ${n} items: ${Math.floor(done * 100)}% (${what}, ${(elapsed / 1000).toFixed(0)} s, ${(peak.rss / 2 ** 20).toFixed(0)} MiB RSS)\n`);
    };
    const r = await runOnce(n, progress);
    clearInterval(sampler);
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
    // Late messages (none expected: the parent ends last) would belong to this run's I/O.
    await engine.idle();
    const c = { ...io.counts, requests: { ...io.counts.requests } };

    let error: string | undefined;
    if (r.status !== 'SUCCEEDED') error = `execution ${r.status}: ${r.error ?? ''} ${r.cause ?? ''}`.trim();
    else {
      const d = jsonDiff(r.output, expectedOf(n));
      if (d) error = `wrong Map result: ${d}`;
    }
    gc?.();
    const retainedHeap = process.memoryUsage().heapUsed;
    const stored = await storedData(engine.dynamo.client, engine.dynamo.tableName);
    const result: RunResult = {
      error,
      wallMs: r.ms,
      peakRss: peak.rss,
      peakHeap: peak.heap,
      baseRss: base.rss,
      baseHeap: base.heapUsed,
      retainedHeap,
      resultBytes: Buffer.byteLength(JSON.stringify(r.output ?? null)),
      requests: c.requests,
      reads: c.reads,
      writes: c.writes,
      failed: c.failed,
      wru: c.wru,
      rru: c.rru,
      messages: c.messages,
      sends: c.sends,
      kinds,
      taskInvocations: c.taskInvocations,
      workerBatches: c.workerBatches,
      polls,
      apiRequests,
      storedItems: stored.items - storedBefore.items,
      storedBytes: stored.bytes - storedBefore.bytes,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await http.close();
    apiClient.destroy();
    await engine.close();
  }
}

/** Items and their JSON size in the whole table (read before and after the run; the difference is the run's). */
async function storedData(client: ReturnType<typeof localClient>, tableName: string): Promise<{ items: number; bytes: number }> {
  let items = 0;
  let bytes = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const it of page.Items ?? []) {
      items++;
      bytes += Buffer.byteLength(JSON.stringify(it));
    }
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return { items, bytes };
}

// ================================================================ the parent: spawn, check, print

/**
 * Runs one spec in a child process. Its stdout's last line is the result; of its stderr only the
 * progress lines pass through (the rest, e.g. the SDK's socket warnings, is kept for a failure).
 */
function runChild(spec: RunSpec): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--fanout-child', JSON.stringify(spec)], {
      cwd: path.join(__dirname, '..'),
      // the worker logs every contention retry at WARN; the counts below say how many there were
      env: { ...process.env, STEPWRIGHT_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: CHILD_TIMEOUT_MS,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      const lines = err.split('\n');
      err = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith(PROGRESS)) process.stderr.write(l.slice(PROGRESS.length) + '\n');
        else other.push(l);
      }
    });
    const other: string[] = [];
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop();
      try {
        if (code !== 0 || !line) throw new Error(signal ? `killed by ${signal} (over ${CHILD_TIMEOUT_MS / 60000} min?)` : `exit code ${code}: ${[...other, err].filter(Boolean).slice(-3).join(' | ')}`);
        resolve(JSON.parse(line) as RunResult);
      } catch (e) {
        resolve({ error: `child process failed: ${(e as Error).message}` } as RunResult);
      }
    });
  });
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const per = (x: number, n: number) => (x / n < 10 ? (x / n).toFixed(2) : (x / n).toFixed(1));
const secs = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(0)} s`);
const rate = (n: number, ms: number) => `${((n * 1000) / ms).toFixed(n * 1000 / ms < 100 ? 1 : 0)}`;

interface Row {
  label: string;
  spec: RunSpec;
  result?: RunResult;
  skipped?: string;
}

export async function runFanOutBench(opts: { sizes?: number[]; concurrency?: number } = {}): Promise<void> {
  const sizes = opts.sizes ?? [100, 1000, 10_000];
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  console.log(
    `\nfan-out curve: a Map of N items over the local HTTP server (start POST, poll GET /executions/{arn}); local engine: dynalite in this process, in-process queue of batches of 10, concurrency ${concurrency} (inline peer ${PEER_CONCURRENCY}); each run in a process of its own after a 20-item warm-up`,
  );
  const spreadRuns = new Map<number, RunResult>();
  const inlineRuns = new Map<number, RunResult>();
  const verified = (r?: RunResult) => (r && !r.error ? r : undefined);

  for (const size of sizes) {
    const rows: Row[] = [
      { label: 'Task chain, spread (auto)', spec: { shape: 'task', fanOut: 'auto', size, concurrency, label: 'Task chain spread' } },
      { label: `Task chain, inline (peer, concurrency ${PEER_CONCURRENCY})`, spec: { shape: 'task', fanOut: 'inline', size, concurrency: PEER_CONCURRENCY, label: 'Task chain inline' } },
      { label: 'Pass-only chain (auto: inline)', spec: { shape: 'pass', fanOut: 'auto', size, concurrency, label: 'Pass-only' } },
    ];
    for (const row of rows) {
      if (row.spec.shape === 'task' && row.spec.fanOut === 'inline') {
        const estimate = estimateInline(size, inlineRuns);
        if (estimate && estimate.ms > INLINE_BUDGET_MS) {
          row.skipped = `skipped: would take > ${Math.floor(estimate.ms / 60_000)} min (${estimate.trend})`;
          continue;
        }
      }
      process.stderr.write(`  running ${row.spec.label}, ${size} items...\n`);
      row.result = await runChild(row.spec);
      if (row.spec.shape === 'task' && row.spec.fanOut === 'auto' && verified(row.result)) spreadRuns.set(size, row.result);
      if (row.spec.shape === 'task' && row.spec.fanOut === 'inline' && verified(row.result)) inlineRuns.set(size, row.result);
    }
    printSize(size, rows);
  }

  // ------------------------------------------------ the curve in one line each
  const line = (name: string, f: (r: RunResult, n: number) => number) => {
    const xs = sizes.flatMap((n) => (spreadRuns.has(n) ? [[n, f(spreadRuns.get(n)!, n)] as const] : []));
    if (!xs.length) return `${name}: n/a (no verified spread run)`;
    // "constant": every size within 10% of the largest one's figure; otherwise say which way it goes
    // from the smallest size to the largest (falling: fixed costs spread over more items).
    const [first, last] = [xs[0][1], xs[xs.length - 1][1]];
    const constant = xs.every(([, v]) => Math.abs(v - last) <= 0.1 * Math.abs(last));
    const trend = last < first ? `no, falls ${((1 - last / first) * 100).toFixed(0)}%` : `no, grows ${((last / first - 1) * 100).toFixed(0)}%`;
    return `${name}: ${xs.map(([n, v]) => `${n}: ${v.toFixed(2)}`).join(', ')} (constant? ${constant ? 'yes' : trend})`;
  };
  console.log('\nTask chain spread, per item as the count grows:');
  console.log(line('store requests/item', (r, n) => (r.reads + r.writes) / n));
  console.log(line('queue messages/item', (r, n) => r.messages / n));
  console.log(line('WRU/item', (r, n) => r.wru / n));
  console.log(line('RRU/item', (r, n) => r.rru / n));
  // Memory: the peak includes garbage not yet collected; what stays after a GC is the table (dynalite
  // keeps it in this process) and the fetched result. Compare the two lines below.
  console.log(line('peak heap growth KiB/item', (r, n) => (r.peakHeap - r.baseHeap) / 1024 / n));
  console.log(line('heap growth after the run and a GC, KiB/item', (r, n) => (r.retainedHeap - r.baseHeap) / 1024 / n));
  console.log(line('table data (JSON, in dynalite in the same process), KiB/item', (r, n) => r.storedBytes / 1024 / n));
  // What the engine keeps beyond the table: if this stays flat while N grows 100x, memory grows with the
  // stored data only (a rough difference: dynalite's in-memory encoding is not the JSON's size).
  const beyond = sizes.filter((n) => spreadRuns.has(n)).map((n) => {
    const r = spreadRuns.get(n)!;
    return `${n}: ${((r.retainedHeap - r.baseHeap - r.storedBytes) / 2 ** 20).toFixed(1)} MiB`;
  });
  console.log(`heap growth after GC minus table data (whole run, not per item): ${beyond.join(', ') || 'n/a'}`);
  const ratios = sizes
    .filter((n) => spreadRuns.has(n))
    .map((n) => `${n}: ${inlineRuns.has(n) ? `${(inlineRuns.get(n)!.wallMs / spreadRuns.get(n)!.wallMs).toFixed(2)}x` : 'no inline run'}`);
  console.log(`spread / inline items/s (Task chain): ${ratios.length ? ratios.join(', ') : 'n/a'}`);
}

/**
 * The inline run's time at `size` from the two largest sizes measured below it, by the power law
 * t = a * n^k they give (k is about 2 when every item rewrites a record that holds all items).
 */
function estimateInline(size: number, runs: Map<number, RunResult>): { ms: number; trend: string } | undefined {
  const below = [...runs.keys()].filter((n) => n < size).sort((a, b) => a - b);
  if (below.length < 2) return undefined;
  const [n1, n2] = below.slice(-2);
  const [t1, t2] = [runs.get(n1)!.wallMs, runs.get(n2)!.wallMs];
  const k = Math.log(t2 / t1) / Math.log(n2 / n1);
  const ms = t2 * Math.pow(size / n2, k);
  return { ms, trend: `measured ${n1}: ${secs(t1)}, ${n2}: ${secs(t2)}, time ~ n^${k.toFixed(2)}` };
}

function printSize(size: number, rows: Row[]): void {
  console.log(`\n${size.toLocaleString('en-US')} items:`);
  const out: string[][] = [];
  const notes: string[] = [];
  for (const { label, result: r, skipped } of rows) {
    if (skipped) {
      out.push([label, 'skipped']);
      notes.push(`  ${label}: ${skipped}`);
      continue;
    }
    // Figures only for a run whose Map result was checked equal to [1..N].
    if (!r || r.error) {
      out.push([label, `!!! ERROR: ${r?.error ?? 'no result'} (no figures)`]);
      continue;
    }
    const n = size;
    const children = r.kinds.startChild ?? 0;
    out.push([
      label,
      secs(r.wallMs),
      rate(n, r.wallMs),
      mib(r.peakRss),
      `${mib(r.peakHeap)} (+${(r.peakHeap - r.baseHeap) / 2 ** 20 < 10 ? ((r.peakHeap - r.baseHeap) / 2 ** 20).toFixed(1) : ((r.peakHeap - r.baseHeap) / 2 ** 20).toFixed(0)})`,
      `+${((r.retainedHeap - r.baseHeap) / 2 ** 20).toFixed(1)} MiB`,
      `${(r.storedBytes / 2 ** 20).toFixed(1)} MiB`,
      `${per(r.reads + r.writes, n)} (${per(r.reads, n)}/${per(r.writes, n)})`,
      per(r.messages, n),
      `${per(r.wru, n)}/${per(r.rru, n)}`,
      children ? `${children}` : 'none',
    ]);
    const byType = Object.entries(r.requests)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${per(v, n)}`)
      .join(', ');
    const kinds = Object.entries(r.kinds).map(([k, v]) => `${k} ${per(v, n)}`).join(', ');
    notes.push(
      `  ${label}: requests/item ${byType}; failed (lost conditional writes) ${per(r.failed, n)}/item; messages/item ${kinds}; ${r.workerBatches} worker batches; ` +
        `client: ${r.polls} polls = ${r.apiRequests} store requests on the API's own client (not above); result ${(r.resultBytes / 1024).toFixed(1)} KiB; table ${r.storedItems} items`,
    );
  }
  console.log(
    table(
      ['run (Map result verified)', 'wall', 'items/s', 'peak RSS', 'peak heap (+growth)', 'heap after, GC', 'stored', 'store req/item (r/w)', 'queue msg/item', 'WRU/RRU per item', 'children'],
      out,
    ),
  );
  console.log(notes.join('\n'));
}

// ================================================================ entry when spawned as a child

if (require.main === module) {
  const i = process.argv.indexOf('--fanout-child');
  if (i < 0) {
    runFanOutBench().catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
  } else {
    childMain(JSON.parse(process.argv[i + 1]) as RunSpec).catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
  }
}
