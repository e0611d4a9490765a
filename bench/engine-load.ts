/**
 * Throughput and latency of the durable engine under load: the reference workflow started over HTTP
 * (POST /state-machines/reference/executions) with N executions in flight, each awaited with a long
 * poll (GET /executions/{arn}?waitSeconds=20) until it ends. The engine runs in a process of its own (bench/engine-server.ts),
 * this one is the load generator, so the two do not share a core's event loop; the load average of the
 * machine is printed beside every figure (other work on a shared machine moves them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import * as path from 'node:path';
import { median, table } from './harness';
import { REFERENCE_INPUT, REFERENCE_OUTPUT } from './reference-workflow';
import { jsonDiff } from './harness';

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n: number) => `${n.toFixed(0)} ms`;
/** median and (max - min) / median of several runs */
export const withSpread = (xs: number[], fmt: (n: number) => string) => {
  const m = median(xs);
  return `${fmt(m)} ±${m ? Math.round(((Math.max(...xs) - Math.min(...xs)) / m) * 100) : 0}%`;
};

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'engine-server.ts')], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, STEPWRIGHT_LOG_LEVEL: 'ERROR' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`engine server exited with ${code}`)));
  });
  return { url, child };
}

interface Run {
  perSec: number;
  p50: number;
  p99: number;
  failures: number;
  load: number;
}

async function loadRun(url: string, inFlight: number, budgetMs: number, firstFailure: string[]): Promise<Run> {
  const lat: number[] = [];
  let failures = 0;
  const one = async (): Promise<void> => {
    const t = performance.now();
    const r = await fetch(`${url}/state-machines/reference/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: REFERENCE_INPUT }) });
    if (r.status !== 202) throw new Error(`start: HTTP ${r.status} ${await r.text()}`);
    const { executionArn } = (await r.json()) as { executionArn: string };
    for (;;) {
      // a long poll: the server answers when the execution ends (or after 20 s), so waiting clients cost it nothing
      const d = (await (await fetch(`${url}/executions/${encodeURIComponent(executionArn)}?waitSeconds=20`)).json()) as { status: string; output?: unknown };
      if (d.status !== 'RUNNING') {
        const diff = d.status === 'SUCCEEDED' ? jsonDiff(d.output, REFERENCE_OUTPUT) : d.status;
        if (diff) {
          failures++;
          firstFailure.push(diff);
        }
        lat.push(performance.now() - t);
        return;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() - t0 < budgetMs) await one();
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { perSec: lat.length / seconds, p50: pct(lat, 50), p99: pct(lat, 99), failures, load: loadavg()[0] };
}

export async function engineLoadBench(opts: { inFlight: number[]; runs: number; budgetMs: number }): Promise<void> {
  const { url, child } = await startServer();
  const failures: string[] = [];
  try {
    await loadRun(url, 20, 3000, failures); // warm-up (JIT, sockets, table)
    const rows: string[][] = [];
    for (const n of opts.inFlight) {
      const runs: Run[] = [];
      for (let i = 0; i < opts.runs; i++) runs.push(await loadRun(url, n, opts.budgetMs, failures));
      rows.push([
        String(n),
        withSpread(runs.map((r) => r.perSec), (x) => x.toFixed(1)),
        withSpread(runs.map((r) => r.p50), ms),
        withSpread(runs.map((r) => r.p99), ms),
        String(runs.reduce((s, r) => s + r.failures, 0)),
        runs.map((r) => r.load.toFixed(2)).join(' '),
      ]);
    }
    console.log(`\nengine under load: reference workflow over HTTP, engine in its own process (local engine: dynalite in memory, in-process queue, timeScale 0), load generator in this one waiting with GET /executions/{arn}?waitSeconds=20; ${opts.runs} runs of ${opts.budgetMs / 1000} s per row, median ±spread ((max-min)/median); ${cpus().length} cores`);
    console.log(table(['in flight', 'executions/s', 'p50 start-to-finish', 'p99 start-to-finish', 'failures', '1-min load average per run'], rows));
    if (failures.length) console.log(`!!! failures, e.g. ${failures[0]}`);
    console.log('latency = POST start until the waiting GET returns the final status (HTTP included); measured on this machine, not AWS');
  } finally {
    child.stdin?.end();
    await new Promise((res) => child.once('exit', res));
  }
}
