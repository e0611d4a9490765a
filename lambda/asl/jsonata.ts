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

/** Compiling is costly next to evaluating; definitions repeat the same few expressions. */
export const compileJsonata: (body: string) => jsonata.Expression = parseCache((body) => jsonata(body));

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
    random: () => b.random.random(),
    uuid: () => b.random.uuid(),
    parse: (text: string) => JSON.parse(text),
    now: () => new Date(b.nowMillis).toISOString(),
    millis: () => b.nowMillis,
  };
}

/** JSONata marks its sequences with extra properties and may return functions; keep plain JSON only. */
function toPlainJson(value: unknown, body: string, field: string): unknown {
  if (typeof value === 'function') {
    throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${body}' specified for the field '${field}' returned an unsupported result type.`);
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => toPlainJson(v, body, field));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = toPlainJson(v, body, field);
  }
  return out;
}

function jsonataErrorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err && err.code ? `${err.code}: ${err.message}` : String(err?.message ?? e);
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
    throw new StatesError(ErrorNames.QueryEvaluationError, `The JSONata expression '${body}' specified for the field '${field}' threw an error during evaluation. ${jsonataErrorText(e)}`);
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
    for (const [k, v] of Object.entries(template)) out[k] = await evaluateJsonataTemplate(v, b, `${field}/${k}`);
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
