/**
 * `npm run bench`: executions/s and state transitions/s of three workloads on Stepwright, a
 * hand-written JS ceiling and the peer aws-local-stepfunctions, plus the Map's memory in copies of
 * its data. Prints only; asserts nothing.
 *
 * Options: --only=chain|intrinsics|map (repeatable, comma list), --impls=stepwright,hand,peer,
 *          --sample-ms=N (default 300; 5 samples per cell after a 300 ms warm-up), --no-memory.
 */
import { consume, fmtRate, fmtRatio, getGc, jsonDiff, measure, table, type RunOnce, type Throughput } from './harness';
import { loadPeer, runStepwright, stepwright } from './impls';
import { measureHandWrittenMemory, measureStepwrightMemory } from './memory';
import { intrinsics } from './workloads/intrinsics';
import { itemsJsonBytes, map1000, MAP_ITEMS } from './workloads/map-1000';
import { passChoiceChain } from './workloads/pass-choice-chain';
import type { Workload } from './workloads/types';

function arg(name: string): string | undefined {
  const hit = process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

type ImplKey = 'stepwright' | 'hand' | 'peer';
interface Cell {
  perSec?: number;
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

  console.log(`Stepwright bench: Node ${process.version}, ${process.platform}/${process.arch}; median of ${timing.samples} x ${sampleMs} ms after ${timing.warmupMs} ms warm-up`);
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
    for (const k of ['hand', 'stepwright', 'peer'] as ImplKey[]) {
      const fn = rs[k];
      if (!fn) {
        row[k] = { note: k === 'peer' ? (peer.unavailable ?? 'n/a (failed)') : 'skipped' };
        continue;
      }
      gc?.();
      const t: Throughput = await measure(fn, w.input, timing);
      row[k] = { perSec: t.perSec };
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
      rows.push([k === 'stepwright' ? `${w.title} (${tr} transitions/exec)` : '', names[k], c.perSec !== undefined ? fmtRate(c.perSec) : c.note!, c.perSec !== undefined ? fmtRate(c.perSec * tr) : '']);
    }
  }
  console.log('\n' + table(['workload', 'implementation', 'executions/s', 'transitions/s'], rows));

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
    if (!gc) console.log('\nmemory: n/a (no global.gc; run with node --expose-gc)');
    else {
      const bytes = itemsJsonBytes();
      const m = await measureStepwrightMemory(map1000.definition, map1000.input, gc);
      const bare = await measureStepwrightMemory(map1000.definition, map1000.input, gc, { dropHistory: true });
      const hand = await measureHandWrittenMemory(map1000.handWritten, map1000.input, gc);
      const r = await runStepwright(map1000.definition, map1000.input);
      const historyBytes = Buffer.byteLength(JSON.stringify(r.history));
      const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
      const copies = (n: number) => `${(n / bytes).toFixed(1)}`;
      console.log(`\nmemory, inline Map of ${MAP_ITEMS} items; items' data = ${kb(bytes)} of JSON (${m.samples} forced-GC samples in the run):`);
      console.log(
        table(
          ['figure', 'live heap growth', 'copies of items JSON'],
          [
            ['Stepwright peak during the run', kb(m.peakLiveGrowth), copies(m.peakLiveGrowth)],
            ['  same, history events discarded as written (engine only)', kb(bare.peakLiveGrowth), copies(bare.peakLiveGrowth)],
            ['Stepwright after the run: result incl. history', kb(m.retainedWithHistory), copies(m.retainedWithHistory)],
            ['Stepwright after the run: output only', kb(m.retainedOutputOnly), copies(m.retainedOutputOnly)],
            ['hand-written: its output (floor)', kb(hand), copies(hand)],
          ],
        ),
      );
      console.log(`history: ${r.history.length} events, ${kb(historyBytes)} as JSON (${copies(historyBytes)} copies)`);
    }
  }
  consume(undefined);
  console.log(`\nbench time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
