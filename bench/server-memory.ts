/**
 * `npm run bench -- --only=memory`: does a long-running `stepwright serve` hold flat memory?
 *
 * Each variant is a real server process (`node bin/stepwright.js serve --port <free> --config <tmp>`),
 * driven over loopback HTTP by this process: executions of a short Pass -> Task -> Pass machine (the
 * task is a local module) are started with POST /state-machines/mem/executions and polled with GET
 * /executions/{arn} until they end, a bounded number in flight. At three checkpoints (by default after
 * 2,000, 10,000 and 20,000 executions) the server is asked over an IPC channel (bench/server-memory-probe.js,
 * preloaded with -r) to run a full GC and report its memory, so the figures are what it retains.
 *
 * Variants, each in its own process, one after the other:
 *   data      `serve --data <tmp>`: the shipped default (dynalite on LevelDB, queue file)
 *   in-memory `serve --in-memory`: the same engine keeping every item in the V8 heap (grows with the data
 *             by design: a peer that shows what retained data looks like)
 *   plain     a plain node HTTP server answering the same two routes from a fixed reply: the floor, what
 *             node and the request count alone cost
 *
 * Options: --count=N (default 20000; checkpoints at 10%, 50% and 100% of it), --in-flight=N (default 16),
 *          --variants=data,in-memory,plain, --read-history (also GET each execution's history once it has
 *          ended: a Query per execution, as a client showing results would). Prints only; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { table } from './harness';

const ROOT = path.join(__dirname, '..');
const PROBE = path.join(__dirname, 'server-memory-probe.js');

const DEFINITION = {
  Comment: 'memory bench: a short Task/Pass machine',
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'lines.$': '$.lines', step: 1 }, Next: 'Work' },
    Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Work', ResultPath: '$.result', Next: 'Finish' },
    Finish: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'total.$': '$.result.total' }, End: true },
  },
};
const TASKS_MODULE = `module.exports = {
  Work: async (x) => ({ total: x.lines.reduce((a, l) => a + l.qty, 0), at: new Date().toISOString() }),
};
`;
const input = (i: number) => ({ id: `order-${i}`, lines: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }] });

/** The plain peer: node's http module, the same two routes, no engine behind them. */
const PLAIN_SERVER = `
const http = require('node:http');
let n = 0;
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST') {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:mem:' + n++, startDate: new Date().toISOString() }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url.endsWith('/history') ? { events: [{ id: 1, type: 'ExecutionSucceeded' }] } : { status: 'SUCCEEDED', output: { total: 3 } }));
    }
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

export type MemoryVariant = 'data' | 'in-memory' | 'plain';

interface Sample {
  executions: number;
  seconds: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  dataBytes?: number;
}

interface VariantResult {
  variant: MemoryVariant;
  samples: Sample[];
  failures: number;
  error?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function folderBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    try {
      total += e.isDirectory() ? folderBytes(p) : statSync(p).size;
    } catch {
      // a LevelDB file removed by a compaction between the listing and the stat
    }
  }
  return total;
}

function waitForListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/listening/i.test(out)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining what it prints later
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out.slice(-500)}`)));
  });
}

function sample(child: ChildProcess): Promise<Omit<Sample, 'executions' | 'seconds' | 'dataBytes'>> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Omit<Sample, 'executions' | 'seconds' | 'dataBytes'>));
    child.send('sample');
  });
}

async function runVariant(variant: MemoryVariant, opts: { count: number; inFlight: number; checkpoints: number[]; work: string; readHistory: boolean }): Promise<VariantResult> {
  const port = await freePort();
  const dataDir = path.join(opts.work, `data-${variant}`);
  const nodeArgs = ['--expose-gc', '-r', PROBE];
  const args =
    variant === 'plain'
      ? [...nodeArgs, '-e', PLAIN_SERVER, String(port)]
      : [...nodeArgs, path.join(ROOT, 'bin/stepwright.js'), 'serve', '--port', String(port), '--config', path.join(opts.work, 'config.json'), '--time-scale', '1', ...(variant === 'in-memory' ? ['--in-memory'] : ['--data', dataDir])];
  const child = spawn(process.execPath, args, {
    cwd: opts.work,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  const result: VariantResult = { variant, samples: [], failures: 0 };
  try {
    await waitForListening(child);
    const url = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    let started = 0;
    let done = 0;
    let next = 0;
    // one checkpoint at a time: the workers pause while the server is sampled, so every sample sees the same quiet state
    let pause: Promise<void> | undefined;
    const one = async (i: number) => {
      const r = await fetch(`${url}/state-machines/mem/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: input(i) }) });
      if (r.status !== 202) throw new Error(`start: HTTP ${r.status} ${await r.text()}`);
      const { executionArn } = (await r.json()) as { executionArn: string };
      for (;;) {
        const d = (await (await fetch(`${url}/executions/${encodeURIComponent(executionArn)}`)).json()) as { status: string; output?: unknown };
        if (d.status !== 'RUNNING') {
          const out = typeof d.output === 'string' ? JSON.parse(d.output) : d.output;
          if (d.status !== 'SUCCEEDED' || (out as { total?: number })?.total !== 3) result.failures++;
          if (opts.readHistory) {
            const h = await fetch(`${url}/executions/${encodeURIComponent(executionArn)}/history`);
            if (h.status !== 200 || !((await h.json()) as { events?: unknown[] }).events?.length) result.failures++;
          }
          return;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    await Promise.all(
      Array.from({ length: opts.inFlight }, async () => {
        for (;;) {
          if (pause) await pause;
          if (started >= opts.count) return;
          const i = started++;
          await one(i);
          done++;
          if (next < opts.checkpoints.length && done >= opts.checkpoints[next] && !pause) {
            const at = opts.checkpoints[next++];
            let release!: () => void;
            pause = new Promise<void>((r) => (release = r));
            // let the executions still in flight end before sampling
            while (done < started) await new Promise((res) => setTimeout(res, 10));
            const s = await sample(child);
            const taken: Sample = { ...s, executions: at, seconds: (performance.now() - t0) / 1000, dataBytes: variant === 'data' ? folderBytes(dataDir) : undefined };
            result.samples.push(taken);
            // progress, for a run that takes many minutes
            console.log(`  ${variant}: ${at} executions, ${taken.seconds.toFixed(0)} s, RSS ${(taken.rss / 1048576).toFixed(0)} MB, heap ${(taken.heapUsed / 1048576).toFixed(0)}/${(taken.heapTotal / 1048576).toFixed(0)} MB`);
            pause = undefined;
            release();
          }
        }
      }),
    );
  } catch (e) {
    result.error = `${(e as Error).message}${stderr ? ` (server stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')})` : ''}`;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
  return result;
}

export async function runServerMemoryBench(opts: { count?: number; inFlight?: number; variants?: MemoryVariant[]; readHistory?: boolean } = {}): Promise<void> {
  const count = opts.count ?? 20_000;
  const inFlight = opts.inFlight ?? 16;
  const variants = opts.variants ?? ['data', 'in-memory', 'plain'];
  const checkpoints = [...new Set([Math.round(count / 10), Math.round(count / 2), count])].filter((n) => n > 0);
  const work = mkdtempSync(path.join(tmpdir(), 'stepwright-memory-'));
  writeFileSync(path.join(work, 'definition.json'), JSON.stringify(DEFINITION));
  writeFileSync(path.join(work, 'tasks.js'), TASKS_MODULE);
  writeFileSync(path.join(work, 'config.json'), JSON.stringify({ stateMachines: [{ name: 'mem', definition: 'definition.json' }], tasks: 'tasks.js' }));
  console.log(`\nserver memory: ${count} executions of a Pass -> Task -> Pass machine through \`stepwright serve\` over loopback HTTP, ${inFlight} in flight, each polled until it ends${opts.readHistory ? ', then its history read' : ''}; a full GC before each reading; Node ${process.version}, ${process.platform}/${process.arch}`);
  const results: VariantResult[] = [];
  try {
    for (const v of variants) results.push(await runVariant(v, { count, inFlight, checkpoints, work, readHistory: opts.readHistory ?? false }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  const names: Record<MemoryVariant, string> = { data: 'serve --data (default)', 'in-memory': 'serve --in-memory (peer: data in the heap)', plain: 'plain node HTTP server (floor)' };
  const rows: string[][] = [];
  for (const r of results) {
    if (r.error && r.samples.length === 0) {
      rows.push([names[r.variant], `n/a: ${r.error}`, '', '', '', '', '']);
      continue;
    }
    for (const s of r.samples) {
      rows.push([
        s === r.samples[0] ? names[r.variant] : '',
        s.executions.toLocaleString('en-US'),
        mb(s.rss),
        `${mb(s.heapUsed)} / ${mb(s.heapTotal)}`,
        mb(s.external),
        s.dataBytes === undefined ? '' : `${(s.dataBytes / s.executions / 1024).toFixed(1)} KiB`,
        (s.executions / s.seconds).toFixed(0),
      ]);
    }
    if (r.failures) rows.push(['', `!!! ${r.failures} executions did not succeed`, '', '', '', '', '']);
    if (r.error) rows.push(['', `!!! stopped: ${r.error}`, '', '', '', '', '']);
  }
  console.log(table(['server', 'executions', 'RSS', 'heap used / total', 'external', 'data folder per exec', 'exec/s'], rows));
  const data = results.find((r) => r.variant === 'data' && r.samples.length >= 2);
  if (data) {
    const first = data.samples[0];
    const last = data.samples[data.samples.length - 1];
    const perK = ((last.rss - first.rss) / ((last.executions - first.executions) / 1000)) / 1048576;
    console.log(`serve --data: RSS ${perK >= 0 ? '+' : ''}${perK.toFixed(1)} MB per 1,000 executions between ${first.executions.toLocaleString('en-US')} and ${last.executions.toLocaleString('en-US')} (flat = about 0)`);
  }
  console.log('readings after a forced full GC, in the server process (IPC probe); exec/s is the average from the start, on this machine, with the polling included');
}
