/**
 * Checks of single field values shared by every state type: types and ranges, JSONPath fields, payload
 * templates with ".$" keys, intrinsic functions and `{% JSONata %}` strings.
 */
import jsonata from 'jsonata';
import { isJsonataExpression, jsonataBody } from '../jsonata';
import { parseIntrinsic, type IntrinsicArg } from '../intrinsics';
import { isStatesError } from '../errors';
import { jsonPathError, type PathRules } from './jsonpath';
import { describeType, isObject, type Path, type Reporter } from './report';
import type { QueryLanguage } from './fields';

export function checkString(r: Reporter, path: Path, value: unknown, field: string): value is string {
  if (typeof value === 'string') return true;
  r.add(path, `${field} must be a string, not ${describeType(value)}`);
  return false;
}

export function checkNonEmptyString(r: Reporter, path: Path, value: unknown, field: string): value is string {
  if (!checkString(r, path, value, field)) return false;
  if (value.length > 0) return true;
  r.add(path, `${field} must not be empty`);
  return false;
}


export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** A number within `rule`; the message names the field and the bound it breaks. */
export function checkNumber(r: Reporter, path: Path, value: unknown, field: string, rule: NumberRule): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    r.add(path, `${field} must be ${rule.integer ? 'an integer' : 'a number'}, not ${describeType(value)}`);
    return false;
  }
  if (rule.integer && !Number.isInteger(value)) {
    r.add(path, `${field} must be an integer, not ${value}`);
    return false;
  }
  if (rule.min !== undefined && value < rule.min) {
    r.add(path, `${field} must be at least ${rule.min}, not ${value}`);
    return false;
  }
  if (rule.max !== undefined && value > rule.max) {
    r.add(path, `${field} must be at most ${rule.max}, not ${value}`);
    return false;
  }
  return true;
}

/**
 * A numeric setting (TimeoutSeconds, MaxConcurrency, Seconds, ...): a number in JSONPath states; in
 * JSONata states a `{% %}` expression is accepted too (it is evaluated when the state runs).
 */
export function checkNumberOrJsonata(
  r: Reporter,
  path: Path,
  value: unknown,
  field: string,
  rule: NumberRule,
  language: QueryLanguage,
): void {
  if (language === 'JSONata' && typeof value === 'string') {
    if (isJsonataExpression(value)) checkJsonataExpression(r, path, value);
    else r.add(path, `${field} must be a number or a JSONata expression "{% ... %}", not a plain string`);
    return;
  }
  checkNumber(r, path, value, field, rule);
}

/** Compiles the body of a `{% ... %}` string so a syntax error is reported before anything runs. */
export function checkJsonataExpression(r: Reporter, path: Path, value: string): void {
  const body = jsonataBody(value);
  if (body === '') {
    r.add(path, 'empty JSONata expression "{% %}"');
    return;
  }
  try {
    jsonata(body);
  } catch (e) {
    r.add(path, `invalid JSONata expression: ${jsonataErrorText(e)}`);
  }
}

function jsonataErrorText(e: unknown): string {
  const err = e as { message?: string; position?: number };
  const text = err.message ?? String(e);
  return typeof err.position === 'number' ? `${text} (at position ${err.position})` : text;
}

/** Every `{% %}` string anywhere inside a JSONata field value (Arguments, Output, Assign, Items, ...). */
export function checkJsonataTemplate(r: Reporter, path: Path, value: unknown): void {
  if (typeof value === 'string') {
    if (isJsonataExpression(value)) checkJsonataExpression(r, path, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonataTemplate(r, [...path, i], item));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) checkJsonataTemplate(r, [...path, key], item);
  }
}

/** A JSONPath field (InputPath, ItemsPath, SecondsPath, ...); `null` only where `nullable` (InputPath, OutputPath, ResultPath). */
export function checkPathField(
  r: Reporter,
  path: Path,
  value: unknown,
  field: string,
  rules: PathRules,
  nullable = false,
): void {
  if (value === null && nullable) return;
  if (typeof value !== 'string') {
    r.add(path, `${field} must be a JSONPath string${nullable ? ' or null' : ''}, not ${describeType(value)}`);
    return;
  }
  const error = jsonPathError(value, rules);
  if (error !== undefined) r.add(path, `${field} "${value}" is not a valid ${rules.reference ? 'reference path' : 'JSONPath'}: ${error}`);
}

/**
 * The syntax error of an intrinsic function call, or undefined when it parses. The parser's cause names
 * the whole expression first ("Invalid intrinsic function '<text>': ..."); the caller already quotes it.
 */
export function intrinsicError(text: string): string | undefined {
  try {
    return pathArgumentError(parseIntrinsic(text));
  } catch (e) {
    const cause = isStatesError(e) ? e.cause : e instanceof Error ? e.message : String(e);
    const prefix = `Invalid intrinsic function '${text}': `;
    return cause.startsWith(prefix) ? cause.slice(prefix.length) : cause;
  }
}

/** The parser takes a path argument's text as it stands; its JSONPath syntax is checked here, nested calls included. */
function pathArgumentError(arg: IntrinsicArg): string | undefined {
  if (arg.kind === 'path') {
    const error = jsonPathError(arg.path.trim());
    return error === undefined ? undefined : `path argument "${arg.path.trim()}" is not a valid JSONPath: ${error}`;
  }
  if (arg.kind === 'call') {
    for (const nested of arg.args) {
      const error = pathArgumentError(nested);
      if (error !== undefined) return error;
    }
  }
  return undefined;
}

/** A value evaluated at run time in a JSONPath state: a path, or an intrinsic function ("States.Format(...)"). */
export function checkPathOrIntrinsic(r: Reporter, path: Path, value: unknown, field: string): void {
  if (typeof value !== 'string') {
    r.add(path, `${field} must be a string holding a JSONPath or an intrinsic function, not ${describeType(value)}`);
    return;
  }
  if (value.startsWith('States.')) {
    const error = intrinsicError(value);
    if (error !== undefined) r.add(path, `invalid intrinsic function "${value}": ${error}`);
    return;
  }
  const error = jsonPathError(value);
  if (error !== undefined) r.add(path, `"${value}" is neither a valid JSONPath nor an intrinsic function: ${error}`);
}

/**
 * A JSONPath payload template (Parameters, ResultSelector, ItemSelector, Assign values, ...): every key
 * ending in ".$", however deeply nested, holds a path or intrinsic function evaluated at run time; other
 * values are literals.
 */
export function checkPayloadTemplate(r: Reporter, path: Path, value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkPayloadTemplate(r, [...path, i], item));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.endsWith('.$')) checkPathOrIntrinsic(r, [...path, key], item, `the value of "${key}"`);
      else checkPayloadTemplate(r, [...path, key], item);
    }
  }
}

