/**
 * Intrinsic functions (`States.Format(...)` and friends) for JSONPath states.
 *
 * Behaviour follows the AWS developer guide ("Intrinsic functions for JSONPath states") and the
 * conformance corpus recorded against AWS. Notable AWS behaviours reproduced here:
 * - Non-integer numbers given to MathAdd, MathRandom, ArrayRange and ArrayPartition are rounded to the
 *   nearest integer, halves upwards (Java Math.round: -1.5 -> -1, 2.5 -> 3) — corpus test_math_add.
 * - States.Format renders non-string values as Java's toString of Jackson's parse: `{a=1, b=[]}`,
 *   not JSON (corpus test_format_2 / test_context_json_path).
 * - States.StringSplit splits on *any* character of the delimiter and drops empty tokens (Java's
 *   StringTokenizer): ", , ," split on "," is [" ", " "] (corpus test_string_split).
 * - States.StringToJson of "" or blanks is null.
 *
 * Everything here is pure: randomness comes only from the injected RandomSource, hashing from
 * node:crypto. Parsed calls are cached by expression text because Parameters are evaluated for every
 * state entry (and every Map item) with the same few expressions.
 */
import { createHash } from 'node:crypto';
import { StatesError, ErrorNames } from './errors';
import type { PathScope, RandomSource } from './scope';
import { queryPath, jsonEquals, javaToString, isPlainObject } from './jsonpath';
import { parseCache } from './parse-cache';
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES, exceedsBytes, exceedsDepth } from '../engine/limits';

// ---------------------------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------------------------

/** A literal argument. `raw` keeps a string literal's text before unescaping (States.Format needs it). */
export interface IntrinsicLiteral {
  kind: 'literal';
  value: string | number | boolean | null;
  raw?: string;
}

export interface IntrinsicPath {
  kind: 'path';
  path: string;
}

export interface IntrinsicCall {
  kind: 'call';
  /** Full name, e.g. "States.Format". */
  name: string;
  args: IntrinsicArg[];
}

export type IntrinsicArg = IntrinsicLiteral | IntrinsicPath | IntrinsicCall;

/** AWS: "You can nest up to 10 intrinsic functions within a field". */
export const MAX_INTRINSIC_NESTING = 10;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Cheap syntactic test used to tell an intrinsic from a path in `.$` fields. */
export function isIntrinsicCall(s: string): boolean {
  return typeof s === 'string' && /^\s*States\.[A-Za-z0-9]+\s*\(/.test(s);
}

/**
 * Parses an intrinsic invocation into an AST. Bad syntax, an unknown function, a wrong number of
 * arguments or too deep nesting throw States.IntrinsicFailure naming the problem and its position.
 */
export const parseIntrinsic: (expr: string) => IntrinsicCall = parseCache((expr) => new IntrinsicParser(expr).parse());

/**
 * Evaluates an intrinsic (text or parsed AST). `field` (e.g. "value.$") only improves the text of the
 * States.Runtime error raised when a path argument finds nothing.
 */
export function evaluateIntrinsic(
  exprOrAst: string | IntrinsicCall,
  scope: PathScope,
  random: RandomSource,
  field?: string,
): unknown {
  const ast = typeof exprOrAst === 'string' ? parseIntrinsic(exprOrAst) : exprOrAst;
  return evaluateCall(ast, { scope, random, field });
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

class IntrinsicParser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parse(): IntrinsicCall {
    this.skipBlanks();
    const call = this.parseCall(1);
    this.skipBlanks();
    if (this.pos < this.src.length) this.fail(`unexpected '${this.src.slice(this.pos)}' after the closing ')'`);
    return call;
  }

  private fail(message: string, at = this.pos): never {
    throw new StatesError(
      ErrorNames.IntrinsicFailure,
      `Invalid intrinsic function '${this.src}': ${message} (at position ${at})`,
    );
  }

  private parseCall(depth: number): IntrinsicCall {
    const start = this.pos;
    const match = /^States\.[A-Za-z0-9]+/.exec(this.src.slice(this.pos));
    if (!match) this.fail("expected a function call 'States.<Name>(...)'");
    const name = match[0];
    const spec = FUNCTIONS[name];
    if (!spec) this.fail(`unknown function '${name}'`, start);
    if (depth > MAX_INTRINSIC_NESTING) {
      this.fail(`more than ${MAX_INTRINSIC_NESTING} nested intrinsic functions`, start);
    }
    this.pos += name.length;
    this.skipBlanks();
    if (this.src[this.pos] !== '(') this.fail(`expected '(' after ${name}`);
    this.pos++;
    const args = this.parseArguments(depth);
    checkArity(name, spec, args.length, (message) => this.fail(message, start));
    return { kind: 'call', name, args };
  }

  private parseArguments(depth: number): IntrinsicArg[] {
    const args: IntrinsicArg[] = [];
    this.skipBlanks();
    if (this.src[this.pos] === ')') {
      this.pos++;
      return args;
    }
    for (;;) {
      this.skipBlanks();
      args.push(this.parseArgument(depth));
      this.skipBlanks();
      const c = this.src[this.pos];
      if (c === ')') {
        this.pos++;
        return args;
      }
      if (c !== ',') this.fail(c === undefined ? "missing ')'" : `expected ',' or ')' but found '${c}'`);
      this.pos++;
    }
  }

  private parseArgument(depth: number): IntrinsicArg {
    const rest = this.src.slice(this.pos);
    const c = rest[0];
    if (c === "'") return this.parseString();
    if (c === '$') return this.parsePath();
    if (rest.startsWith('States.')) return this.parseCall(depth + 1);
    const word = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)(?![\w.])/.exec(rest);
    if (word) {
      this.pos += word[0].length;
      return { kind: 'literal', value: JSON.parse(word[0]) as number | boolean | null };
    }
    return this.fail(c === undefined ? 'missing argument' : `unexpected '${c}': arguments are 'strings', numbers, booleans, null, paths or calls`);
  }

  /**
   * 'text' with the four documented escapes: \' \{ \} \\. Any other backslash is an "open escape",
   * which AWS rejects.
   */
  private parseString(): IntrinsicLiteral {
    const start = ++this.pos;
    let value = '';
    while (this.pos < this.src.length && this.src[this.pos] !== "'") {
      const c = this.src[this.pos];
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next !== "'" && next !== '{' && next !== '}' && next !== '\\') {
          this.fail("open escape '\\' in a string literal: only \\' \\{ \\} and \\\\ are allowed");
        }
        value += next;
        this.pos += 2;
      } else {
        value += c;
        this.pos++;
      }
    }
    if (this.pos >= this.src.length) this.fail('string literal is not closed', start - 1);
    const raw = this.src.slice(start, this.pos);
    this.pos++;
    return { kind: 'literal', value, raw };
  }

  /** A path runs to the next ',' or ')' that is not inside brackets, parentheses or quotes. */
  private parsePath(): IntrinsicPath {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === "'" || c === '"') {
        this.pos++;
        while (this.pos < this.src.length && this.src[this.pos] !== c) this.pos += this.src[this.pos] === '\\' ? 2 : 1;
      } else if (c === '[' || c === '(') depth++;
      else if (c === ']' || c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      this.pos++;
    }
    const path = this.src.slice(start, this.pos).trim();
    return { kind: 'path', path };
  }

  private skipBlanks(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

interface EvalContext {
  scope: PathScope;
  random: RandomSource;
  field?: string;
}

interface FunctionSpec {
  minArgs: number;
  /** Infinity for variadic functions. */
  maxArgs: number;
  run(args: unknown[], ctx: EvalContext, call: IntrinsicCall): unknown;
}

function evaluateCall(call: IntrinsicCall, ctx: EvalContext): unknown {
  const args = call.args.map((arg) => evaluateArgument(arg, ctx));
  return FUNCTIONS[call.name].run(args, ctx, call);
}

function evaluateArgument(arg: IntrinsicArg, ctx: EvalContext): unknown {
  if (arg.kind === 'literal') return arg.value;
  if (arg.kind === 'call') return evaluateCall(arg, ctx);
  const result = queryPath(arg.path, ctx.scope);
  if (result.found) return result.value;
  const where = ctx.field === undefined ? '' : ` specified for the field '${ctx.field}'`;
  throw new StatesError(
    ErrorNames.Runtime,
    `The JSONPath '${arg.path}'${where} could not be found in the input '${JSON.stringify(ctx.scope.input)}'`,
  );
}

function checkArity(name: string, spec: FunctionSpec, count: number, fail: (message: string) => never): void {
  if (count >= spec.minArgs && count <= spec.maxArgs) return;
  const expected =
    spec.maxArgs === Infinity
      ? `at least ${spec.minArgs}`
      : spec.minArgs === spec.maxArgs
        ? `${spec.minArgs}`
        : `${spec.minArgs} to ${spec.maxArgs}`;
  const plural = spec.maxArgs === 1 || (spec.maxArgs === Infinity && spec.minArgs === 1) ? '' : 's';
  fail(`${name} takes ${expected} argument${plural}, but ${count} ${count === 1 ? 'was' : 'were'} given`);
}

// ---------------------------------------------------------------------------------------------
// Argument checks (all failures are States.IntrinsicFailure)
// ---------------------------------------------------------------------------------------------

function intrinsicFailure(name: string, message: string): never {
  throw new StatesError(ErrorNames.IntrinsicFailure, `Invalid arguments in ${name}: ${message}`);
}

/**
 * A result that cannot fit a state's payload is refused while it is built: nested calls
 * (States.Format of States.Array of many paths) could otherwise build gigabytes before the state's
 * output is measured.
 */
function dataLimitExceeded(name: string, what: string): never {
  throw new StatesError(ErrorNames.DataLimitExceeded, `${name}: ${what}, more than the payload limit of ${MAX_PAYLOAD_BYTES} bytes`);
}

function describe(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${type} ${truncate(JSON.stringify(value) ?? String(value))}`;
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

function ordinal(index: number): string {
  return ['first', 'second', 'third', 'fourth'][index] ?? `#${index + 1}`;
}

function expectArray(name: string, args: unknown[], index: number): unknown[] {
  const value = args[index];
  if (!Array.isArray(value)) intrinsicFailure(name, `the ${ordinal(index)} argument must be an array, but was ${describe(value)}`);
  return value;
}

function expectString(name: string, args: unknown[], index: number, maxLength?: number): string {
  const value = args[index];
  if (typeof value !== 'string') intrinsicFailure(name, `the ${ordinal(index)} argument must be a string, but was ${describe(value)}`);
  if (maxLength !== undefined && value.length > maxLength) {
    intrinsicFailure(name, `the ${ordinal(index)} argument must be at most ${maxLength} characters, but has ${value.length}`);
  }
  return value;
}

function expectObject(name: string, args: unknown[], index: number): Record<string, unknown> {
  const value = args[index];
  if (!isPlainObject(value)) intrinsicFailure(name, `the ${ordinal(index)} argument must be a JSON object, but was ${describe(value)}`);
  return value;
}

function expectNumber(name: string, args: unknown[], index: number): number {
  const value = args[index];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    intrinsicFailure(name, `the ${ordinal(index)} argument must be a number, but was ${describe(value)}`);
  }
  return value;
}

/** AWS rounds non-integers "to the nearest integer"; the corpus shows Java's Math.round (halves up). */
function roundHalfUp(n: number): number {
  const rounded = Math.round(n);
  return rounded === 0 ? 0 : rounded; // no -0 in JSON output
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** A number rounded to an integer and kept within Java's int range, as AWS's int arguments are. */
function expectInteger(name: string, args: unknown[], index: number): number {
  const value = roundHalfUp(expectNumber(name, args, index));
  if (value < INT_MIN || value > INT_MAX) {
    intrinsicFailure(name, `the ${ordinal(index)} argument must be between ${INT_MIN} and ${INT_MAX}, but was ${value}`);
  }
  return value;
}

/** An index or count that must already be a whole number (ArrayGetItem does not document rounding). */
function expectWholeNumber(name: string, args: unknown[], index: number): number {
  const value = expectNumber(name, args, index);
  if (!Number.isInteger(value)) intrinsicFailure(name, `the ${ordinal(index)} argument must be an integer, but was ${value}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------------

/** States.Base64Encode/Decode and States.Hash accept at most this many characters (AWS docs). */
const MAX_STRING_ARGUMENT = 10_000;
/** States.ArrayRange may produce at most this many elements (AWS docs). */
const MAX_ARRAY_RANGE = 1000;

const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const FUNCTIONS: Record<string, FunctionSpec> = {
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
function format(args: unknown[], _ctx: EvalContext, call: IntrinsicCall): string {
  const name = 'States.Format';
  const templateArg = call.args[0];
  const template = expectString(name, args, 0);
  const raw = templateArg.kind === 'literal' && templateArg.raw !== undefined ? templateArg.raw : undefined;
  const pieces = raw !== undefined ? splitTemplate(raw, true) : splitTemplate(template, false);
  const values = args.slice(1);
  if (pieces.length - 1 !== values.length) {
    intrinsicFailure(name, `the template has ${pieces.length - 1} placeholder(s) '{}' but ${values.length} value(s) were given`);
  }
  let out = pieces[0];
  for (let i = 0; i < values.length; i++) {
    out += javaToString(values[i]) + pieces[i + 1];
    if (out.length > MAX_PAYLOAD_BYTES) dataLimitExceeded(name, `the formatted string would be longer than ${MAX_PAYLOAD_BYTES} characters`);
  }
  return out;
}

/** The literal text around each `{}` placeholder. */
function splitTemplate(text: string, escaped: boolean): string[] {
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

function jsonToString(args: unknown[]): string {
  // measured first: serialising a value built of many references to the input could take gigabytes
  if (exceedsBytes(args[0])) dataLimitExceeded('States.JsonToString', 'the JSON text would be longer');
  return JSON.stringify(args[0]);
}

function stringToJson(args: unknown[]): unknown {
  const name = 'States.StringToJson';
  const text = expectString(name, args, 0);
  if (text.trim() === '') return null; // AWS: "" and " " give null (corpus)
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return intrinsicFailure(name, `the argument is not valid JSON text: ${truncate(text)} (${(e as Error).message})`);
  }
  // JSON.parse takes any depth; the recursive walkers after it (and normalizeNegativeZero) do not
  if (exceedsDepth(value)) {
    throw new StatesError(ErrorNames.DataLimitExceeded, `${name}: the parsed value nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the data depth limit)`);
  }
  return normalizeNegativeZero(value);
}

/** JSON.parse("-0") is -0; AWS returns 0 (corpus test_string_to_json "-0"). */
function normalizeNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(normalizeNegativeZero);
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) value[key] = normalizeNegativeZero(value[key]);
  }
  return value;
}

function arrayPartition(args: unknown[]): unknown[][] {
  const name = 'States.ArrayPartition';
  const array = expectArray(name, args, 0);
  const size = expectInteger(name, args, 1);
  if (size <= 0) intrinsicFailure(name, `the chunk size must be a positive integer, but was ${size}`);
  const chunks: unknown[][] = [];
  for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
  return chunks;
}

function arrayContains(args: unknown[]): boolean {
  const array = expectArray('States.ArrayContains', args, 0);
  return array.some((item) => jsonEquals(item, args[1]));
}

/** Inclusive range: ArrayRange(1, 9, 2) is [1,3,5,7,9]; ArrayRange(0, 10, 3) is [0,3,6,9]. */
function arrayRange(args: unknown[]): number[] {
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

function arrayGetItem(args: unknown[]): unknown {
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
function arrayUnique(args: unknown[]): unknown[] {
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
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

function base64Encode(args: unknown[]): string {
  const text = expectString('States.Base64Encode', args, 0, MAX_STRING_ARGUMENT);
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * MIME Base64 (what AWS documents): characters outside the alphabet, such as line breaks, are ignored;
 * what remains must be a well-formed encoding.
 */
function base64Decode(args: unknown[]): string {
  const name = 'States.Base64Decode';
  const text = expectString(name, args, 0, MAX_STRING_ARGUMENT);
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cleaned) || cleaned.replace(/=+$/, '').length % 4 === 1) {
    intrinsicFailure(name, `the argument is not a valid Base64 string: ${truncate(text)}`);
  }
  return Buffer.from(cleaned, 'base64').toString('utf8');
}

function hash(args: unknown[]): string {
  const name = 'States.Hash';
  const data = expectString(name, args, 0, MAX_STRING_ARGUMENT);
  const algorithm = args[1];
  const nodeAlgorithm = typeof algorithm === 'string' ? HASH_ALGORITHMS[algorithm] : undefined;
  if (nodeAlgorithm === undefined) {
    intrinsicFailure(name, `the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(', ')}, but was ${describe(algorithm)}`);
  }
  return createHash(nodeAlgorithm).update(data, 'utf8').digest('hex');
}

/** Shallow merge only: keys of the second object win. AWS rejects deep merging (`true`). */
function jsonMerge(args: unknown[]): Record<string, unknown> {
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
function mathRandom(args: unknown[], ctx: EvalContext): number {
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
function mathAdd(args: unknown[]): number {
  const name = 'States.MathAdd';
  return expectInteger(name, args, 0) + expectInteger(name, args, 1);
}

/** Java StringTokenizer: every character of the delimiter separates, empty tokens are dropped. */
function stringSplit(args: unknown[]): string[] {
  const name = 'States.StringSplit';
  const text = expectString(name, args, 0);
  const delimiters = new Set(expectString(name, args, 1));
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

// ---------------------------------------------------------------------------------------------
// java.util.Random, for reproducible seeded States.MathRandom
// ---------------------------------------------------------------------------------------------

const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

class JavaRandom {
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
}
