/**
 * The Map memory measurement in a process of its own (spawned by bench/run.ts), with V8 flags that
 * make heap readings repeatable: --expose-gc, --single-threaded (no background compile or GC threads
 * finishing work between two readings), --no-flush-bytecode. Prints one JSON line.
 */
import { getGc, median } from './harness';
import { measureHandWrittenMemory, measureStepwrightMemory, type MemoryFigures } from './memory';
import { runStepwright } from './impls';
import { itemsJsonBytes, map1000 } from './workloads/map-1000';

async function main(): Promise<void> {
  const gc = getGc();
  if (!gc) throw new Error('no gc');
  const rounds = { m: [] as MemoryFigures[], bare: [] as MemoryFigures[], hand: [] as number[] };
  for (let i = 0; i < 3; i++) {
    rounds.m.push(await measureStepwrightMemory(map1000.definition, map1000.input, gc));
    rounds.bare.push(await measureStepwrightMemory(map1000.definition, map1000.input, gc, { dropHistory: true }));
    rounds.hand.push(await measureHandWrittenMemory(map1000.handWritten, map1000.input, gc));
  }
  const med = (xs: MemoryFigures[]): MemoryFigures => ({
    peakLiveGrowth: median(xs.map((x) => x.peakLiveGrowth)),
    retainedWithHistory: median(xs.map((x) => x.retainedWithHistory)),
    retainedOutputOnly: median(xs.map((x) => x.retainedOutputOnly)),
    samples: xs[0].samples,
  });
  const r = await runStepwright(map1000.definition, map1000.input);
  console.log(
    JSON.stringify({
      itemsBytes: itemsJsonBytes(),
      stepwright: med(rounds.m),
      engineOnly: med(rounds.bare),
      hand: median(rounds.hand),
      historyEvents: r.history.length,
      historyBytes: Buffer.byteLength(JSON.stringify(r.history)),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
