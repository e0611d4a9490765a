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
import { compilePath, isReferenceSegments, normalizeSegment, type CompiledPath, type FilterExpr, type FilterOperand, type Segment } from './jsonpath-grammar';
import { defineKey, hasOwn, isPlainObject, javaToString, jsonEquals } from './json-values';

// The grammar (jsonpath-grammar.ts), ResultPath writing (result-path.ts) and the JSON value helpers
// (json-values.ts) have modules of their own; re-exported here, where their callers have found them.
export { applyResultPath } from './result-path';
export { defineKey, hasOwn, isPlainObject, javaNumberToString, javaToString, jsonEquals } from './json-values';

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
  return queryCompiledPath(compilePath(path), scope);
}

/** queryPath for a path already compiled (compilePath): payload templates keep theirs. */
export function queryCompiledPath(compiled: CompiledPath, scope: PathScope): PathQueryResult {
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
  return isReferenceSegments(compiled.segments);
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
      if (Array.isArray(node)) out.push(...(node as unknown[]));
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
// Filter evaluation (Jayway's operators and semantics)
// ---------------------------------------------------------------------------------------------

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
  if (op === '<') return left < right;
  if (op === '<=') return left <= right;
  if (op === '>') return left > right;
  return left >= right;
}
