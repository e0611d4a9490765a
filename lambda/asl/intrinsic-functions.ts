/**
 * The intrinsic functions themselves (States.Format, States.Array*, States.Hash, States.MathRandom...):
 * their table (name -> arity and implementation), argument checks with AWS's failure texts, and
 * java.util.Random for seeded MathRandom. The AST, parser and evaluation are in intrinsics.ts; AWS's
 * notable behaviours are listed there.
 */
import * as crypto from 'node:crypto';
import { StatesError, ErrorNames } from './errors';
import type { PathScope, RandomSource } from './scope';
import type { IntrinsicCall } from './intrinsic-ast';
import { jsonEquals, javaToString, isPlainObject } from './json-values';
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES, exceedsBytes, exceedsDepth } from '../engine/limits';

export interface EvalContext {
  scope: PathScope;
  random: RandomSource;
  field?: string;
}

export interface FunctionSpec {
  minArgs: number;
  /** Infinity for variadic functions. */
  maxArgs: number;
  run: (args: unknown[], ctx: EvalContext, call: IntrinsicCall) => unknown;
}

// ---------------------------------------------------------------------------------------------
// Argument checks (all failures are States.IntrinsicFailure)
// ---------------------------------------------------------------------------------------------

export function intrinsicFailure(name: string, message: string): never {
  throw new StatesError(ErrorNames.IntrinsicFailure, `Invalid arguments in ${name}: ${message}`);
}

/**
 * A result that cannot fit a state's payload is refused while it is built: nested calls
 * (States.Format of States.Array of many paths) could otherwise build gigabytes before the state's
 * output is measured.
 */
export function dataLimitExceeded(name: string, what: string): never {
  throw new StatesError(ErrorNames.DataLimitExceeded, `${name}: ${what}, more than the payload limit of ${MAX_PAYLOAD_BYTES} bytes`);
}

export function describe(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${type} ${truncate(JSON.stringify(value) ?? String(value))}`;
}

export function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

export function ordinal(index: number): string {
  return ['first', 'second', 'third', 'fourth'][index] ?? `#${index + 1}`;
}

export function expectArray(name: string, args: unknown[], index: number): unknown[] {
  const value = args[index];
  if (!Array.isArray(value)) intrinsicFailure(name, `the ${ordinal(index)} argument must be an array, but was ${describe(value)}`);
  return value;
}

export function expectString(name: string, args: unknown[], index: number, maxLength?: number): string {
  const value = args[index];
  if (typeof value !== 'string') intrinsicFailure(name, `the ${ordinal(index)} argument must be a string, but was ${describe(value)}`);
  if (maxLength !== undefined && value.length > maxLength) {
    intrinsicFailure(name, `the ${ordinal(index)} argument must be at most ${maxLength} characters, but has ${value.length}`);
  }
  return value;
}

export function expectObject(name: string, args: unknown[], index: number): Record<string, unknown> {
  const value = args[index];
  if (!isPlainObject(value)) intrinsicFailure(name, `the ${ordinal(index)} argument must be a JSON object, but was ${describe(value)}`);
  return value;
}

export function expectNumber(name: string, args: unknown[], index: number): number {
  const value = args[index];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    intrinsicFailure(name, `the ${ordinal(index)} argument must be a number, but was ${describe(value)}`);
  }
  return value;
}

/** AWS rounds non-integers "to the nearest integer"; the corpus shows Java's Math.round (halves up). */
export function roundHalfUp(n: number): number {
  const rounded = Math.round(n);
  return rounded === 0 ? 0 : rounded; // no -0 in JSON output
}

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

/** A number rounded to an integer and kept within Java's int range, as AWS's int arguments are. */
export function expectInteger(name: string, args: unknown[], index: number): number {
  const value = roundHalfUp(expectNumber(name, args, index));
  if (value < INT_MIN || value > INT_MAX) {
    intrinsicFailure(name, `the ${ordinal(index)} argument must be between ${INT_MIN} and ${INT_MAX}, but was ${value}`);
  }
  return value;
}

/** An index or count that must already be a whole number (ArrayGetItem does not document rounding). */
export function expectWholeNumber(name: string, args: unknown[], index: number): number {
  const value = expectNumber(name, args, index);
  if (!Number.isInteger(value)) intrinsicFailure(name, `the ${ordinal(index)} argument must be an integer, but was ${value}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------------

/** States.Base64Encode/Decode and States.Hash accept at most this many characters (AWS docs). */
export const MAX_STRING_ARGUMENT = 10_000;
/** States.ArrayRange may produce at most this many elements (AWS docs). */
export const MAX_ARRAY_RANGE = 1000;

export const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export const FUNCTIONS: Record<string, FunctionSpec> = {
  'States.Format': { minArgs: 1, maxArgs: Infinity, run: format },
  'States.StringToJson': { minArgs: 1, maxArgs: 1, run: stringToJson },
  'States.JsonToString': { minArgs: 1, maxArgs: 1, run: jsonToString },
  'States.Array': { minArgs: 0, maxArgs: Infinity, run: (args) => args },
  'States.ArrayPartition': { minArgs: 2, maxArgs: 2, run: arrayPartition },
  'States.ArrayContains': { minArgs: 2, maxArgs: 2, run: arrayContains },
  'States.ArrayRange': { minArgs: 3, maxArgs: 3, run: arrayRange },
  'States.ArrayGetItem': { minArgs: 2, maxArgs: 2, run: arrayGetItem },
  'States.ArrayLength': { minArgs: 1, maxArgs: 1, run: (args) => expectArray('States.ArrayLength', args, 0).length },
  'States.ArrayUnique': { minArgs: 1, maxArgs: 1, run: arrayUnique },
  'States.Base64Encode': { minArgs: 1, maxArgs: 1, run: base64Encode },
  'States.Base64Decode': { minArgs: 1, maxArgs: 1, run: base64Decode },
  'States.Hash': { minArgs: 2, maxArgs: 2, run: hash },
  'States.JsonMerge': { minArgs: 3, maxArgs: 3, run: jsonMerge },
  'States.MathRandom': { minArgs: 2, maxArgs: 3, run: mathRandom },
  'States.MathAdd': { minArgs: 2, maxArgs: 2, run: mathAdd },
  'States.StringSplit': { minArgs: 2, maxArgs: 2, run: stringSplit },
  'States.UUID': { minArgs: 0, maxArgs: 0, run: (_args, ctx) => ctx.random.uuid() },
};

/** Names of every supported intrinsic, e.g. for definition validation. */
export const INTRINSIC_FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);

/**
 * Replaces each `{}` of the template with the next argument. In a literal template `\{` and `\}` are
 * plain braces (so we scan the raw text); a template read from a path has no escapes.
 */
export function format(args: unknown[], _ctx: EvalContext, call: IntrinsicCall): string {
  const name = 'States.Format';
  const templateArg = call.args[0];
  const template = expectString(name, args, 0);
  const raw = templateArg.kind === 'literal' && templateArg.raw !== undefined ? templateArg.raw : undefined;
  const pieces = raw !== undefined ? literalTemplatePieces(call, raw) : splitTemplate(template, false);
  const count = args.length - 1;
  if (pieces.length - 1 !== count) {
    intrinsicFailure(name, `the template has ${pieces.length - 1} placeholder(s) '{}' but ${count} value(s) were given`);
  }
  let out = pieces[0];
  for (let i = 0; i < count; i++) {
    out += javaToString(args[i + 1]) + pieces[i + 1];
    if (out.length > MAX_PAYLOAD_BYTES) dataLimitExceeded(name, `the formatted string would be longer than ${MAX_PAYLOAD_BYTES} characters`);
  }
  return out;
}

/** A literal template's pieces, split once per parsed call (the call and its literal never change). */
const literalPieces = new WeakMap<IntrinsicCall, string[]>();

function literalTemplatePieces(call: IntrinsicCall, raw: string): string[] {
  let pieces = literalPieces.get(call);
  if (pieces === undefined) {
    pieces = splitTemplate(raw, true);
    literalPieces.set(call, pieces);
  }
  return pieces;
}

/** The literal text around each `{}` placeholder. */
export function splitTemplate(text: string, escaped: boolean): string[] {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (escaped && c === '\\' && i + 1 < text.length) {
      current += text[++i];
    } else if (c === '{' && text[i + 1] === '}') {
      pieces.push(current);
      current = '';
      i++;
    } else current += c;
  }
  pieces.push(current);
  return pieces;
}

export function jsonToString(args: unknown[]): string {
  // measured first: serialising a value built of many references to the input could take gigabytes
  if (exceedsBytes(args[0])) dataLimitExceeded('States.JsonToString', 'the JSON text would be longer');
  return JSON.stringify(args[0]);
}

export function stringToJson(args: unknown[]): unknown {
  const name = 'States.StringToJson';
  const text = expectString(name, args, 0);
  if (text.trim() === '') return null; // AWS: "" and " " give null (corpus)
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return intrinsicFailure(name, `the argument is not valid JSON text: ${truncate(text)} (${(e as Error).message})`);
  }
  // JSON.parse takes any depth; the recursive walkers after it (and normalizeNegativeZero) do not.
  // Each level takes two characters of the text (its brackets), so a short text cannot be too deep.
  if (text.length > 2 * MAX_DATA_DEPTH + 1 && exceedsDepth(value)) {
    throw new StatesError(ErrorNames.DataLimitExceeded, `${name}: the parsed value nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the data depth limit)`);
  }
  // only a number written with a '-' parses to -0 ("-0", "-0.0", "-1e-400")
  return text.includes('-') ? normalizeNegativeZero(value) : value;
}

/** JSON.parse("-0") is -0; AWS returns 0 (corpus test_string_to_json "-0"). */
export function normalizeNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(normalizeNegativeZero);
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) value[key] = normalizeNegativeZero(value[key]);
  }
  return value;
}

export function arrayPartition(args: unknown[]): unknown[][] {
  const name = 'States.ArrayPartition';
  const array = expectArray(name, args, 0);
  const size = expectInteger(name, args, 1);
  if (size <= 0) intrinsicFailure(name, `the chunk size must be a positive integer, but was ${size}`);
  const chunks: unknown[][] = [];
  for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
  return chunks;
}

export function arrayContains(args: unknown[]): boolean {
  const array = expectArray('States.ArrayContains', args, 0);
  return array.some((item) => jsonEquals(item, args[1]));
}

/** Inclusive range: ArrayRange(1, 9, 2) is [1,3,5,7,9]; ArrayRange(0, 10, 3) is [0,3,6,9]. */
export function arrayRange(args: unknown[]): number[] {
  const name = 'States.ArrayRange';
  const start = expectInteger(name, args, 0);
  const end = expectInteger(name, args, 1);
  const step = expectInteger(name, args, 2);
  if (step === 0) intrinsicFailure(name, 'the step (third argument) must not be 0');
  const count = Math.max(0, Math.floor((end - start) / step) + 1);
  if (count > MAX_ARRAY_RANGE) {
    intrinsicFailure(name, `the range would have ${count} elements, but at most ${MAX_ARRAY_RANGE} are allowed`);
  }
  return Array.from({ length: count }, (_, i) => start + i * step);
}

export function arrayGetItem(args: unknown[]): unknown {
  const name = 'States.ArrayGetItem';
  const array = expectArray(name, args, 0);
  const index = expectWholeNumber(name, args, 1);
  if (index < 0 || index >= array.length) {
    intrinsicFailure(name, `index ${index} is out of bounds for an array of length ${array.length}`);
  }
  return array[index];
}

/**
 * Keeps the first occurrence of each value (JSON equality), in order. Values are told apart by a
 * canonical text (keys sorted), so 100,000 items take one pass, not 5e9 comparisons.
 */
export function arrayUnique(args: unknown[]): unknown[] {
  const array = expectArray('States.ArrayUnique', args, 0);
  const seen = new Set<string>();
  const unique: unknown[] = [];
  for (const item of array) {
    const key = canonicalJson(item);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(item);
  }
  return unique;
}

/** JSON text with object keys sorted: equal for values jsonEquals finds equal. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function base64Encode(args: unknown[]): string {
  const text = expectString('States.Base64Encode', args, 0, MAX_STRING_ARGUMENT);
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * MIME Base64 (what AWS documents): characters outside the alphabet, such as line breaks, are ignored;
 * what remains must be a well-formed encoding.
 */
export function base64Decode(args: unknown[]): string {
  const name = 'States.Base64Decode';
  const text = expectString(name, args, 0, MAX_STRING_ARGUMENT);
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cleaned) || cleaned.replace(/=+$/, '').length % 4 === 1) {
    intrinsicFailure(name, `the argument is not a valid Base64 string: ${truncate(text)}`);
  }
  return Buffer.from(cleaned, 'base64').toString('utf8');
}

export function hash(args: unknown[]): string {
  const name = 'States.Hash';
  const data = expectString(name, args, 0, MAX_STRING_ARGUMENT);
  const algorithm = args[1];
  const nodeAlgorithm = typeof algorithm === 'string' ? HASH_ALGORITHMS[algorithm] : undefined;
  if (nodeAlgorithm === undefined) {
    intrinsicFailure(name, `the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(', ')}, but was ${describe(algorithm)}`);
  }
  return hashHex(nodeAlgorithm, data);
}

/**
 * Hex digest of a string's UTF-8 bytes: crypto.hash, the one-shot form (about 3x faster on short
 * strings: no Hash object), where this Node has it (20.12+), else createHash.
 */
const hashHex: (algorithm: string, data: string) => string =
  typeof crypto.hash === 'function'
    ? (algorithm, data) => crypto.hash(algorithm, data, 'hex')
    : (algorithm, data) => crypto.createHash(algorithm).update(data, 'utf8').digest('hex');

/** Shallow merge only: keys of the second object win. AWS rejects deep merging (`true`). */
export function jsonMerge(args: unknown[]): Record<string, unknown> {
  const name = 'States.JsonMerge';
  const first = expectObject(name, args, 0);
  const second = expectObject(name, args, 1);
  const deep = args[2];
  if (typeof deep !== 'boolean') intrinsicFailure(name, `the third argument must be the boolean false, but was ${describe(deep)}`);
  if (deep) intrinsicFailure(name, 'deep merging is not supported; the third argument must be false');
  return { ...first, ...second };
}

/**
 * An integer in [start, end). With a seed the result is reproducible: we use java.util.Random's
 * generator (`start + new Random(seed).nextInt(end - start)`), the likeliest AWS implementation —
 * AWS's actual seeded values cannot be checked (the corpus masks them).
 */
export function mathRandom(args: unknown[], ctx: EvalContext): number {
  const name = 'States.MathRandom';
  const start = expectInteger(name, args, 0);
  const end = expectInteger(name, args, 1);
  if (start >= end) intrinsicFailure(name, `the start (${start}) must be less than the end (${end})`);
  const bound = end - start;
  if (args.length < 3) return start + Math.min(bound - 1, Math.floor(ctx.random.random() * bound));
  const seed = roundHalfUp(expectNumber(name, args, 2));
  if (bound > INT_MAX) intrinsicFailure(name, `the range from start to end must be at most ${INT_MAX} wide`);
  return start + new JavaRandom(seed).nextInt(bound);
}

/** Sum of the two arguments, each rounded first (corpus: MathAdd(-0.5, 0.5) is 1). */
export function mathAdd(args: unknown[]): number {
  const name = 'States.MathAdd';
  return expectInteger(name, args, 0) + expectInteger(name, args, 1);
}

/** Java StringTokenizer: every character of the delimiter separates, empty tokens are dropped. */
export function stringSplit(args: unknown[]): string[] {
  const name = 'States.StringSplit';
  const text = expectString(name, args, 0);
  const delimiter = expectString(name, args, 1);
  if (delimiter.length === 1 && !isSurrogate(delimiter.charCodeAt(0))) {
    // one delimiter character of one UTF-16 unit (the usual ','): String#split gives the same tokens
    return text.split(delimiter).filter((token) => token !== '');
  }
  const delimiters = new Set(delimiter);
  const tokens: string[] = [];
  let current = '';
  for (const c of text) {
    if (delimiters.has(c)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else current += c;
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

function isSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdfff;
}

// ---------------------------------------------------------------------------------------------
// java.util.Random, for reproducible seeded States.MathRandom
// ---------------------------------------------------------------------------------------------

export const MULTIPLIER = 0x5deece66dn;
export const ADDEND = 0xbn;
export const MASK = (1n << 48n) - 1n;

export class JavaRandom {
  private seed: bigint;

  constructor(seed: number) {
    this.seed = (BigInt(seed) ^ MULTIPLIER) & MASK;
  }

  private next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  nextInt(bound: number): number {
    let r = this.next(31);
    const m = bound - 1;
    if ((bound & m) === 0) return Number((BigInt(bound) * BigInt(r)) >> 31n);
    // Java rejects values from the incomplete last block; `u - r + m` overflowing int means "retry".
    for (let u = r; u - (r = u % bound) + m > INT_MAX; u = this.next(31));
    return r;
  }

  /** java.util.Random#nextDouble: 53 random bits, in [0, 1) */
  nextDouble(): number {
    const high = this.next(26);
    return (high * 2 ** 27 + this.next(27)) / 2 ** 53;
  }
}
