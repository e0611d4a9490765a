/**
 * ResultPath application: writes a state's result into its input at a reference path, copy-on-write.
 * The path is read by the one JSONPath parser (jsonpath-grammar.ts).
 */
import { StatesError, ErrorNames } from './errors';
import { compilePath, isReferenceSegments, type Segment } from './jsonpath-grammar';
import { defineKey, hasOwn, isPlainObject } from './json-values';

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
  if (compiled.root.kind !== 'input' || !isReferenceSegments(compiled.segments)) {
    throw new StatesError(
      ErrorNames.Runtime,
      `Invalid path '${resultPath}' : ResultPath must be a reference path into the state input ('$', '$.field', '$[0]'...)`,
    );
  }
  const out = writeAt(input, compiled.segments, 0, result);
  if (out === FAILED) {
    throw new StatesError(
      ErrorNames.ResultPathMatchFailure,
      `Unable to apply ReferencePath ${resultPath} to input ${JSON.stringify(input)}`,
    );
  }
  return out;
}

const FAILED = Symbol('failed');

function copyObject(o: Record<string, unknown>): Record<string, unknown> {
  if (hasOwn(o, '__proto__')) return { ...o };
  return Object.assign({}, o);
}

/** Returns a copy of `container` with `value` written at `segments[i..]`; shares everything else. */
function writeAt(container: unknown, segments: Segment[], i: number, value: unknown): unknown {
  if (i === segments.length) return value;
  const segment = segments[i];
  if (segment.kind === 'prop') {
    if (!isPlainObject(container)) return FAILED;
    const name = segment.names[0];
    let child = hasOwn(container, name) ? container[name] : undefined;
    if (child === undefined && i + 1 < segments.length) {
      // AWS creates missing objects along a ResultPath, but cannot invent arrays for an index.
      if (segments[i + 1].kind !== 'prop') return FAILED;
      child = {};
    }
    const inner = writeAt(child, segments, i + 1, value);
    if (inner === FAILED) return FAILED;
    const copy = copyObject(container);
    defineKey(copy, name, inner);
    return copy;
  }
  if (segment.kind === 'index') {
    if (!Array.isArray(container)) return FAILED;
    const index = segment.indexes[0];
    const effective = index < 0 ? container.length + index : index;
    if (effective < 0 || effective >= container.length) return FAILED;
    const copy = container.slice();
    const inner = writeAt(container[effective], segments, i + 1, value);
    if (inner === FAILED) return FAILED;
    copy[effective] = inner;
    return copy;
  }
  return FAILED;
}
