/**
 * Peak heap growth of one Stepwright execution, as a multiple of the bytes of some JSON data.
 *
 * The runner awaits only microtasks, so nothing outside can sample the heap mid-run. Instead the
 * bench wraps HistoryWriter.prototype.add (at run time, for this measurement only; lambda/ is not
 * edited): every `every`-th history event it forces a full GC and reads the live heap. The largest
 * reading (or the heap right after the run, with its result held, if larger) minus the baseline is
 * the peak live growth. With `dropHistory` the wrapper also discards each event right after it is
 * recorded, to show the engine's own working set apart from the history it keeps.
 */
import { HistoryWriter } from '../lambda/engine/history';
import type { StateMachineDefinition } from '../lambda/engine/definition';
import { heapUsed } from './harness';
import { runStepwright } from './impls';

export interface MemoryFigures {
  peakLiveGrowth: number;
  retainedWithHistory: number;
  retainedOutputOnly: number;
  samples: number;
}

export async function measureStepwrightMemory(
  definition: StateMachineDefinition,
  input: unknown,
  gc: () => void,
  opts: { every?: number; dropHistory?: boolean } = {},
): Promise<MemoryFigures> {
  const every = opts.every ?? 100;
  await runDiscarding(definition, input); // warm-up: compiles the code paths, not measured
  // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called as add.apply(this, args) on the writer by the wrapper below and put back after
  const add = HistoryWriter.prototype.add;
  let calls = 0;
  let peak = 0;
  let samples = 0;
  HistoryWriter.prototype.add = function (this: HistoryWriter, ...args: Parameters<typeof add>) {
    const id = add.apply(this, args);
    if (opts.dropHistory) this.events.pop();
    if (++calls % every === 0) {
      gc();
      peak = Math.max(peak, heapUsed());
      samples++;
    }
    return id;
  };
  await settle(gc);
  const base = heapUsed();
  // The run's result lives in `held`, which this frame keeps (a suspended async frame may pin the
  // last value it awaited, so the object awaited is the one we keep anyway, and we empty it in place).
  let held: { output?: unknown; history?: unknown };
  try {
    held = await runStepwright(definition, input);
  } finally {
    HistoryWriter.prototype.add = add;
  }
  await settle(gc);
  const withHistory = heapUsed();
  peak = Math.max(peak, withHistory);
  held.history = undefined;
  await settle(gc);
  const outputOnly = heapUsed();
  keep(held);
  return { peakLiveGrowth: peak - base, retainedWithHistory: withHistory - base, retainedOutputOnly: outputOnly - base, samples };
}

/** One run whose result is dropped before this frame ends (so nothing pins it afterwards). */
async function runDiscarding(definition: StateMachineDefinition, input: unknown): Promise<void> {
  await runStepwright(definition, input);
}

/**
 * A full GC after the current job: objects that the finished async run still pins until its job
 * ends (the last awaited value) would otherwise count as live.
 */
async function settle(gc: () => void): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
}

/** Live heap growth while holding the hand-written result (the floor for "copies"). */
export async function measureHandWrittenMemory(fn: (input: unknown) => unknown, input: unknown, gc: () => void): Promise<number> {
  fn(input); // warm-up
  await settle(gc);
  const base = heapUsed();
  const out = fn(input);
  await settle(gc);
  const grown = heapUsed() - base;
  keep(out);
  return grown;
}

/** Where a measured result is parked, so the optimiser cannot drop it before the heap is measured. */
export let kept: unknown;
function keep(v: unknown): void {
  kept = v;
  kept = undefined;
}
