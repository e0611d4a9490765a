/** Step Functions' payload limit: a state's input or output may hold at most 256 KiB of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * True when the JSON text of `value` would exceed `limit` bytes. Walks the value instead of
 * serialising it, and stops as soon as the limit is passed, because it runs for every state's output.
 */
export function exceedsBytes(value: unknown, limit: number = MAX_PAYLOAD_BYTES): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      // Pure ASCII is the common case: length is the byte count (escapes aside).
      total += (v.length < 64 && /^[\x20-\x7e]*$/.test(v) ? v.length : Buffer.byteLength(v, 'utf8')) + 2;
    } else if (typeof v === 'number') total += String(v).length;
    else if (v === null || typeof v === 'boolean' || v === undefined) total += 5;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object') {
      for (const [k, item] of Object.entries(v as object)) {
        total += k.length + 4;
        stack.push(item);
      }
      total += 2;
    }
    if (total > limit) return true;
  }
  return false;
}
