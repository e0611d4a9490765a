/** Step Functions' payload limit: a state's input or output may hold at most 256 KiB of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * Bounds of a value's JSON size, accumulated in two counters (not returned objects: this runs for
 * every state's output): `low` counts one byte per character and digit, `high` six per string
 * character (a \u escape) and 24 per number (the longest double).
 */
let low = 0;
let high = 0;

/** Bounds of large subtrees already measured (values are never mutated: paths copy on write). */
const measured = new WeakMap<object, { low: number; high: number }>();
const CACHE_FROM_BYTES = 2048;

function measure(v: unknown): void {
  if (typeof v === 'string') {
    low += v.length + 2;
    high += 6 * v.length + 2;
  } else if (typeof v === 'number') {
    low += 1;
    high += 24;
  } else if (v === null || typeof v !== 'object') {
    low += 4;
    high += 5;
  } else {
    const known = measured.get(v);
    if (known) {
      low += known.low;
      high += known.high;
      return;
    }
    const low0 = low;
    const high0 = high;
    low += 2;
    high += 2;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        measure(v[i]);
        low += 1;
        high += 1;
      }
    } else {
      for (const key in v) {
        measure((v as Record<string, unknown>)[key]);
        low += key.length + 4;
        high += 6 * key.length + 4;
      }
    }
    if (low - low0 >= CACHE_FROM_BYTES) measured.set(v, { low: low - low0, high: high - high0 });
  }
}

/**
 * True when the JSON text of `value` would exceed `limit` bytes. Decides from cheap bounds and
 * serialises only when the bounds straddle the limit.
 */
export function exceedsBytes(value: unknown, limit: number = MAX_PAYLOAD_BYTES): boolean {
  low = 0;
  high = 0;
  measure(value);
  if (low > limit) return true;
  if (high <= limit) return false;
  return Buffer.byteLength(JSON.stringify(value) ?? 'null') > limit;
}
