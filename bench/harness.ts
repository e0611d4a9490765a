/**
 * Timing, GC access, output comparison and table printing for `npm run bench`.
 * Benchmarks only print: nothing here asserts on a time.
 */
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** Something that runs a workload once. Sync implementations are called without an await. */
export type RunOnce = (input: unknown) => unknown;

export interface Throughput {
  /** median executions per second over the samples */
  perSec: number;
  /** total executions timed (warm-up excluded) */
  iterations: number;
  samples: number[];
}

let sink: unknown; // keeps results alive so the optimiser cannot drop the work
export function consume(v: unknown): void {
  sink = v;
}
export function lastSink(): unknown {
  return sink;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` for `warmupMs`, then `samples` samples of `sampleMs` each, and reports the median rate.
 * The clock is read once per batch; a batch is sized during warm-up to last about 1 ms, so the
 * clock read costs nothing even for sub-microsecond functions.
 */
export async function measure(fn: RunOnce, input: unknown, opts: { warmupMs: number; sampleMs: number; samples: number }): Promise<Throughput> {
  const first = fn(input);
  const isAsync = isThenable(first);
  consume(isAsync ? await first : first);
  // `n` executions back to back: a plain loop for sync implementations, awaited ones otherwise
  const runBatch = isAsync
    ? async (n: number) => {
        for (let i = 0; i < n; i++) consume(await fn(input));
      }
    : (n: number) => {
        for (let i = 0; i < n; i++) consume(fn(input));
      };
  // warm-up, also sizes the batch
  let batch = 1;
  const warmEnd = performance.now() + opts.warmupMs;
  while (performance.now() < warmEnd) {
    const t0 = performance.now();
    await runBatch(batch);
    if (performance.now() - t0 < 1 && batch < 1 << 20) batch *= 2;
  }
  const samples: number[] = [];
  let iterations = 0;
  for (let s = 0; s < opts.samples; s++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < opts.sampleMs) {
      await runBatch(batch);
      n += batch;
      t = performance.now();
    }
    samples.push((n * 1000) / (t - t0));
    iterations += n;
  }
  return { perSec: median(samples), iterations, samples };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** global.gc, exposing it at run time when node was started without --expose-gc. */
export function getGc(): (() => void) | undefined {
  const g = globalThis as { gc?: () => void };
  if (typeof g.gc === 'function') return g.gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    if (typeof gc === 'function') return gc;
  } catch {
    /* not available */
  }
  return undefined;
}

export function heapUsed(): number {
  return v8.getHeapStatistics().used_heap_size;
}

/** First difference between two JSON values (object key order ignored), or undefined when equal. */
export function jsonDiff(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) return undefined;
    return `${path}: ${short(a)} != ${short(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: ${short(a)} != ${short(b)}`;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return `${path}: length ${a.length} != ${bb.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDiff(a[i], bb[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (!(k in ao)) return `${path}.${k}: missing on the left`;
    if (!(k in bo)) return `${path}.${k}: missing on the right`;
    const d = jsonDiff(ao[k], bo[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function short(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + '...' : s;
}

// ------------------------------------------------------------------------------------ formatting

export function fmtRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  if (n >= 100) return n.toFixed(0);
  return n.toFixed(1);
}

export function fmtRatio(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return n >= 10 ? n.toFixed(0) + 'x' : n >= 1 ? n.toFixed(1) + 'x' : n.toFixed(2) + 'x';
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
