/**
 * Timing, GC access, output comparison and table printing for `npm run bench`.
 * Benchmarks only print: nothing here asserts on a time.
 */
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { diffJson } from '../lambda/conformance/compare';

/** Something that runs a workload once. Sync implementations are called without an await. */
export type RunOnce = (input: unknown) => unknown;

export interface Throughput {
  /** median executions per second over the samples */
  perSec: number;
  /** (max - min) / median of the samples */
  spread: number;
  samples: number[];
}

let sink: unknown; // keeps results alive so the optimiser cannot drop the work
export function consume(v: unknown): void {
  sink = v;
}
export function sunk(): unknown {
  return sink;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Times one implementation on one input. The clock is read once per batch; a batch is sized during
 * warm-up to last about 1 ms, so reading the clock costs nothing even for sub-microsecond functions.
 * Sync implementations run in a plain loop, async ones are awaited one after the other.
 */
export class Meter {
  private batch = 1;
  private runBatch!: (n: number) => unknown;
  readonly samples: number[] = [];

  constructor(
    private readonly fn: RunOnce,
    private readonly input: unknown,
  ) {}

  async warmUp(ms: number): Promise<void> {
    const { fn, input } = this;
    const first = fn(input);
    const isAsync = isThenable(first);
    consume(isAsync ? await first : first);
    this.runBatch = isAsync
      ? async (n: number) => {
          for (let i = 0; i < n; i++) consume(await fn(input));
        }
      : (n: number) => {
          for (let i = 0; i < n; i++) consume(fn(input));
        };
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await this.runBatch(this.batch);
      if (performance.now() - t0 < 1 && this.batch < 1 << 20) this.batch *= 2;
    }
  }

  /** Runs for about `ms` and records executions per second. */
  async sample(ms: number): Promise<void> {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      await this.runBatch(this.batch);
      n += this.batch;
      t = performance.now();
    }
    this.samples.push((n * 1000) / (t - t0));
  }

  result(): Throughput {
    const m = median(this.samples);
    return { perSec: m, spread: (Math.max(...this.samples) - Math.min(...this.samples)) / m, samples: this.samples };
  }
}

/**
 * Measures several implementations of one workload with their samples interleaved (A B C A B C ...),
 * so that a slow spell of a shared machine hits all of them alike and the ratios stay meaningful.
 */
export async function measureInterleaved(fns: RunOnce[], input: unknown, opts: { warmupMs: number; sampleMs: number; samples: number }, gc?: () => void): Promise<Throughput[]> {
  const meters = fns.map((fn) => new Meter(fn, input));
  for (const m of meters) await m.warmUp(opts.warmupMs);
  for (let s = 0; s < opts.samples; s++) {
    for (const m of meters) {
      gc?.();
      await m.sample(opts.sampleMs);
    }
  }
  return meters.map((m) => m.result());
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * global.gc, exposing it at run time when node was started without --expose-gc. Also stops V8 from
 * flushing the bytecode of idle functions during GC, which would otherwise shrink the heap by
 * hundreds of KiB at random between two readings.
 */
export function getGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--no-flush-bytecode');
  } catch {
    /* best effort */
  }
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
export function jsonDiff(actual: unknown, expected: unknown): string | undefined {
  // the project's one JSON comparison (lambda/conformance/compare.ts)
  const [d] = diffJson(expected, actual);
  return d && `$${d.path === '/' ? '' : d.path}: ${short(d.actual)} != ${short(d.expected)}`;
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
  if (n >= 10) return n.toFixed(0) + 'x';
  if (n >= 1) return n.toFixed(1) + 'x';
  return `${n.toFixed(n >= 0.1 ? 2 : 3)}x (1/${(1 / n).toFixed(0)})`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
