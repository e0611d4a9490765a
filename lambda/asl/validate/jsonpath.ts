/**
 * Syntax of the JSONPath expressions ASL accepts (InputPath, OutputPath, ResultPath, ItemsPath, the
 * `*Path` fields, and the `.$` values of payload templates). AWS evaluates them with Jayway JsonPath,
 * so the grammar follows Jayway's compiler rather than a stricter spec reading:
 *
 *   path    = root segment*
 *   root    = "$$" (the context object) | "$" name (a workflow variable) | "$" (the state input)
 *   segment = "." name | "." "*" | ".." (name | "*" | bracket) | bracket | "." name "(" ... ")" (a function, last)
 *   bracket = "[" ( "*" | ints | slice | quoted ("," quoted)* | "?(" filter ")" ) "]"
 *
 * A dot-notation name runs until whitespace, ".", "[" or "(" (as in Jayway), so "$.delivery-partner" is one name.
 * A Reference Path (ResultPath, ItemsPath, the `*Path` settings) may only name one node: no "..", "*",
 * filters, slices, unions or functions (AWS Developer Guide, "Reference paths").
 */
import { isValidVariableName } from './names';

export interface PathRules {
  /** a Reference Path: single-node selection only */
  reference?: boolean;
  /** may start with "$$" (the context object) */
  allowContext?: boolean;
  /** may start with "$name" (a workflow variable) */
  allowVariables?: boolean;
}

/** The first syntax problem of `text` as a JSONPath, as a sentence fragment, or undefined when it is valid. */
export function jsonPathError(text: string, rules: PathRules = {}): string | undefined {
  const allowContext = rules.allowContext ?? true;
  const allowVariables = rules.allowVariables ?? true;
  if (!text.startsWith('$')) return 'a JSONPath must start with "$"';

  let i: number;
  if (text.startsWith('$$')) {
    if (!allowContext) return 'cannot refer to the context object ("$$") here';
    i = 2;
  } else {
    const name = readVariableName(text, 1);
    if (name.length > 0) {
      if (!allowVariables) return `cannot refer to a variable ("$${name}") here`;
      if (!isValidVariableName(name)) return `"${name}" is not a valid variable name`;
    }
    i = 1 + name.length;
  }
  return segmentsError(text, i, rules.reference === true);
}

/** A variable name right after "$": identifier characters (see names.ts), possibly none. */
function readVariableName(text: string, start: number): string {
  const m = /^[\p{ID_Continue}\u200C\u200D]*/u.exec(text.slice(start));
  return m ? m[0] : '';
}

function segmentsError(text: string, start: number, reference: boolean): string | undefined {
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      const result = dotSegment(text, i, reference);
      if (typeof result === 'string') return result;
      i = result.end;
    } else if (c === '[') {
      const result = bracketSegment(text, i, reference);
      if (typeof result === 'string') return result;
      i = result.end;
    } else if (/\s/.test(c)) {
      return `has whitespace at position ${i} (use bracket notation such as ['a b'] for names with spaces)`;
    } else {
      return `has an unexpected character "${c}" at position ${i}`;
    }
  }
  return undefined;
}

type Step = { end: number } | string;

/** ".name", ".*", "..name", "..*", "..[...]", or a trailing ".fn(...)". */
function dotSegment(text: string, at: number, reference: boolean): Step {
  let i = at + 1;
  if (text[i] === '.') {
    if (reference) return 'uses deep scan ".." which a reference path does not allow';
    i++;
    if (text[i] === '[') return { end: i }; // "..[0]": the bracket is read next
  }
  if (i >= text.length) return 'must not end with "."';
  if (text[i] === '*') {
    if (reference) return 'uses a wildcard "*" which a reference path does not allow';
    return { end: i + 1 };
  }
  const nameMatch = /^[^\s.[(]+/.exec(text.slice(i));
  if (!nameMatch) return `has an empty property name at position ${i}`;
  i += nameMatch[0].length;
  if (text[i] === '(') return functionCall(text, i, reference);
  return { end: i };
}

/** Jayway functions such as ".length()" are only valid as the last segment. */
function functionCall(text: string, open: number, reference: boolean): Step {
  if (reference) return 'calls a function, which a reference path does not allow';
  const close = matchingParen(text, open);
  if (close < 0) return 'has an unclosed "(" in a function call';
  if (close !== text.length - 1) return 'has a function call that is not the last segment';
  return { end: close + 1 };
}

function bracketSegment(text: string, open: number, reference: boolean): Step {
  let i = skipSpaces(text, open + 1);
  const c = text[i];
  if (c === undefined) return 'has an unclosed "["';
  if (c === "'" || c === '"') return quotedNames(text, i, reference);
  if (c === '*') {
    if (reference) return 'uses a wildcard "*" which a reference path does not allow';
    return closeBracket(text, i + 1);
  }
  if (c === '?') {
    if (reference) return 'uses a filter "[?(...)]" which a reference path does not allow';
    if (text[i + 1] !== '(') return 'has a filter that does not start with "?("';
    const close = matchingParen(text, i + 1);
    if (close < 0) return 'has an unclosed filter expression';
    if (text.slice(i + 2, close).trim() === '') return 'has an empty filter expression';
    return closeBracket(text, close + 1);
  }
  const end = text.indexOf(']', i);
  if (end < 0) return 'has an unclosed "["';
  const body = text.slice(i, end).trim();
  if (/^-?\d+$/.test(body)) return { end: end + 1 };
  if (/^-?\d+(\s*,\s*-?\d+)+$/.test(body)) {
    return reference ? 'selects several indexes, which a reference path does not allow' : { end: end + 1 };
  }
  if (/^(-?\d+)?\s*:\s*(-?\d+)?$/.test(body)) {
    return reference ? 'uses an array slice, which a reference path does not allow' : { end: end + 1 };
  }
  return `has an invalid bracket expression "[${text.slice(i, end)}]"`;
}

/** "['a']", "['a','b']" (a union, not in reference paths). Backslash escapes the next character. */
function quotedNames(text: string, start: number, reference: boolean): Step {
  let i = start;
  let count = 0;
  for (;;) {
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return `has an invalid bracket expression at position ${i}`;
    const end = closingQuote(text, i);
    if (end < 0) return 'has an unterminated quoted name';
    count++;
    i = skipSpaces(text, end + 1);
    if (text[i] === ',') {
      i = skipSpaces(text, i + 1);
      continue;
    }
    break;
  }
  if (reference && count > 1) return 'selects several names, which a reference path does not allow';
  return closeBracket(text, i);
}

function closeBracket(text: string, at: number): Step {
  const i = skipSpaces(text, at);
  if (text[i] !== ']') return i >= text.length ? 'has an unclosed "["' : `expected "]" at position ${i}`;
  return { end: i + 1 };
}

function skipSpaces(text: string, at: number): number {
  let i = at;
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

/** Index of the quote closing the one at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** Index of the ")" matching the "(" at `open`, skipping quoted strings, or -1. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = closingQuote(text, i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** ResultPath writes into the state input, so it is a reference path rooted at "$" (no "$$", no variables). */
export const RESULT_PATH_RULES: PathRules = { reference: true, allowContext: false, allowVariables: false };

/** Settings read from a path (ItemsPath, SecondsPath, MaxConcurrencyPath, ...) name a single value. */
export const REFERENCE_PATH_RULES: PathRules = { reference: true };
