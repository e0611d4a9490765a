/**
 * `npm run bench`: executions/s and state transitions/s of three workloads on Stepwright, a
 * hand-written JS ceiling and the peer aws-local-stepfunctions, plus the Map's memory in copies of
 * its data. Prints only; asserts nothing.
 *
 * Then the durable engine (bench/engine.ts): executions over the local HTTP server, and I/O and AWS cost
 * per execution of a 10-state reference workflow.
 *
 * Then the fan-out curve (bench/fan-out.ts): a Map of 100, 1,000 and 10,000 items over the local HTTP
 * server, spread and inline: time, memory, store requests and queue messages per item.
 *
 * Then, only when asked for (--only=memory; it takes minutes), server memory (bench/server-memory.ts):
 * a real `stepwright serve` process driven through 20,000 executions over HTTP, its RSS and heap after
 * 2,000, 10,000 and 20,000 and its data folder per execution, beside in-memory mode and a plain node server.
 *
 * Options: --only=chain|intrinsics|map|engine|fanout|memory (repeatable, comma list), --impls=stepwright,hand,peer,
 *          --sample-ms=N (default 300; 5 samples per cell after a 300 ms warm-up), --no-memory,
 *          --samples (print every sample), --sizes=100,1000 (fan-out sizes; default 100,1000,10000),
 *          --concurrency=N (fan-out queue concurrency; default 32),
 *          --count=N (memory: executions; default 20000), --in-flight=N (memory; default 16),
 *          --variants=data,in-memory,plain, --read-history (memory).
 * The peer is `require('aws-local-stepfunctions')`, or from STEPWRIGHT_BENCH_PEER=<folder with node_modules>.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { consume, fmtRate, fmtRatio, getGc, jsonDiff, measureInterleaved, table, type RunOnce } from './harness';
import { runEngineBench } from './engine';
import { runFanOutBench } from './fan-out';
import { runServerMemoryBench, type MemoryVariant } from './server-memory';
import { loadPeer, runStepwright, stepwright } from './impls';
import type { MemoryFigures } from './memory';
import { intrinsics } from './workloads/intrinsics';
import { map1000, MAP_ITEMS } from './workloads/map-1000';
import { passChoiceChain } from './workloads/pass-choice-chain';

function arg(name: string): string | undefined {
  const hit = process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

type ImplKey = 'stepwright' | 'hand' | 'peer';
interface Cell {
  perSec?: number;
  spread?: number;
  note?: string;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const only = arg('only')?.split(',');
  const impls = (arg('impls')?.split(',') ?? ['stepwright', 'hand', 'peer']) as ImplKey[];
  const sampleMs = Number(arg('sample-ms') ?? 300);
  const timing = { warmupMs: 300, sampleMs, samples: 5 };
  const workloads = [passChoiceChain, intrinsics, map1000].filter((w) => !only || only.includes(w.key));
  const gc = getGc();

  if (workloads.length) await interpreter();
  if (!only || only.includes('engine')) await runEngineBench();
  if (!only || only.includes('fanout')) {
    const sizes = arg('sizes')?.split(',').map(Number);
    const concurrency = arg('concurrency') === undefined ? undefined : Number(arg('concurrency'));
    await runFanOutBench({ sizes, concurrency });
  }
  if (only?.includes('memory')) {
    const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
    await runServerMemoryBench({ count: num('count'), inFlight: num('in-flight'), variants: arg('variants')?.split(',') as MemoryVariant[] | undefined, readHistory: arg('read-history') !== undefined });
  }
  consume(undefined);
  console.log(`\nbench time ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  async function interpreter(): Promise<void> {
    console.log(`Stepwright bench: Node ${process.version}, ${process.platform}/${process.arch}; median of ${timing.samples} interleaved samples of ${sampleMs} ms after ${timing.warmupMs} ms warm-up; spread = (max-min)/median`);
    const peer = impls.includes('peer') ? await loadPeer() : { notes: [], unavailable: 'skipped' };
    if (peer.impl) console.log(`peer: ${peer.impl.name}${peer.notes.map((n) => `\n  note: ${n}`).join('')}`);
    else console.log(`peer: ${peer.unavailable}${peer.notes.map((n) => `\n  note: ${n}`).join('')}`);

    // ---------------------------------------------------------------- verify once
    const transitions = new Map<string, number>();
    const runners = new Map<string, Partial<Record<ImplKey, RunOnce>>>();
    let mismatches = 0;
    for (const w of workloads) {
      const before = JSON.stringify(w.input);
      const r = await runStepwright(w.definition, w.input);
      if (r.status !== 'SUCCEEDED') {
        console.log(`\n!!! MISMATCH ${w.key}: Stepwright execution ${r.status}: ${r.error}: ${r.cause}\n`);
        mismatches++;
      }
      transitions.set(w.key, r.history.filter((e) => e.type.endsWith('StateEntered')).length);
      const expected = w.handWritten(w.input);
      const check = (who: string, out: unknown) => {
        const d = jsonDiff(out, expected);
        if (d) {
          mismatches++;
          console.log(`\n!!! MISMATCH ${w.key}: ${who} vs hand-written: ${d}\n`);
        }
      };
      check('Stepwright', r.output);
      const rs: Partial<Record<ImplKey, RunOnce>> = {};
      if (impls.includes('stepwright')) rs.stepwright = stepwright.prepare(w.definition);
      if (impls.includes('hand')) rs.hand = w.handWritten;
      if (peer.impl) {
        try {
          const run = peer.impl.prepare(w.definition);
          check(peer.impl.name, await run(w.input));
          rs.peer = run;
        } catch (e) {
          mismatches++;
          console.log(`\n!!! ${w.key}: ${peer.impl.name} failed: ${(e as Error).message}\n`);
        }
      }
      if (JSON.stringify(w.input) !== before) {
        mismatches++;
        console.log(`\n!!! ${w.key}: the input was mutated by a run\n`);
      }
      runners.set(w.key, rs);
    }
    console.log(mismatches ? `verification: ${mismatches} MISMATCH(ES), figures below compare different work` : 'verification: all outputs equal');

    // ---------------------------------------------------------------- time
    const cells = new Map<string, Record<ImplKey, Cell>>();
    for (const w of workloads) {
      const rs = runners.get(w.key)!;
      const row = {} as Record<ImplKey, Cell>;
      const keys = (['hand', 'stepwright', 'peer'] as ImplKey[]).filter((k) => rs[k]);
      const results = await measureInterleaved(keys.map((k) => rs[k]!), w.input, timing, gc);
      for (const k of ['hand', 'stepwright', 'peer'] as ImplKey[]) {
        const i = keys.indexOf(k);
        if (i >= 0 && arg('samples') !== undefined) console.log(`  ${w.key} ${k}: ${results[i].samples.map((x) => fmtRate(x)).join(' ')}`);
        row[k] = i >= 0 ? { perSec: results[i].perSec, spread: results[i].spread } : { note: k === 'peer' ? (peer.unavailable ?? 'n/a (failed)') : 'skipped' };
      }
      cells.set(w.key, row);
    }

    // ---------------------------------------------------------------- print
    const names: Record<ImplKey, string> = { stepwright: 'Stepwright', hand: 'hand-written JS', peer: peer.impl?.name ?? 'aws-local-stepfunctions' };
    const rows: string[][] = [];
    for (const w of workloads) {
      const tr = transitions.get(w.key)!;
      for (const k of ['stepwright', 'hand', 'peer'] as ImplKey[]) {
        const c = cells.get(w.key)![k];
        const has = c.perSec !== undefined;
        rows.push([k === 'stepwright' ? `${w.title} (${tr} transitions/exec)` : '', names[k], has ? fmtRate(c.perSec) : c.note!, has ? fmtRate(c.perSec! * tr) : '', has ? `${Math.round(c.spread! * 100)}%` : '']);
      }
    }
    console.log('\n' + table(['workload', 'implementation', 'executions/s', 'transitions/s', 'spread'], rows));
    console.log('transitions/s = executions/s x states entered per execution (StateEntered events in Stepwright\'s history; the same work for all three)');

    const ratioRows = workloads.map((w) => {
      const c = cells.get(w.key)!;
      const sw = c.stepwright.perSec;
      const vsPeer = sw !== undefined && c.peer.perSec ? sw / c.peer.perSec : undefined;
      const vsHand = sw !== undefined && c.hand.perSec ? sw / c.hand.perSec : undefined;
      const mark = (v: number | undefined, target: number) => (v === undefined ? '' : v >= target ? ' ok' : ' BELOW');
      return [w.title, vsPeer === undefined ? (c.peer.note ?? 'n/a') : fmtRatio(vsPeer) + mark(vsPeer, 10), vsHand === undefined ? 'n/a' : fmtRatio(vsHand) + mark(vsHand, 1 / 3)];
    });
    console.log('\n' + table(['ratio', 'Stepwright / peer (target >= 10x)', 'Stepwright / hand-written (target >= 0.33x)'], ratioRows));

    // ---------------------------------------------------------------- memory
    if (arg('no-memory') === undefined && workloads.includes(map1000)) {
      const child = spawnSync(process.execPath, ['--expose-gc', '--single-threaded', '--no-flush-bytecode', '--import', 'tsx', path.join(__dirname, 'memory-child.ts')], {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        timeout: 120_000,
      });
      const line = child.stdout?.trim().split('\n').pop();
      if (child.status !== 0 || !line) console.log(`\nmemory: n/a (${child.error?.message ?? child.stderr?.trim().split('\n')[0] ?? 'no output'})`);
      else {
        const f = JSON.parse(line) as { itemsBytes: number; stepwright: MemoryFigures; engineOnly: MemoryFigures; hand: number; historyEvents: number; historyBytes: number };
        const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
        const copies = (n: number) => `${(n / f.itemsBytes).toFixed(1)}`;
        console.log(`\nmemory, inline Map of ${MAP_ITEMS} items; items' data = ${kb(f.itemsBytes)} of JSON (own process, median of 3 rounds, ${f.stepwright.samples} forced-GC samples per run):`);
        console.log(
          table(
            ['figure', 'live heap growth', 'copies of items JSON'],
            [
              ['Stepwright peak during the run', kb(f.stepwright.peakLiveGrowth), copies(f.stepwright.peakLiveGrowth)],
              ['  same, history events discarded as written (engine only)', kb(f.engineOnly.peakLiveGrowth), copies(f.engineOnly.peakLiveGrowth)],
              ['Stepwright after the run: result incl. history', kb(f.stepwright.retainedWithHistory), copies(f.stepwright.retainedWithHistory)],
              ['Stepwright after the run: output only', kb(f.stepwright.retainedOutputOnly), copies(f.stepwright.retainedOutputOnly)],
              ['hand-written: its output (floor)', kb(f.hand), copies(f.hand)],
            ],
          ),
        );
        console.log(`history: ${f.historyEvents} events, ${kb(f.historyBytes)} as JSON (${copies(f.historyBytes)} copies)`);
      }
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
