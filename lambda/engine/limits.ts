import type { ExecutionLimits } from './types';

/** Step Functions' payload limit: a state's input or output may hold at most 256 KiB of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * How deeply data may nest (objects and arrays; `{}` is 1 level, `{"a": []}` 2). AWS documents no
 * figure; 1000 is the default nesting limit of Jackson, the JSON library of AWS's Java services, and
 * leaves every recursive walker of data in this engine (JSON.stringify, JSONata's `**` and `$string`,
 * JSONPath's `..`, the intrinsics, structuredClone) a wide margin before the stack runs out: they
 * fail at about 2,000 levels (structuredClone) to 4,000 (JSON.stringify). Data can nest a few levels
 * deeper inside a state (ResultPath, a Map's result array) before its output is checked again.
 */
export const MAX_DATA_DEPTH = 1000;

/** Sizes (and the deepest nesting) of large subtrees already measured; values are never mutated (paths copy on write). */
const measured = new WeakMap<object, { bytes: number; depth: number }>();
// The default: low enough that a value made mostly of parts of one measured before (a state's output
// made of its input's subtrees, when it is walked) is measured by its new parts alone: 128 took a
// 10-state Pass chain from 48 to 32 µs of CPU when every output was walked. A caller that knows its
// values are seldom walked again gives a higher figure (payload-sizes.ts): an entry costs about as
// much as walking a few hundred bytes of JSON, more in the garbage collector.
const CACHE_FROM_BYTES = 64;

/** Strings made of printable ASCII other than `"` and `\`: one byte per character in JSON. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** UTF-8 bytes of JSON.stringify(s), quotes included. */
export function jsonStringBytes(s: string): number {
  if (s.length <= 32) {
    // most keys and values: a loop is cheaper than the regex on a short string
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) break;
    }
    if (i === s.length) return s.length + 2;
  } else if (PLAIN_ASCII.test(s)) return s.length + 2;
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) n += 2;
    else if (c < 0x20) n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6; // \b \t \n \f \r, else \u00XX
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) n += 6; // a lone surrogate: JSON.stringify writes \uDXXX
    else n += 3;
  }
  return n;
}

/** What JSON.stringify writes for a value (toJSON applied); undefined when it writes nothing. */
function jsonValue(v: unknown, key: string): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
}

/** String(n).length of a safe integer, counted without making the string (-0 is written 0). */
function integerLength(n: number): number {
  let length = n < 0 ? 2 : 1;
  for (let a = Math.abs(n); a >= 10; a = Math.floor(a / 10)) length++;
  return length;
}

function scalarBytes(v: unknown): number {
  if (typeof v === 'string') return jsonStringBytes(v);
  if (typeof v === 'number') return Number.isSafeInteger(v) ? integerLength(v) : Number.isFinite(v) ? String(v).length : 4; // NaN and Infinity are written null
  if (v === true) return 4;
  if (v === false) return 5;
  return 4; // null (and undefined in an array or at the top, written null)
}

interface Frame {
  container: object;
  keys: string[] | undefined; // undefined for an array
  index: number;
  written: boolean;
  start: number;
  /** the deepest nesting inside this container seen so far, counted from the root */
  deepest: number;
}

export interface JsonMeasure {
  /** the exact UTF-8 size of JSON.stringify(value) (`null` for undefined), or a figure above stopAboveBytes once it is passed */
  bytes: number;
  /** the deepest nesting found, or a figure above maxDepth once it is passed */
  depth: number;
}

/**
 * Measures JSON.stringify(value) without building it: the exact UTF-8 byte count and the nesting
 * depth. Iterative (an explicit stack), so data of any depth is measured without a RangeError, and
 * it stops as soon as either bound is passed: a hostile value costs no more than the limit.
 * Subtrees of `cacheFromBytes` or more are remembered for later measures of values holding them.
 */
export function measureJson(value: unknown, stopAboveBytes = Infinity, maxDepth = Infinity, cacheFromBytes = CACHE_FROM_BYTES): JsonMeasure {
  // Usually the recursive walk below (several times faster: no frame objects); the iterative one only
  // for data nested deeper than recursion may safely go, which needs no depth bound to be given.
  const fast = measureRecursively(value, stopAboveBytes, Math.min(maxDepth, MAX_RECURSION), cacheFromBytes);
  if (fast.depth <= MAX_RECURSION || maxDepth <= MAX_RECURSION) return fast;
  return measureIteratively(value, stopAboveBytes, maxDepth, cacheFromBytes);
}

/** How deep measureRecursively may recurse: a JS stack holds several thousand of its frames. */
const MAX_RECURSION = MAX_DATA_DEPTH;
/** visit's answer once a bound is passed: the walk stops there, as the iterative one does. */
const STOPPED = -1;

interface Walk {
  total: number;
  depth: number;
  stopAboveBytes: number;
  maxDepth: number;
  cacheFromBytes: number;
}

/**
 * measureJson as a recursive walk in the same order, with the same checks after each value, the same
 * stopping points and the same cache: the same figures. maxDepth must be at most MAX_RECURSION.
 */
function measureRecursively(value: unknown, stopAboveBytes: number, maxDepth: number, cacheFromBytes: number): JsonMeasure {
  const w: Walk = { total: 0, depth: 0, stopAboveBytes, maxDepth, cacheFromBytes };
  visit(w, jsonValue(value, ''), 0);
  return { bytes: w.total, depth: w.depth };
}

/** Measures one value (toJSON applied) below `level` open containers; the deepest level reached in it, or STOPPED. */
function visit(w: Walk, v: unknown, level: number): number {
  if (v === null || typeof v !== 'object') {
    w.total += scalarBytes(v);
    return w.total > w.stopAboveBytes ? STOPPED : level;
  }
  const known = measured.get(v);
  if (known !== undefined) {
    w.total += known.bytes;
    const reached = level + known.depth;
    if (reached > w.depth) w.depth = reached;
    return w.total > w.stopAboveBytes || w.depth > w.maxDepth ? STOPPED : reached;
  }
  const start = w.total;
  w.total += 2;
  const here = level + 1;
  if (here > w.depth) w.depth = here;
  if (w.total > w.stopAboveBytes || w.depth > w.maxDepth) return STOPPED;
  let deepest = here;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.total += 1;
      const item = memberValue(v[i], i);
      if (item === null || item === undefined || typeof item !== 'object') {
        // a scalar member, measured here rather than by a call
        w.total += scalarBytes(item);
        if (w.total > w.stopAboveBytes) return STOPPED;
        continue;
      }
      const r = visit(w, item, here);
      if (r === STOPPED) return STOPPED;
      if (r > deepest) deepest = r;
    }
  } else {
    let written = false;
    const object = v as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const member = memberValue(object[key], key);
      if (member === undefined) continue; // JSON.stringify leaves the member out
      w.total += jsonStringBytes(key) + (written ? 2 : 1);
      written = true;
      if (member === null || typeof member !== 'object') {
        w.total += scalarBytes(member);
        if (w.total > w.stopAboveBytes) return STOPPED;
        continue;
      }
      const r = visit(w, member, here);
      if (r === STOPPED) return STOPPED;
      if (r > deepest) deepest = r;
    }
  }
  if (w.total - start >= w.cacheFromBytes) measured.set(v, { bytes: w.total - start, depth: deepest - level });
  return deepest;
}

/** jsonValue for a member, its key turned into a string only for a toJSON that will read it. */
function memberValue(v: unknown, key: string | number): unknown {
  if (v === null) return v;
  const t = typeof v;
  if (t === 'object') return typeof (v as { toJSON?: unknown }).toJSON === 'function' ? jsonValue(v, String(key)) : v;
  return t === 'function' || t === 'symbol' ? undefined : v;
}

/** The explicit-stack walk: data of any depth without a RangeError (exported as the reference the tests hold the recursive one to). */
export function measureIteratively(value: unknown, stopAboveBytes: number, maxDepth: number, cacheFromBytes = CACHE_FROM_BYTES): JsonMeasure {
  let total = 0;
  let depth = 0;
  const frames: Frame[] = [];
  let next: unknown = jsonValue(value, '');
  for (;;) {
    if (next !== null && typeof next === 'object') {
      const known = measured.get(next);
      if (known !== undefined) {
        total += known.bytes;
        const reached = frames.length + known.depth;
        depth = Math.max(depth, reached);
        const top = frames[frames.length - 1];
        if (top) top.deepest = Math.max(top.deepest, reached);
      } else {
        total += 2;
        frames.push({ container: next, keys: Array.isArray(next) ? undefined : Object.keys(next), index: 0, written: false, start: total - 2, deepest: frames.length + 1 });
        depth = Math.max(depth, frames.length);
      }
    } else total += scalarBytes(next);
    if (total > stopAboveBytes || depth > maxDepth) return { bytes: total, depth };
    // the next value to measure: the next member of the innermost open container, closing finished ones
    for (;;) {
      const f = frames[frames.length - 1];
      if (f === undefined) return { bytes: total, depth };
      let found = false;
      if (f.keys === undefined) {
        const array = f.container as unknown[];
        if (f.index < array.length) {
          if (f.index > 0) total += 1;
          const v = jsonValue(array[f.index], String(f.index));
          next = v === undefined ? null : v;
          f.index++;
          found = true;
        }
      } else {
        const object = f.container as Record<string, unknown>;
        while (f.index < f.keys.length) {
          const key = f.keys[f.index++];
          const v = jsonValue(object[key], key);
          if (v === undefined) continue; // JSON.stringify leaves the member out
          total += jsonStringBytes(key) + 1 + (f.written ? 1 : 0);
          f.written = true;
          next = v;
          found = true;
          break;
        }
      }
      if (found) break;
      frames.pop();
      const parent = frames[frames.length - 1];
      if (total - f.start >= cacheFromBytes) measured.set(f.container, { bytes: total - f.start, depth: f.deepest - frames.length });
      if (parent) parent.deepest = Math.max(parent.deepest, f.deepest);
    }
  }
}

/** True when the JSON text of `value` would exceed `limit` bytes (exactly: UTF-8 of JSON.stringify). */
export function exceedsBytes(value: unknown, limit: number = MAX_PAYLOAD_BYTES): boolean {
  return measureJson(value, limit).bytes > limit;
}

/** True when `value` nests deeper than `limit` levels of objects and arrays. */
export function exceedsDepth(value: unknown, limit: number = MAX_DATA_DEPTH): boolean {
  return measureJson(value, Infinity, limit).depth > limit;
}

/**
 * Which service limit a payload breaks, if any: the depth is checked first, since data nested deeper
 * than that breaks the walkers that would report anything else.
 */
export function payloadLimitProblem(value: unknown): 'depth' | 'bytes' | undefined {
  const m = measureJson(value, MAX_PAYLOAD_BYTES, MAX_DATA_DEPTH);
  if (m.depth > MAX_DATA_DEPTH) return 'depth';
  if (m.bytes > MAX_PAYLOAD_BYTES) return 'bytes';
  return undefined;
}

/** The end of a cause for data nested too deep: "The state/task 'X' returned a result " + this. */
export const TOO_DEEP = `nested more than ${MAX_DATA_DEPTH} levels of objects and arrays deep (the data depth limit is ${MAX_DATA_DEPTH}).`;

// ------------------------------------------------------------------ the runaway guard's defaults

/**
 * Limits every execution gets unless its state machine's `limits` say otherwise. Step Functions stops
 * a runaway loop at 25,000 history events; Stepwright has no such cap, so without these a cycle with
 * no End would run (and write history) until its year is up. A machine raises or lowers them with a
 * number, or turns one off with "none" (NO_LIMIT), which must be asked for explicitly.
 */
export const DEFAULT_MAX_TRANSITIONS = 1_000_000;
export const DEFAULT_MAX_STATE_VISITS = 100_000;
/** The value of `maxTransitions` / `maxStateVisits` that turns the limit off. */
export const NO_LIMIT = 'none';

/** The limits an execution runs under: the machine's settings, with the defaults for what they leave out. */
export function effectiveLimits(settings: ExecutionLimits | undefined): ExecutionLimits {
  return {
    ...settings,
    maxTransitions: settings?.maxTransitions ?? DEFAULT_MAX_TRANSITIONS,
    maxStateVisits: settings?.maxStateVisits ?? DEFAULT_MAX_STATE_VISITS,
  };
}
