/**
 * JSONata in ASL (QueryLanguage "JSONata", November 2024): `{% expr %}` strings inside Arguments,
 * Output, Assign, Items, Condition, ... evaluated by the `jsonata` package with the bindings AWS
 * provides: `$states` (input, result, errorOutput, context), the workflow variables, and AWS's
 * extra functions ($partition, $range, $hash, $random, $uuid, $parse). Clock and randomness come in
 * through the call so this stays pure.
 */
import jsonata from 'jsonata';
import { createHash } from 'node:crypto';
import { StatesError, ErrorNames } from './errors';
import type { RandomSource } from './scope';
import { parseCache } from './parse-cache';
import { JavaRandom } from './intrinsic-functions';
import { defineKey } from './jsonpath';
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES, exceedsDepth } from '../engine/limits';

export interface JsonataBindings {
  states: Record<string, unknown>;
  variables: Record<string, unknown>;
  random: RandomSource;
  /** the interpreter's "now", so $now() and $millis() do not read the machine clock */
  nowMillis: number;
}

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

export function isJsonataExpression(value: unknown): value is string {
  return typeof value === 'string' && EXPRESSION.test(value);
}

/** The expression text between `{%` and `%}`. */
export function jsonataBody(value: string): string {
  const m = EXPRESSION.exec(value);
  return m ? m[1].trim() : value;
}

/**
 * Budgets of one evaluation, so that one workflow's expression can neither freeze the process (an
 * endless loop or recursion starves the event loop: JSONata's evaluation runs on microtasks only)
 * nor exhaust its memory. Counted in evaluation steps rather than milliseconds: the outcome is the
 * same on every delivery and on every machine, however loaded (the interpreter reads no clock).
 */
export const JSONATA_LIMITS = {
  /** evaluation steps (JSONata's `evaluate` calls) one expression may take: about 1-2 s of CPU */
  maxSteps: 2_000_000,
  /** nesting of evaluation (JSONata's `stack` guardrail): about 1,600 levels of a recursive function */
  maxStackDepth: 10_000,
  /**
   * items in one sequence or array (JSONata's `sequence` guardrail, and every result): an array of
   * more items cannot fit the payload limit, since each item takes at least 2 bytes of JSON ("0,")
   */
  maxSequence: MAX_PAYLOAD_BYTES / 2,
  /** characters in one string: a longer string cannot fit the payload limit */
  maxStringLength: MAX_PAYLOAD_BYTES,
  /** array items materialised over one evaluation (each array counted once): bounds memory when arrays are built in a loop */
  maxMaterialisedItems: 4_194_304,
  /** characters of strings built (by functions and operators) over one evaluation */
  maxBuiltCharacters: 64 * 1024 * 1024,
  /**
   * every this much work the evaluation yields to the event loop, so other executions and requests go
   * on: a step is 1, an array item built 1/100 and a string character built 1/1000 (one step costs
   * about as much as building 100 items or 1,000 characters), so 500 is about a millisecond
   */
  yieldEvery: 500,
};

/** A budget of JSONATA_LIMITS ran out; `text` completes "The JSONata expression ... specified for the field ...". */
class BudgetExceeded extends Error {
  constructor(
    readonly errorName: string,
    readonly text: string,
  ) {
    super(text);
  }
}

interface EvaluationBudget {
  steps: number;
  /** work since the last yield, in steps (see yieldEvery) */
  sinceYield: number;
  materialisedItems: number;
  builtCharacters: number;
  counted: WeakSet<object>;
}

/** One budget per evaluation, keyed by JSONata's per-evaluation root frame (`environment.base`). */
const budgets = new WeakMap<object, EvaluationBudget>();

function budgetOf(environment: { base?: object }): EvaluationBudget {
  const base = environment.base ?? environment;
  let b = budgets.get(base);
  if (!b) budgets.set(base, (b = { steps: 0, sinceYield: 0, materialisedItems: 0, builtCharacters: 0, counted: new WeakSet() }));
  return b;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** JSONata's hook before each evaluation step (awaited by JSONata): counts steps and yields now and then. */
function onEvaluateEntry(_expr: unknown, _input: unknown, environment: { base?: object }): Promise<void> | undefined {
  const b = budgetOf(environment);
  b.steps++;
  if (b.steps > JSONATA_LIMITS.maxSteps) {
    throw new BudgetExceeded(ErrorNames.QueryEvaluationError, `exceeded the evaluation budget of ${JSONATA_LIMITS.maxSteps} steps (a loop or recursion that does not end?)`);
  }
  return workDone(b, 1);
}

/** Adds work; yields to the event loop when enough was done since the last yield. */
function workDone(b: EvaluationBudget, work: number): Promise<void> | undefined {
  b.sinceYield += work;
  if (b.sinceYield < JSONATA_LIMITS.yieldEvery) return undefined;
  b.sinceYield = 0;
  return yieldToEventLoop();
}

/** Expression kinds whose string result is newly built (a variable or path only refers to an existing one). */
const BUILDS_STRINGS = new Set(['function', 'binary', 'apply', 'partial', 'condition', 'block']);

/** JSONata's hook after each evaluation step (awaited too): bounds the size of what the step produced. */
function onEvaluateExit(expr: { type?: string }, _input: unknown, environment: { base?: object }, result: unknown): Promise<void> | undefined {
  if (Array.isArray(result)) {
    if (result.length > JSONATA_LIMITS.maxSequence) {
      throw new BudgetExceeded(ErrorNames.DataLimitExceeded, `produced an array of ${result.length} items, more than the ${JSONATA_LIMITS.maxSequence} that can fit the payload limit of ${MAX_PAYLOAD_BYTES} bytes`);
    }
    const b = budgetOf(environment);
    if (!b.counted.has(result)) {
      b.counted.add(result);
      b.materialisedItems += result.length;
      if (b.materialisedItems > JSONATA_LIMITS.maxMaterialisedItems) {
        throw new BudgetExceeded(ErrorNames.DataLimitExceeded, `built arrays of more than ${JSONATA_LIMITS.maxMaterialisedItems} items in all (the JSONata memory budget)`);
      }
      return workDone(b, result.length / 100);
    }
  } else if (typeof result === 'string') {
    if (result.length > JSONATA_LIMITS.maxStringLength) {
      throw new BudgetExceeded(ErrorNames.DataLimitExceeded, `produced a string of ${result.length} characters, more than the payload limit of ${MAX_PAYLOAD_BYTES} bytes`);
    }
    if (expr.type !== undefined && BUILDS_STRINGS.has(expr.type)) {
      const b = budgetOf(environment);
      b.builtCharacters += result.length;
      if (b.builtCharacters > JSONATA_LIMITS.maxBuiltCharacters) {
        throw new BudgetExceeded(ErrorNames.DataLimitExceeded, `built strings of more than ${JSONATA_LIMITS.maxBuiltCharacters} characters in all (the JSONata memory budget)`);
      }
      return workDone(b, result.length / 1000);
    }
  }
  return undefined;
}

/**
 * Compiling is costly next to evaluating; definitions repeat the same few expressions. The
 * guardrails are jsonata's own (`stack`: D1011, `sequence`: D2015); the step, size and yield
 * budgets hang on its evaluation hooks, bound once per compiled expression (budgets are per evaluation).
 */
export const compileJsonata: (body: string) => jsonata.Expression = parseCache((body) => {
  const expr = jsonata(body, { stack: JSONATA_LIMITS.maxStackDepth, sequence: JSONATA_LIMITS.maxSequence });
  expr.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, onEvaluateEntry);
  expr.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, onEvaluateExit);
  return expr;
});

/** A JSONata sequence of one collapses to its item, as AWS's own $range does. */
function asSequence(values: unknown[]): unknown[] {
  Object.defineProperty(values, 'sequence', { value: true, enumerable: false });
  return values;
}

function awsFunctions(b: JsonataBindings): Record<string, unknown> {
  return {
    partition: (array: unknown[], size: number) => {
      if (!Array.isArray(array)) throw new Error('$partition: the first argument must be an array');
      if (!Number.isInteger(size) || size <= 0) throw new Error('$partition: the chunk size must be a positive integer');
      const out: unknown[][] = [];
      for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
      return out;
    },
    range: (start: number, end: number, step: number) => {
      if (![start, end, step].every(Number.isInteger) || step === 0) throw new Error('$range: start, end and step must be integers, step not 0');
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
        out.push(v);
        if (out.length > 1000) throw new Error('$range: the result may hold at most 1000 items');
      }
      return asSequence(out);
    },
    hash: (data: unknown, algorithm: string) => {
      const algo = ({ MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as Record<string, string>)[algorithm];
      if (!algo) throw new Error(`$hash: unsupported algorithm '${algorithm}'`);
      return createHash(algo).update(typeof data === 'string' ? data : JSON.stringify(data)).digest('hex');
    },
    // with a seed the number is reproducible (the Guide: "$random(seed)"); java.util.Random's, as States.MathRandom's
    random: (seed?: number) => {
      if (seed === undefined) return b.random.random();
      if (!Number.isSafeInteger(seed)) throw new Error(`$random: the seed must be an integer, but was ${JSON.stringify(seed)}`);
      return new JavaRandom(seed).nextDouble();
    },
    // The Guide (Transforming data with JSONata, "Supported JSONata version"): $eval is not available, $parse is
    eval: () => {
      throw new Error('$eval is not available in Step Functions; use $parse to read JSON text');
    },
    uuid: () => b.random.uuid(),
    parse: (text: string) => {
      const value: unknown = JSON.parse(text);
      // JSON.parse takes any depth; what it builds must stay walkable by everything after it
      if (exceedsDepth(value)) throw new BudgetExceeded(ErrorNames.DataLimitExceeded, `parsed ($parse) a value nested more than ${MAX_DATA_DEPTH} levels deep (the data depth limit)`);
      return value;
    },
    now: () => new Date(b.nowMillis).toISOString(),
    millis: () => b.nowMillis,
  };
}

/**
 * JSONata marks its sequences with extra properties and may return functions; keep plain JSON only.
 * Recursive, so the depth is bounded: an expression can build data of any depth in a loop.
 */
function toPlainJson(value: unknown, body: string, field: string, depth = 0): unknown {
  if (typeof value === 'function') {
    throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${body}' specified for the field '${field}' returned an unsupported result type.`);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DATA_DEPTH) {
    throw new StatesError(ErrorNames.DataLimitExceeded, `The JSONata expression '${body}' specified for the field '${field}' returned a value nested more than ${MAX_DATA_DEPTH} levels deep (the data depth limit).`);
  }
  if (Array.isArray(value)) return value.map((v) => toPlainJson(v, body, field, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineKey: a "__proto__" key of the data stays a key, as JSON.parse gives it
    if (v !== undefined) defineKey(out, k, toPlainJson(v, body, field, depth + 1));
  }
  return out;
}

/** JSONata's own guardrails, worded with the limit they enforce. */
const GUARDRAIL_TEXTS: Record<string, () => string> = {
  D1011: () => `exceeded the evaluation stack depth limit of ${JSONATA_LIMITS.maxStackDepth} (a recursion that does not end?)`,
  D2014: () => `allocated a range (..) of more than 1e7 items, more than the ${JSONATA_LIMITS.maxSequence} that can fit the payload limit of ${MAX_PAYLOAD_BYTES} bytes`,
  D2015: () => `built a sequence of more than ${JSONATA_LIMITS.maxSequence} items, more than can fit the payload limit of ${MAX_PAYLOAD_BYTES} bytes`,
};

function jsonataErrorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err && err.code ? `${err.code}: ${err.message}` : String(err?.message ?? e);
}

/** The StatesError of a failed evaluation: a budget or guardrail names its limit, anything else is JSONata's text. */
function evaluationFailure(e: unknown, body: string, field: string): StatesError {
  const where = `The JSONata expression '${body}' specified for the field '${field}'`;
  if (e instanceof BudgetExceeded) return new StatesError(e.errorName, `${where} ${e.text}.`);
  if (e instanceof StatesError) return e;
  const code = (e as { code?: string } | undefined)?.code;
  const guardrail = code !== undefined ? GUARDRAIL_TEXTS[code] : undefined;
  if (guardrail) {
    const name = code === 'D1011' ? ErrorNames.QueryEvaluationError : ErrorNames.DataLimitExceeded;
    return new StatesError(name, `${where} ${guardrail()}. ${jsonataErrorText(e)}`);
  }
  if (e instanceof RangeError) {
    // the process's own stack or string limit: a walker met data built too large or too deep
    return new StatesError(ErrorNames.QueryEvaluationError, `${where} threw an error during evaluation. ${e.message} (the evaluation outgrew the process's limits)`);
  }
  return new StatesError(ErrorNames.QueryEvaluationError, `${where} threw an error during evaluation. ${jsonataErrorText(e)}`);
}

/** Evaluates one `{% %}` expression; `field` names where it sits (e.g. "Output/result") for error texts. */
export async function evaluateJsonataExpression(expression: string, b: JsonataBindings, field: string): Promise<unknown> {
  const body = jsonataBody(expression);
  let expr: jsonata.Expression;
  try {
    expr = compileJsonata(body);
  } catch (e) {
    throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${body}' specified for the field '${field}' could not be parsed. ${jsonataErrorText(e)}`);
  }
  let value: unknown;
  try {
    value = await expr.evaluate(undefined, { ...b.variables, ...awsFunctions(b), states: b.states });
  } catch (e) {
    throw evaluationFailure(e, body, field);
  }
  if (value === undefined) {
    throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${body}' specified for the field '${field}' returned nothing (undefined).`);
  }
  return toPlainJson(value, body, field);
}

/**
 * Evaluates a JSONata-mode template (Arguments, Output, Assign values, ItemSelector...): every string
 * that is a `{% %}` expression is replaced by its value, everything else is kept as written.
 */
export async function evaluateJsonataTemplate(template: unknown, b: JsonataBindings, field: string): Promise<unknown> {
  if (isJsonataExpression(template)) return evaluateJsonataExpression(template, b, field);
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (let i = 0; i < template.length; i++) out.push(await evaluateJsonataTemplate(template[i], b, `${field}[${i}]`));
    return out;
  }
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) defineKey(out, k, await evaluateJsonataTemplate(v, b, `${field}/${k}`));
    return out;
  }
  return template;
}

/** True when the template holds no `{% %}` anywhere: then it can be used as it is, without awaiting. */
export function hasJsonata(template: unknown): boolean {
  if (typeof template === 'string') return isJsonataExpression(template);
  if (Array.isArray(template)) return template.some(hasJsonata);
  if (template !== null && typeof template === 'object') return Object.values(template).some(hasJsonata);
  return false;
}
