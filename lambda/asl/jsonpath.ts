/**
 * JSONPath as AWS Step Functions evaluates it (QueryLanguage "JSONPath").
 *
 * AWS runs Jayway JsonPath (Java). What that means for us, and what the conformance corpus confirms:
 * - A *definite* path (only single names and single indexes) yields one value, or fails with Jayway's
 *   PathNotFoundException text ("No results for path: $['x']", "Missing property in path $['a']").
 * - An *indefinite* path (wildcard, slice, filter, deep scan, index union, or a property union that is
 *   not the last step) yields an array of every match, possibly empty, and never fails
 *   (corpus: `$.items[1:5].itemValue` on `{}` gives `[]`).
 * - Three roots: `$` (state input), `$$` (context object) and `$name` (a workflow variable).
 *
 * Why this is hand-written rather than a wrapper around jsonpath-plus (a project dependency):
 * jsonpath-plus follows JavaScript semantics where Jayway does not — `$.list.length` reads the JS
 * `length` property, `$.a[-1]` matches nothing, filters are JavaScript (`'0' == 0` is true, no `=~`,
 * `in`, `size`...), it has no notion of definite paths and cannot produce Jayway's error texts, which
 * AWS copies verbatim into `States.Runtime` causes. The hot path (`$.a.b[0]`) is also a plain loop here:
 * paths are compiled once, cached by their text, and evaluated without any parser or regex.
 */
import { StatesError, ErrorNames } from './errors';
import type { PathScope } from './scope';
import { parseCache } from './parse-cache';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** The outcome of evaluating a path. `reason` (when not found) is Jayway's message, for error causes. */
export type PathQueryResult = { found: true; value: unknown } | { found: false; reason?: string };

/** Fields whose path selects the state's data: their failure texts are the same on AWS. */
export type SelectingPathField = 'InputPath' | 'OutputPath' | 'ItemsPath';

/**
 * Evaluates `path` against `scope`. Definite paths return the single value they reach; indefinite
 * paths return `{found: true, value: [...matches]}`. A syntactically invalid path throws
 * States.Runtime ("Invalid path '...' : ...").
 */
export function queryPath(path: string, scope: PathScope): PathQueryResult {
  const compiled = compilePath(path);
  const root = resolveRoot(compiled, scope);
  if (!root.found) return root;
  if (compiled.definite) return evaluateDefinite(compiled, root.value);
  return { found: true, value: evaluateIndefinite(compiled.segments, root.value, root.value) };
}

/**
 * True for AWS "Reference Paths": paths that can only identify a single node — names and single
 * indexes, no wildcard, slice, filter, deep scan or union. Invalid paths are not reference paths.
 */
export function isReferencePath(path: string): boolean {
  let compiled: CompiledPath;
  try {
    compiled = compilePath(path);
  } catch {
    return false;
  }
  return compiled.segments.every(
    (s) => (s.kind === 'prop' && s.names.length === 1) || (s.kind === 'index' && s.indexes.length === 1),
  );
}

/** True when `path` is syntactically a definite path (one value, not an array of matches). */
export function isDefinitePath(path: string): boolean {
  return compilePath(path).definite;
}

/**
 * InputPath / OutputPath / ItemsPath. `null` selects `{}` (AWS discards the data), `undefined` (field
 * absent) keeps the input unchanged. A definite path that matches nothing throws States.Runtime with
 * AWS's text, e.g. "Invalid path '$.x' : No results for path: $['x']". The engine adds the
 * "An error occurred while executing the state ..." prefix.
 */
export function selectInputOrOutputPath(
  path: string | null | undefined,
  scope: PathScope,
  field: SelectingPathField,
): unknown {
  if (path === undefined) return scope.input;
  if (path === null) return {};
  if (typeof path !== 'string') {
    throw new StatesError(ErrorNames.Runtime, `The field '${field}' must be a JSONPath string or null`);
  }
  const result = queryPath(path, scope);
  if (result.found) return result.value;
  throw new StatesError(ErrorNames.Runtime, `Invalid path '${path}' : ${result.reason ?? `No results for path: ${path}`}`);
}

/**
 * ResultPath: places `result` inside `input`. `undefined` or "$" gives the result itself, `null` keeps
 * the input. Otherwise the reference path is written copy-on-write: only the objects along the path
 * are copied, `input` is never mutated, and missing intermediate objects are created.
 * A path that cannot be applied (through a non-object, an index past the end...) throws
 * States.ResultPathMatchFailure ("Unable to apply ReferencePath $.x to input ...", AWS's wording).
 */
export function applyResultPath(input: unknown, resultPath: string | null | undefined, result: unknown): unknown {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return input;
  const compiled = compilePath(resultPath);
  if (compiled.root.kind !== 'input' || !isReferencePath(resultPath)) {
    throw new StatesError(
      ErrorNames.Runtime,
      `Invalid path '${resultPath}' : ResultPath must be a reference path into the state input ('$', '$.field', '$[0]'...)`,
    );
  }
  const fail = (): never => {
    throw new StatesError(
      ErrorNames.ResultPathMatchFailure,
      `Unable to apply ReferencePath ${resultPath} to input ${JSON.stringify(input)}`,
    );
  };
  return writeAt(input, compiled.segments, 0, result, fail);
}

// ---------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------

type Root = { kind: 'input' } | { kind: 'context' } | { kind: 'variable'; name: string };

type Segment =
  | { kind: 'prop'; names: string[] }
  | { kind: 'index'; indexes: number[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined }
  | { kind: 'filter'; expr: FilterExpr }
  | { kind: 'scan'; target: Segment };

interface CompiledPath {
  text: string;
  root: Root;
  segments: Segment[];
  /** Jayway's notion: one value, not a list of matches. */
  definite: boolean;
  /** Jayway's normalized form of the whole path (`$['a'][0]`), used in "No results for path" texts. */
  normalized: string;
}

/** Parses once per distinct path text. */
const compilePath: (path: string) => CompiledPath = parseCache((path) => new PathParser(path).parse());

function invalidPath(path: string, message: string): never {
  throw new StatesError(ErrorNames.Runtime, `Invalid path '${path}' : ${message}`);
}

/** Jayway treats a trailing property union (`$['a','b']`) as definite: it returns one merged object. */
function isDefiniteSegment(segment: Segment, isLast: boolean): boolean {
  if (segment.kind === 'prop') return segment.names.length === 1 || isLast;
  if (segment.kind === 'index') return segment.indexes.length === 1;
  return false;
}

function normalizeSegment(segment: Segment): string {
  switch (segment.kind) {
    case 'prop':
      return `[${segment.names.map((n) => `'${n}'`).join(',')}]`;
    case 'index':
      return `[${segment.indexes.join(',')}]`;
    case 'wildcard':
      return '[*]';
    case 'slice':
      return `[${segment.start ?? ''}:${segment.end ?? ''}]`;
    case 'filter':
      return '[?]';
    case 'scan':
      return `..${normalizeSegment(segment.target)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Parser (Jayway syntax)
// ---------------------------------------------------------------------------------------------

const IDENTIFIER_START = /[\p{L}_]/u;
const IDENTIFIER_PART = /[\p{L}\p{N}_]/u;

class PathParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): CompiledPath {
    const root = this.parseRoot();
    const segments: Segment[] = [];
    while (this.pos < this.text.length) segments.push(this.parseSegment());
    const definite = segments.every((s, i) => isDefiniteSegment(s, i === segments.length - 1));
    const normalized = '$' + segments.map(normalizeSegment).join('');
    return { text: this.text, root, segments, definite, normalized };
  }

  private fail(message: string): never {
    return invalidPath(this.text, message);
  }

  private parseRoot(): Root {
    const t = this.text;
    if (typeof t !== 'string' || t[0] !== '$') this.fail("Path must start with '$'");
    if (t[1] === '$') {
      this.pos = 2;
      return { kind: 'context' };
    }
    if (t[1] !== undefined && IDENTIFIER_START.test(t[1])) {
      let end = 2;
      while (end < t.length && IDENTIFIER_PART.test(t[end])) end++;
      this.pos = end;
      return { kind: 'variable', name: t.slice(1, end) };
    }
    this.pos = 1;
    return { kind: 'input' };
  }

  private parseSegment(): Segment {
    const t = this.text;
    if (t.startsWith('..', this.pos)) {
      this.pos += 2;
      if (this.pos >= t.length) this.fail("Path must not end with a '.' or '..'");
      const target = t[this.pos] === '[' ? this.parseBracket() : this.parseDotName();
      return { kind: 'scan', target };
    }
    if (t[this.pos] === '.') {
      this.pos++;
      if (this.pos >= t.length) this.fail("Path must not end with a '.' or '..'");
      // AWS documents `$.abc.['def ghi']`: a bracket may follow a dot.
      return t[this.pos] === '[' ? this.parseBracket() : this.parseDotName();
    }
    if (t[this.pos] === '[') return this.parseBracket();
    return this.fail(`Unexpected character '${t[this.pos]}' at position ${this.pos}`);
  }

  /** `.name` or `.*`: Jayway reads a name up to the next '.' or '['; blanks and functions are rejected. */
  private parseDotName(): Segment {
    const t = this.text;
    if (t[this.pos] === '*') {
      this.pos++;
      return { kind: 'wildcard' };
    }
    const start = this.pos;
    while (this.pos < t.length && t[this.pos] !== '.' && t[this.pos] !== '[') {
      const c = t[this.pos];
      if (c === ' ') this.fail(`Use bracket notion ['my prop'] if your property contains blank characters. position: ${this.pos}`);
      if (c === '(') this.fail(`Path functions are not supported: position ${this.pos}`);
      this.pos++;
    }
    if (this.pos === start) this.fail(`Property name expected at position ${start}`);
    return { kind: 'prop', names: [t.slice(start, this.pos)] };
  }

  private parseBracket(): Segment {
    const t = this.text;
    const open = this.pos;
    this.pos++; // '['
    this.skipBlanks();
    const c = t[this.pos];
    let segment: Segment;
    if (c === "'" || c === '"') segment = this.parseQuotedNames();
    else if (c === '*') {
      this.pos++;
      segment = { kind: 'wildcard' };
    } else if (c === '?') segment = this.parseFilter();
    else segment = this.parseIndexesOrSlice();
    this.skipBlanks();
    if (t[this.pos] !== ']') this.fail(`Expected ']' for the '[' at position ${open}`);
    this.pos++;
    return segment;
  }

  /**
   * `['a']`, `["a"]`, `['a','b']`. The text between the quotes is the key verbatim: a backslash only
   * stops the next character from closing the string. AWS does not unescape it (corpus:
   * `$['Test\""Name"']` reads the key `Test\""Name"`).
   */
  private parseQuotedNames(): Segment {
    const t = this.text;
    const names: string[] = [];
    for (;;) {
      const quote = t[this.pos];
      if (quote !== "'" && quote !== '"') this.fail(`Expected a quoted property name at position ${this.pos}`);
      const start = ++this.pos;
      while (this.pos < t.length && t[this.pos] !== quote) this.pos += t[this.pos] === '\\' ? 2 : 1;
      if (this.pos >= t.length) this.fail(`Property has not been closed - missing closing ${quote}`);
      names.push(t.slice(start, this.pos));
      this.pos++;
      this.skipBlanks();
      if (t[this.pos] !== ',') break;
      this.pos++;
      this.skipBlanks();
    }
    return { kind: 'prop', names };
  }

  private parseIndexesOrSlice(): Segment {
    const t = this.text;
    const close = t.indexOf(']', this.pos);
    if (close < 0) this.fail(`Expected ']' after position ${this.pos}`);
    const body = t.slice(this.pos, close).trim();
    this.pos = close;
    if (body.includes(':')) return this.parseSlice(body);
    const parts = body.split(',').map((p) => p.trim());
    const indexes = parts.map((p) => {
      if (!/^-?\d+$/.test(p)) this.fail(`Could not parse array index '${p}'`);
      return Number(p);
    });
    return { kind: 'index', indexes };
  }

  private parseSlice(body: string): Segment {
    const parts = body.split(':').map((p) => p.trim());
    if (parts.length > 2) this.fail(`Array slice steps are not supported: '[${body}]'`);
    const bound = (p: string): number | undefined => {
      if (p === '') return undefined;
      if (!/^-?\d+$/.test(p)) this.fail(`Could not parse array slice '[${body}]'`);
      return Number(p);
    };
    return { kind: 'slice', start: bound(parts[0]), end: bound(parts[1]) };
  }

  /** `[?(<expr>)]`: finds the matching ')' while skipping over quoted strings and regex literals. */
  private parseFilter(): Segment {
    const t = this.text;
    this.pos++; // '?'
    this.skipBlanks();
    if (t[this.pos] !== '(') this.fail(`Filter must start with '[?(' at position ${this.pos}`);
    const start = this.pos + 1;
    const end = findClosingParen(t, this.pos);
    if (end < 0) this.fail('Filter expression is not closed with a \')\'');
    this.pos = end + 1;
    const expr = new FilterParser(t.slice(start, end), this.text).parse();
    return { kind: 'filter', expr };
  }

  private skipBlanks(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }
}

/** Index of the ')' matching the '(' at `open`, ignoring parentheses inside quotes and regexes. */
function findClosingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
    } else if (c === '/' && isRegexStart(text, i)) {
      i++;
      while (i < text.length && text[i] !== '/') i += text[i] === '\\' ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** A '/' starts a regex literal when it follows `=~` (the only place Jayway accepts one). */
function isRegexStart(text: string, i: number): boolean {
  return /=~\s*$/.test(text.slice(0, i));
}

// ---------------------------------------------------------------------------------------------
// Roots
// ---------------------------------------------------------------------------------------------

function resolveRoot(compiled: CompiledPath, scope: PathScope): PathQueryResult {
  const root = compiled.root;
  if (root.kind === 'input') return { found: true, value: scope.input };
  if (root.kind === 'context') return { found: true, value: scope.context };
  const variable = scope.variable(root.name);
  if (!variable.found) return { found: false, reason: `Variable '$${root.name}' is not defined` };
  return { found: true, value: variable.value };
}

// ---------------------------------------------------------------------------------------------
// Definite evaluation (with Jayway's failure texts)
// ---------------------------------------------------------------------------------------------

const JSON_PROVIDER = 'com.jayway.jsonpath.spi.json.JacksonJsonProvider';

function evaluateDefinite(compiled: CompiledPath, rootValue: unknown): PathQueryResult {
  const segments = compiled.segments;
  let model = rootValue;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === 'prop') {
      if (!isPlainObject(model)) {
        return notFound(
          `Expected to find an object with property ${normalizeSegment(segment)} in path ${pathPrefix(segments, i)} but found '${javaClassName(model)}'. ` +
            `This is not a json object according to the JsonProvider: '${JSON_PROVIDER}'.`,
        );
      }
      if (segment.names.length > 1) return { found: true, value: mergeProperties(model, segment.names) };
      const name = segment.names[0];
      if (!hasOwn(model, name)) {
        const isLeaf = i === segments.length - 1;
        return notFound(isLeaf ? `No results for path: ${compiled.normalized}` : `Missing property in path ${pathPrefix(segments, i + 1)}`);
      }
      model = model[name];
    } else if (segment.kind === 'index') {
      const index = segment.indexes[0];
      if (model === null || model === undefined) return notFound(`The path ${pathPrefix(segments, i)} is null`);
      if (!Array.isArray(model)) {
        return notFound(`Filter: [${index}] can only be applied to arrays. Current context is: ${javaToString(model)}`);
      }
      const effective = index < 0 ? model.length + index : index;
      if (effective < 0 || effective >= model.length) return notFound(`No results for path: ${compiled.normalized}`);
      model = model[effective];
    }
  }
  return { found: true, value: model };
}

/** Jayway's normalized text of the first `count` segments; built only for error messages. */
function pathPrefix(segments: Segment[], count: number): string {
  return '$' + segments.slice(0, count).map(normalizeSegment).join('');
}

function notFound(reason: string): PathQueryResult {
  return { found: false, reason };
}

/** Jayway's "merge" case: a trailing `['a','b']` builds one object from the properties present. */
function mergeProperties(model: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const name of names) if (hasOwn(model, name)) defineKey(merged, name, model[name]);
  return merged;
}

/** The Java class Jackson maps a JSON value to; Jayway names it in "Expected to find an object" texts. */
function javaClassName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'java.lang.Double';
    if (value >= -2147483648 && value <= 2147483647) return 'java.lang.Integer';
    return Math.abs(value) < 2 ** 63 ? 'java.lang.Long' : 'java.math.BigInteger';
  }
  if (Array.isArray(value)) return 'java.util.ArrayList';
  return 'java.util.LinkedHashMap';
}

// ---------------------------------------------------------------------------------------------
// Indefinite evaluation (lenient: what does not match is skipped)
// ---------------------------------------------------------------------------------------------

/** All matches of `segments` applied to `start`, in document order. `root` is what `$` means in filters. */
function evaluateIndefinite(segments: Segment[], start: unknown, root: unknown): unknown[] {
  let current: unknown[] = [start];
  for (let i = 0; i < segments.length; i++) {
    const isLeaf = i === segments.length - 1;
    const next: unknown[] = [];
    for (const node of current) applySegment(segments[i], node, root, isLeaf, next);
    current = next;
  }
  return current;
}

function applySegment(segment: Segment, node: unknown, root: unknown, isLeaf: boolean, out: unknown[]): void {
  switch (segment.kind) {
    case 'prop':
      if (!isPlainObject(node)) return;
      if (segment.names.length > 1 && isLeaf) {
        out.push(mergeProperties(node, segment.names));
        return;
      }
      for (const name of segment.names) if (hasOwn(node, name)) out.push(node[name]);
      return;
    case 'index':
      if (!Array.isArray(node)) return;
      for (const index of segment.indexes) {
        const effective = index < 0 ? node.length + index : index;
        if (effective >= 0 && effective < node.length) out.push(node[effective]);
      }
      return;
    case 'wildcard':
      if (Array.isArray(node)) out.push(...node);
      else if (isPlainObject(node)) out.push(...Object.values(node));
      return;
    case 'slice':
      if (Array.isArray(node)) out.push(...sliceArray(node, segment.start, segment.end));
      return;
    case 'filter':
      // Jayway filters the elements of an array, but tests an object as a whole.
      if (Array.isArray(node)) {
        for (const item of node) if (evaluateFilter(segment.expr, item, root)) out.push(item);
      } else if (isPlainObject(node) && evaluateFilter(segment.expr, node, root)) out.push(node);
      return;
    case 'scan':
      for (const container of descendantsOrSelf(node)) applySegment(segment.target, container, root, isLeaf, out);
      return;
  }
}

/** Python-style bounds: negatives count from the end, everything is clamped to the array. */
function sliceArray(array: unknown[], start: number | undefined, end: number | undefined): unknown[] {
  const len = array.length;
  const clamp = (n: number) => Math.min(len, Math.max(0, n < 0 ? len + n : n));
  return array.slice(start === undefined ? 0 : clamp(start), end === undefined ? len : clamp(end));
}

/** Every object/array at or below `node`, pre-order — the nodes a `..` deep scan visits. */
function descendantsOrSelf(node: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      out.push(value);
      for (const item of value) visit(item);
    } else if (isPlainObject(value)) {
      out.push(value);
      for (const key of Object.keys(value)) visit(value[key]);
    }
  };
  visit(node);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Filter expressions: `[?(@.price < 10 && @.tag in ['a','b'])]`, Jayway's operators and semantics
// ---------------------------------------------------------------------------------------------

type FilterOperand =
  | { kind: 'literal'; value: unknown }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'path'; relative: boolean; segments: Segment[]; definite: boolean };

type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; operand: FilterExpr }
  | { kind: 'exists'; operand: FilterOperand }
  | { kind: 'compare'; op: string; left: FilterOperand; right: FilterOperand };

const RELATIONAL_OPERATORS = ['===', '!==', '==', '!=', '<=', '>=', '=~', '<', '>'];
const WORD_OPERATORS = ['subsetof', 'anyof', 'noneof', 'nin', 'in', 'size', 'empty', 'contains'];

class FilterParser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly path: string,
  ) {}

  parse(): FilterExpr {
    const expr = this.parseOr();
    this.skipBlanks();
    if (this.pos < this.src.length) this.fail(`Unexpected '${this.src.slice(this.pos)}' in filter`);
    return expr;
  }

  private fail(message: string): never {
    return invalidPath(this.path, message);
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.eat('||')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    while (this.eat('&&')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): FilterExpr {
    this.skipBlanks();
    if (this.src[this.pos] === '!' && this.src[this.pos + 1] !== '=') {
      this.pos++;
      return { kind: 'not', operand: this.parseUnary() };
    }
    if (this.src[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      if (!this.eat(')')) this.fail("Missing ')' in filter");
      return inner;
    }
    const left = this.parseOperand();
    const op = this.parseOperator();
    if (op === undefined) {
      if (left.kind !== 'path') this.fail('A filter without an operator must be a path (existence check)');
      return { kind: 'exists', operand: left };
    }
    return { kind: 'compare', op, left, right: this.parseOperand() };
  }

  private parseOperator(): string | undefined {
    this.skipBlanks();
    for (const op of RELATIONAL_OPERATORS) if (this.src.startsWith(op, this.pos)) return this.take(op);
    for (const op of WORD_OPERATORS) {
      const after = this.src[this.pos + op.length];
      if (this.src.startsWith(op, this.pos) && (after === undefined || /[\s'"\[\d@$-]/.test(after))) return this.take(op);
    }
    return undefined;
  }

  private parseOperand(): FilterOperand {
    this.skipBlanks();
    const c = this.src[this.pos];
    if (c === '@' || c === '$') return this.parsePathOperand();
    if (c === "'" || c === '"') return { kind: 'literal', value: this.parseStringLiteral() };
    if (c === '/') return this.parseRegex();
    if (c === '[' || c === '{') return { kind: 'literal', value: this.parseJsonLiteral() };
    const word = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(this.src.slice(this.pos));
    if (!word) this.fail(`Unexpected '${this.src.slice(this.pos)}' in filter`);
    this.pos += word[0].length;
    return { kind: 'literal', value: JSON.parse(word[0]) };
  }

  /** `@.a.b`, `@['x'][0]`, `$.limit`: reuses the path grammar on the text up to the next operator. */
  private parsePathOperand(): FilterOperand {
    const relative = this.src[this.pos] === '@';
    const start = this.pos;
    this.pos++;
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === "'" || c === '"') {
        this.pos++;
        while (this.pos < this.src.length && this.src[this.pos] !== c) this.pos += this.src[this.pos] === '\\' ? 2 : 1;
      } else if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (depth === 0 && /[\s=!<>&|)~]/.test(c)) break;
      this.pos++;
    }
    const text = '$' + this.src.slice(start + 1, this.pos);
    const parsed = new PathParser(text).parse();
    if (parsed.root.kind !== 'input') this.fail(`Only '@' and '$' paths are supported in filters: '${this.src.slice(start, this.pos)}'`);
    return { kind: 'path', relative, segments: parsed.segments, definite: parsed.definite };
  }

  private parseStringLiteral(): string {
    const quote = this.src[this.pos++];
    let value = '';
    while (this.pos < this.src.length && this.src[this.pos] !== quote) {
      if (this.src[this.pos] === '\\' && this.pos + 1 < this.src.length) this.pos++;
      value += this.src[this.pos++];
    }
    if (!this.eat(quote)) this.fail('String literal in filter is not closed');
    return value;
  }

  /** `/abc/i`. Jayway uses Java's Matcher.matches(): the whole string must match. */
  private parseRegex(): FilterOperand {
    const start = ++this.pos;
    while (this.pos < this.src.length && this.src[this.pos] !== '/') this.pos += this.src[this.pos] === '\\' ? 2 : 1;
    const body = this.src.slice(start, this.pos);
    this.pos++;
    const flags = /^[imsu]*/.exec(this.src.slice(this.pos))![0];
    this.pos += flags.length;
    try {
      return { kind: 'regex', regex: new RegExp(`^(?:${body})$`, flags) };
    } catch {
      return this.fail(`Invalid regular expression /${body}/${flags}`);
    }
  }

  /** JSON arrays/objects, also with single-quoted strings (`['a','b']`) as Jayway allows. */
  private parseJsonLiteral(): unknown {
    const open = this.src[this.pos];
    const close = open === '[' ? ']' : '}';
    const start = this.pos;
    let depth = 0;
    for (; this.pos < this.src.length; this.pos++) {
      const c = this.src[this.pos];
      if (c === "'" || c === '"') {
        this.pos++;
        while (this.pos < this.src.length && this.src[this.pos] !== c) this.pos += this.src[this.pos] === '\\' ? 2 : 1;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) break;
    }
    this.pos++;
    const text = this.src.slice(start, this.pos);
    try {
      return JSON.parse(text.replace(/'((?:[^'\\]|\\.)*)'/g, (_, s: string) => JSON.stringify(s.replace(/\\'/g, "'"))));
    } catch {
      return this.fail(`Could not parse the JSON literal ${text} in filter`);
    }
  }

  private eat(token: string): boolean {
    this.skipBlanks();
    if (!this.src.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  private take(token: string): string {
    this.pos += token.length;
    return token;
  }

  private skipBlanks(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }
}

const MISSING = Symbol('missing');

function evaluateFilter(expr: FilterExpr, current: unknown, root: unknown): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluateFilter(expr.left, current, root) && evaluateFilter(expr.right, current, root);
    case 'or':
      return evaluateFilter(expr.left, current, root) || evaluateFilter(expr.right, current, root);
    case 'not':
      return !evaluateFilter(expr.operand, current, root);
    case 'exists':
      return operandValue(expr.operand, current, root) !== MISSING;
    case 'compare':
      return compareOperands(expr.op, operandValue(expr.left, current, root), expr.right, current, root);
  }
}

function operandValue(operand: FilterOperand, current: unknown, root: unknown): unknown {
  if (operand.kind === 'literal') return operand.value;
  if (operand.kind === 'regex') return operand.regex;
  const start = operand.relative ? current : root;
  const matches = evaluateIndefinite(operand.segments, start, root);
  if (operand.definite) return matches.length > 0 ? matches[0] : MISSING;
  return matches;
}

/** Jayway's relational operators. A missing left-hand path satisfies only the negative operators. */
function compareOperands(op: string, left: unknown, rightOperand: FilterOperand, current: unknown, root: unknown): boolean {
  const right = operandValue(rightOperand, current, root);
  if (left === MISSING || right === MISSING) return op === '!=' || op === '!==' || op === 'nin' || op === 'noneof';
  switch (op) {
    case '==':
    case '===':
      return jsonEquals(left, right);
    case '!=':
    case '!==':
      return !jsonEquals(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return orderedCompare(op, left, right);
    case '=~':
      return right instanceof RegExp && typeof left === 'string' && right.test(left);
    case 'in':
      return Array.isArray(right) && right.some((r) => jsonEquals(left, r));
    case 'nin':
      return Array.isArray(right) && !right.some((r) => jsonEquals(left, r));
    case 'subsetof':
      return Array.isArray(left) && Array.isArray(right) && left.every((l) => right.some((r) => jsonEquals(l, r)));
    case 'anyof':
      return Array.isArray(left) && Array.isArray(right) && left.some((l) => right.some((r) => jsonEquals(l, r)));
    case 'noneof':
      return Array.isArray(left) && Array.isArray(right) && !left.some((l) => right.some((r) => jsonEquals(l, r)));
    case 'contains':
      if (Array.isArray(left)) return left.some((l) => jsonEquals(l, right));
      return typeof left === 'string' && typeof right === 'string' && left.includes(right);
    case 'size':
      return (typeof left === 'string' || Array.isArray(left)) && left.length === right;
    case 'empty':
      return (typeof left === 'string' || Array.isArray(left)) && (left.length === 0) === right;
  }
  return false;
}

/** Numbers compare numerically, strings lexicographically (Java compareTo); anything else is false. */
function orderedCompare(op: string, left: unknown, right: unknown): boolean {
  const comparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const l = left as number | string;
  const r = right as number | string;
  if (op === '<') return l < r;
  if (op === '<=') return l <= r;
  if (op === '>') return l > r;
  return l >= r;
}

// ---------------------------------------------------------------------------------------------
// ResultPath writing
// ---------------------------------------------------------------------------------------------

/** Returns a copy of `container` with `value` written at `segments[i..]`; shares everything else. */
function writeAt(container: unknown, segments: Segment[], i: number, value: unknown, fail: () => never): unknown {
  if (i === segments.length) return value;
  const segment = segments[i];
  if (segment.kind === 'prop') {
    if (!isPlainObject(container)) return fail();
    const name = segment.names[0];
    let child = hasOwn(container, name) ? container[name] : undefined;
    if (child === undefined && i + 1 < segments.length) {
      // AWS creates missing objects along a ResultPath, but cannot invent arrays for an index.
      if (segments[i + 1].kind !== 'prop') return fail();
      child = {};
    }
    const copy = { ...container };
    defineKey(copy, name, writeAt(child, segments, i + 1, value, fail));
    return copy;
  }
  if (segment.kind === 'index') {
    if (!Array.isArray(container)) return fail();
    const index = segment.indexes[0];
    const effective = index < 0 ? container.length + index : index;
    if (effective < 0 || effective >= container.length) return fail();
    const copy = container.slice();
    copy[effective] = writeAt(container[effective], segments, i + 1, value, fail);
    return copy;
  }
  return fail();
}

// ---------------------------------------------------------------------------------------------
// JSON value helpers shared with the intrinsic functions
// ---------------------------------------------------------------------------------------------

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** Sets an own data property even for keys like "__proto__" (plain assignment would hit the setter). */
export function defineKey(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** JSON equality: key order does not matter, and 1 and 1.0 are the same number (they are in JS). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEquals(item, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => hasOwn(bo, k) && jsonEquals(ao[k], bo[k]));
}

/**
 * A value as Java's `toString()` renders the map/list Jackson parsed it into: `{a=1, b=[x, y]}`,
 * strings unquoted, null as "null". AWS shows values this way in States.Format and in Jayway texts.
 */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return javaNumberToString(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  const entries = Object.keys(value as object).map((k) => `${k}=${javaToString((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(', ')}}`;
}

/**
 * Integers as Long/BigInteger print their digits; other numbers as Java's Double.toString: plain
 * decimals in [1e-3, 1e7), otherwise "1.5E-7". JSON cannot tell 1.0 from 1, so 1.0 prints as "1".
 */
export function javaNumberToString(n: number): string {
  if (Object.is(n, -0)) return '0';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return String(n);
  const [mantissa, exponent] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}
