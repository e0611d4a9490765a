/**
 * The JSONPath grammar AWS Step Functions accepts (Jayway JsonPath's syntax; see jsonpath.ts for the
 * semantics): path text -> compiled form (root, segments, filter expressions), or States.Runtime
 * "Invalid path '...' : ..." when the text is not a path. The one JSONPath parser: the evaluator
 * (jsonpath.ts), ResultPath (result-path.ts) and the validator (validate/jsonpath.ts) all read paths
 * through it, so a definition that validates never fails on a path's syntax at run time.
 */
import { StatesError, ErrorNames } from './errors';
import { hotFront, parseCache } from './parse-cache';

// ---------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------

export type Root = { kind: 'input' } | { kind: 'context' } | { kind: 'variable'; name: string };

export type Segment =
  | { kind: 'prop'; names: string[] }
  | { kind: 'index'; indexes: number[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined }
  | { kind: 'filter'; expr: FilterExpr }
  | { kind: 'scan'; target: Segment };

export interface CompiledPath {
  text: string;
  root: Root;
  segments: Segment[];
  /** Jayway's notion: one value, not a list of matches. */
  definite: boolean;
  /** Jayway's normalized form of the whole path (`$['a'][0]`), used in "No results for path" texts. */
  normalized: string;
}

/** Parses once per distinct path text. */
export const compilePath: (path: string) => CompiledPath = hotFront(parseCache((path) => new PathParser(path).parse()));

export function invalidPath(path: string, message: string): never {
  throw new StatesError(ErrorNames.Runtime, `Invalid path '${path}' : ${message}`);
}

/** Jayway treats a trailing property union (`$['a','b']`) as definite: it returns one merged object. */
function isDefiniteSegment(segment: Segment, isLast: boolean): boolean {
  if (segment.kind === 'prop') return segment.names.length === 1 || isLast;
  if (segment.kind === 'index') return segment.indexes.length === 1;
  return false;
}

export function normalizeSegment(segment: Segment): string {
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

/**
 * A workflow variable's name (`$name`): AWS ("Passing data between states with variables") follows
 * Unicode Standard Annex #31, an ID_Start character then ID_Continue ones; a leading "_" is taken too
 * (see validate/names.ts, which checks Assign's names with the same pattern). It used to be letters,
 * then letters and numbers here (`$x²` read "x²", `$é` written with a combining accent failed).
 */
export const VARIABLE_NAME_SOURCE = '[\\p{ID_Start}_][\\p{ID_Continue}\\u200C\\u200D]*';
const VARIABLE_NAME_AT = new RegExp(VARIABLE_NAME_SOURCE, 'uy');

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
    VARIABLE_NAME_AT.lastIndex = 1;
    const name = VARIABLE_NAME_AT.exec(t)?.[0];
    if (name) {
      this.pos = 1 + name.length;
      return { kind: 'variable', name };
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
// Filter expressions: `[?(@.price < 10 && @.tag in ['a','b'])]`, Jayway's operators and semantics
// ---------------------------------------------------------------------------------------------

export type FilterOperand =
  | { kind: 'literal'; value: unknown }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'path'; relative: boolean; segments: Segment[]; definite: boolean };

export type FilterExpr =
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

/**
 * AWS "Reference Paths": names and single indexes only, no wildcard, slice, filter, deep scan or union
 * (a path that can only identify a single node).
 */
export function isReferenceSegments(segments: readonly Segment[]): boolean {
  return segments.every((s) => (s.kind === 'prop' && s.names.length === 1) || (s.kind === 'index' && s.indexes.length === 1));
}
