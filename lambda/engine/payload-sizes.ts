/**
 * The payload limit check of each state's output (256 KiB of UTF-8 JSON, MAX_DATA_DEPTH levels), paid
 * mostly by what the state adds rather than by all it passes on.
 *
 * Most outputs are the state's input again (a Choice, a Succeed) or the input with one result written
 * into it at a ResultPath. Their size is bounded from the input's, which was known when that input
 * was itself checked (as the previous state's output, or the execution's input):
 *  - the same value: the same size;
 *  - the input with `value` written at `path`: at most input + value + the keys and punctuation the
 *    path may add (6 bytes per character of the path: see pathAllowance).
 * When such a bound is under the limits the output is within them; otherwise (or when nothing is
 * known) the output is measured exactly, as before, so the limit is enforced exactly as it was: a
 * bound only ever spares a walk whose answer it already knows.
 *
 * Kept per running run for one call of advance (a snapshot loaded later is measured afresh). Values are never
 * mutated (paths copy on write), which is what makes a size known for a value stay true.
 */
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES, measureJson, type JsonMeasure } from './limits';
import type { Run } from './types';

/** The output is the state's input with `value` written at the reference path `path` (a JSONPath ResultPath other than `$`, and no OutputPath). */
export interface WrittenResult {
  path: string;
  value: unknown;
}

/** What is known of a run's current input: a value and an upper bound on its JSON size and depth. */
interface Known {
  value: unknown;
  bytes: number;
  depth: number;
}

/** Which limit a measure breaks: depth first, since data nested too deep breaks the walkers that report anything else. */
export function limitProblemOf(m: JsonMeasure): 'depth' | 'bytes' | undefined {
  if (m.depth > MAX_DATA_DEPTH) return 'depth';
  if (m.bytes > MAX_PAYLOAD_BYTES) return 'bytes';
  return undefined;
}

/**
 * The exact size and depth of a payload, or figures past a limit once one is passed. Remembers the
 * subtrees of 64 bytes or more (the default of measureJson): for the execution's input, whose parts
 * are in most outputs after it.
 */
export function measurePayload(value: unknown): JsonMeasure {
  return measureJson(value, MAX_PAYLOAD_BYTES, MAX_DATA_DEPTH);
}

/**
 * Subtrees of state outputs (and of results written into them) remembered from this size: below it,
 * walking them again when a later measure meets them (a Map's result meeting its items' outputs, an
 * OutputPath selecting part of an output) costs less than a WeakMap entry does; and with outputs
 * bounded from their inputs, few are walked again at all. 1024 rather than 64 took a tenth off the
 * bench's Pass/Choice chain, and changed nothing measurable on its 1,000-item Map.
 */
const OUTPUT_CACHE_FROM_BYTES = 1024;

function measureOutput(value: unknown): JsonMeasure {
  return measureJson(value, MAX_PAYLOAD_BYTES, MAX_DATA_DEPTH, OUTPUT_CACHE_FROM_BYTES);
}

/**
 * At most how many bytes and levels writing at `path` adds besides the value written. Each level of
 * the path adds at most its key (JSON-quoted: at most 6 bytes per UTF-16 unit of the name, plus 2
 * quotes), a colon, a comma and the braces of an object made on the way: jsonStringBytes(name) + 4
 * <= 6 * (name.length + 1), and a level takes at least name.length + 1 characters of the path
 * ('.name' or "['name']"); an index level replaces an element and adds nothing. So 6 bytes per
 * character of the path, and at most one level per character.
 */
function pathAllowance(path: string): { bytes: number; depth: number } {
  return { bytes: 6 * path.length, depth: path.length };
}

export class PayloadSizes {
  private readonly known = new Map<Run, Known>();

  /** `value`, about to be `run`'s input, was measured exactly (the execution's input at its start). */
  note(run: Run, value: unknown, m: JsonMeasure): void {
    this.remember(run, value, m.bytes, m.depth);
  }

  /**
   * The limit `output` (of `run`'s current state) breaks, if any, exactly as limitProblemOf(measurePayload(output)).
   * `written`: how the output was made from the run's current input, when it was.
   */
  check(run: Run, output: unknown, written?: WrittenResult): 'depth' | 'bytes' | undefined {
    const known = this.known.get(run);
    const input = known !== undefined && known.value === run.stateInput ? known : undefined;
    if (input !== undefined) {
      if (output === input.value) return undefined; // already checked, and unchanged
      if (written !== undefined) {
        const allowance = pathAllowance(written.path);
        const added = measureOutput(written.value);
        const bytes = input.bytes + allowance.bytes + added.bytes;
        const depth = Math.max(input.depth, allowance.depth + added.depth);
        if (bytes <= MAX_PAYLOAD_BYTES && depth <= MAX_DATA_DEPTH) {
          this.remember(run, output, bytes, depth);
          return undefined;
        }
      }
    }
    const m = measureOutput(output);
    const problem = limitProblemOf(m);
    if (problem === undefined) this.remember(run, output, m.bytes, m.depth);
    return problem;
  }

  /** The run ended: what it held need not be kept (a Map's ended items are dropped from the snapshot). */
  forget(run: Run): void {
    this.known.delete(run);
  }

  private remember(run: Run, value: unknown, bytes: number, depth: number): void {
    const entry = this.known.get(run);
    if (entry === undefined) this.known.set(run, { value, bytes, depth });
    else {
      entry.value = value;
      entry.bytes = bytes;
      entry.depth = depth;
    }
  }
}
