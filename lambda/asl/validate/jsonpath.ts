/**
 * Which JSONPath expressions ASL accepts where (InputPath, OutputPath, ResultPath, ItemsPath, the
 * `*Path` fields, and the `.$` values of payload templates). The syntax is the runtime's: a path is
 * valid here exactly when the engine's parser (asl/jsonpath-grammar.ts, Jayway's grammar as AWS runs
 * it) reads it, so a definition the validator accepts never fails at run time on a path's syntax.
 * This module adds what depends on where the path stands: a Reference Path (ResultPath, ItemsPath,
 * the `*Path` settings) may only name one node: no "..", "*", filters, slices or unions (AWS Developer
 * Guide, "Reference paths"); some fields may not read the context object or variables.
 */
import { compilePath, isReferenceSegments, type Segment } from '../jsonpath-grammar';
import { isStatesError } from '../errors';
import { isValidVariableName } from './names';

export interface PathRules {
  /** a Reference Path: single-node selection only */
  reference?: boolean;
  /** may start with "$$" (the context object) */
  allowContext?: boolean;
  /** may start with "$name" (a workflow variable) */
  allowVariables?: boolean;
}

/** The first problem of `text` as a JSONPath under `rules`, as a sentence fragment, or undefined when it is valid. */
export function jsonPathError(text: string, rules: PathRules = {}): string | undefined {
  const allowContext = rules.allowContext ?? true;
  const allowVariables = rules.allowVariables ?? true;
  let compiled;
  try {
    compiled = compilePath(text);
  } catch (e) {
    if (!isStatesError(e)) throw e;
    // "$1x": the parser reads "$" and stops at "1"; say why
    const name = /^\$([\p{ID_Continue}\u200C\u200D]+)/u.exec(text)?.[1];
    if (name !== undefined && !isValidVariableName(name)) return `"${name}" is not a valid variable name`;
    // the parser's cause, without its "Invalid path '<text>' : " (the caller quotes the path)
    return e.cause.replace(/^Invalid path '[\s\S]*' : /, '');
  }
  const { root, segments } = compiled;
  if (root.kind === 'context' && !allowContext) return 'cannot refer to the context object ("$$") here';
  if (root.kind === 'variable') {
    if (!allowVariables) return `cannot refer to a variable ("$${root.name}") here`;
    if (!isValidVariableName(root.name)) return `"${root.name}" is not a valid variable name`;
  }
  // the engine's rule decides (ResultPath uses it too); the first segment it refuses is named
  if (rules.reference && !isReferenceSegments(segments)) {
    const problem = segments.map(whyNotReference).find((p) => p !== undefined) ?? 'selects more than one node';
    return `${problem}, which a reference path does not allow`;
  }
  return undefined;
}

/** What a segment that isReferenceSegments refuses does, in words. */
function whyNotReference(segment: Segment): string | undefined {
  switch (segment.kind) {
    case 'prop':
      return segment.names.length > 1 ? 'selects several names' : undefined;
    case 'index':
      return segment.indexes.length > 1 ? 'selects several indexes' : undefined;
    case 'wildcard':
      return 'uses a wildcard "*"';
    case 'slice':
      return 'uses an array slice';
    case 'filter':
      return 'uses a filter "[?(...)]"';
    case 'scan':
      return 'uses deep scan ".."';
  }
}

/** ResultPath writes into the state input, so it is a reference path rooted at "$" (no "$$", no variables). */
export const RESULT_PATH_RULES: PathRules = { reference: true, allowContext: false, allowVariables: false };

/** Settings read from a path (ItemsPath, SecondsPath, MaxConcurrencyPath, ...) name a single value. */
export const REFERENCE_PATH_RULES: PathRules = { reference: true };
