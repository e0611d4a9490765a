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
import { StatesError, ErrorNames } from './errors';
import type { PathScope, RandomSource } from './scope';
import { queryCompiledPath } from './jsonpath';
import { compilePath, type CompiledPath } from './jsonpath-grammar';
import { parseCache } from './parse-cache';
import { FUNCTIONS, type EvalContext, type FunctionSpec } from './intrinsic-functions';
import type { IntrinsicArg, IntrinsicCall, IntrinsicLiteral, IntrinsicPath } from './intrinsic-ast';

// The functions themselves (their table, argument checks, implementations) are in intrinsic-functions.ts.
export { INTRINSIC_FUNCTION_NAMES } from './intrinsic-functions';

// The AST types have a module of their own (intrinsic-ast.ts), shared with intrinsic-functions.ts.
export type { IntrinsicArg, IntrinsicCall, IntrinsicLiteral, IntrinsicPath } from './intrinsic-ast';

// ---------------------------------------------------------------------------------------------
// AST limits
// ---------------------------------------------------------------------------------------------

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
  return intrinsicEvaluator(ast)({ scope, random, field });
}

/** A parsed call made ready to run: see compileCall. */
export type IntrinsicEvaluator = (ctx: EvalContext) => unknown;

const evaluators = new WeakMap<IntrinsicCall, IntrinsicEvaluator>();

/** The evaluator of a parsed (and cached) call, compiled at its first use; a caller may keep it. */
export function intrinsicEvaluator(ast: IntrinsicCall): IntrinsicEvaluator {
  let evaluator = evaluators.get(ast);
  if (evaluator === undefined) {
    evaluator = compileCall(ast);
    evaluators.set(ast, evaluator);
  }
  return evaluator;
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


/**
 * A call as a closure over its function and its arguments' evaluators, made once per parsed call:
 * evaluating it then looks nothing up by name and builds no closure per use (the same expressions run
 * for every state entry and every Map item). Arguments are still evaluated left to right before the
 * function runs, and a path argument is compiled at its first evaluation, so errors (and their order)
 * are those of evaluating the AST directly.
 */
function compileCall(call: IntrinsicCall): IntrinsicEvaluator {
  const run = FUNCTIONS[call.name].run;
  const args = call.args.map(compileArgument);
  if (args.length === 0) return (ctx) => run([], ctx, call);
  if (args.length === 1) {
    const [a] = args;
    return (ctx) => run([a(ctx)], ctx, call);
  }
  if (args.length === 2) {
    const [a, b] = args;
    return (ctx) => run([a(ctx), b(ctx)], ctx, call); // array elements are evaluated in order
  }
  return (ctx) => {
    const values: unknown[] = [];
    for (const arg of args) values.push(arg(ctx));
    return run(values, ctx, call);
  };
}

function compileArgument(arg: IntrinsicArg): IntrinsicEvaluator {
  if (arg.kind === 'literal') {
    const value = arg.value;
    return () => value;
  }
  if (arg.kind === 'call') return compileCall(arg);
  let compiled: CompiledPath | undefined;
  return (ctx) => {
    const result = queryCompiledPath((compiled ??= compilePath(arg.path)), ctx.scope);
    if (result.found) return result.value;
    const where = ctx.field === undefined ? '' : ` specified for the field '${ctx.field}'`;
    throw new StatesError(
      ErrorNames.Runtime,
      `The JSONPath '${arg.path}'${where} could not be found in the input '${JSON.stringify(ctx.scope.input)}'`,
    );
  };
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
