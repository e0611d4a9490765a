/**
 * Input and output processing for one state, in either query language:
 *  JSONPath: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath, Assign with paths
 *  JSONata:  Arguments -> (work) -> Output, Assign with {% %} expressions over $states
 * The state handlers call these and stay free of language details.
 */
import { selectInputOrOutputPath, applyResultPath, queryPath } from '../asl/jsonpath';
import { resolvePayloadTemplate } from '../asl/payload';
import { evaluateJsonataTemplate, hasJsonata, type JsonataBindings } from '../asl/jsonata';
import type { PathScope, RandomSource } from '../asl/scope';
import type { QueryLanguage as DefinitionLanguage } from './definition';
import type { WrittenResult } from './payload-sizes';

/** The data-processing fields the functions below read; every state kind has some of them. */
interface InputFields {
  InputPath?: string | null;
  Parameters?: unknown;
  Arguments?: unknown;
}
interface OutputFields {
  Output?: unknown;
  ResultSelector?: unknown;
  ResultPath?: string | null;
  OutputPath?: string | null;
}

export type QueryLanguage = DefinitionLanguage;

/** Everything a state's data processing can read. */
export interface StateEnv {
  language: QueryLanguage;
  stateName: string;
  rawInput: unknown;
  context: Record<string, unknown>;
  /** a variable visible from this run (own scope first, then the enclosing ones) */
  lookupVariable(name: string): { found: boolean; value?: unknown };
  /** all visible variables, inner scopes shadowing outer ones (JSONata binds them all) */
  visibleVariables(): Record<string, unknown>;
  random: RandomSource;
  nowMillis: number;
}

/** A PathScope over a state's env; $$ is read through to env, which builds it only when asked. */
class EnvPathScope implements PathScope {
  constructor(
    private readonly env: StateEnv,
    readonly input: unknown,
  ) {}
  get context(): unknown {
    return this.env.context;
  }
  variable(name: string): { found: boolean; value?: unknown } {
    return this.env.lookupVariable(name);
  }
}

export function pathScope(env: StateEnv, input: unknown): PathScope {
  return new EnvPathScope(env, input);
}

export function jsonataBindings(env: StateEnv, extra: Record<string, unknown> = {}): JsonataBindings {
  return {
    states: { input: env.rawInput, context: env.context, ...extra },
    variables: env.visibleVariables(),
    random: env.random,
    nowMillis: env.nowMillis,
  };
}

/** JSONPath: InputPath applied to the raw input (most states have none: the input itself, with no scope made for it). */
export function applyInputPath(state: Pick<InputFields, 'InputPath'>, env: StateEnv): unknown {
  if (state.InputPath === undefined) return env.rawInput;
  return selectInputOrOutputPath(state.InputPath, pathScope(env, env.rawInput), 'InputPath');
}

/** JSONPath: OutputPath applied to `value` (most states have none: the value itself). */
export function applyOutputPath(state: Pick<OutputFields, 'OutputPath'>, env: StateEnv, value: unknown): unknown {
  if (state.OutputPath === undefined) return value;
  return selectInputOrOutputPath(state.OutputPath, pathScope(env, value), 'OutputPath');
}

/**
 * The value a state hands to its work (task input, Map/Parallel input): JSONPath InputPath + Parameters,
 * or JSONata Arguments (the raw input when absent).
 */
export async function effectiveInput(state: InputFields, env: StateEnv, templateField: 'Parameters' | 'Arguments' = 'Parameters'): Promise<unknown> {
  if (env.language === 'JSONata') {
    if (state.Arguments === undefined) return env.rawInput;
    return evaluateTemplate(state.Arguments, env, 'Arguments');
  }
  return jsonPathInput(state, env, templateField);
}

/*
 * The JSONPath halves of effectiveInput, resultToOutput and evaluateAssign, synchronous: only JSONata
 * needs to await, and a state in JSONPath that calls these directly pays for no promise at all.
 */

/** JSONPath: InputPath + Parameters (or another template field). */
export function jsonPathInput(state: InputFields, env: StateEnv, templateField: 'Parameters' | 'Arguments' = 'Parameters'): unknown {
  const afterInputPath = applyInputPath(state, env);
  const params = state[templateField];
  if (params === undefined) return afterInputPath;
  return resolvePayloadTemplate(params, pathScope(env, afterInputPath), env.random, templateField);
}

/** A JSONata template, without paying for an await when it has no expression in it. */
export async function evaluateTemplate(template: unknown, env: StateEnv, field: string, extra: Record<string, unknown> = {}): Promise<unknown> {
  if (!hasJsonata(template)) return template;
  return evaluateJsonataTemplate(template, jsonataBindings(env, extra), field);
}

/**
 * Turns a state's result into its output.
 * JSONPath: ResultSelector (over the result), ResultPath (into the raw input), OutputPath.
 * JSONata: Output over $states.result (the result itself when Output is absent).
 */
export async function resultToOutput(state: OutputFields, env: StateEnv, result: unknown, opts: { resultSelector?: boolean } = {}): Promise<JsonPathOutput> {
  if (env.language === 'JSONata') {
    const output = state.Output === undefined ? result : await evaluateTemplate(state.Output, env, 'Output', { result });
    return { output, selected: result };
  }
  return jsonPathOutput(state, env, result, opts);
}

export interface JsonPathOutput {
  output: unknown;
  /** the result after ResultSelector */
  selected: unknown;
  /** set when the output is the raw input with `selected` written at a ResultPath (no OutputPath): leaveState bounds its size from the input's */
  written?: WrittenResult;
}

/** JSONPath: ResultSelector (over the result), ResultPath (into the raw input), OutputPath. */
export function jsonPathOutput(state: OutputFields, env: StateEnv, result: unknown, opts: { resultSelector?: boolean } = {}): JsonPathOutput {
  let selected = result;
  if (opts.resultSelector !== false && state.ResultSelector !== undefined) {
    selected = resolvePayloadTemplate(state.ResultSelector, pathScope(env, result), env.random, 'ResultSelector');
  }
  const resultPath = state.ResultPath;
  const merged = applyResultPath(env.rawInput, resultPath, selected);
  if (state.OutputPath === undefined) {
    return { output: merged, selected, written: typeof resultPath === 'string' && resultPath !== '$' ? { path: resultPath, value: selected } : undefined };
  }
  return { output: applyOutputPath(state, env, merged), selected };
}

/** What a state without Assign assigns: one shared (frozen) object rather than a new one per state. */
const NO_ASSIGNMENTS: Record<string, unknown> = Object.freeze({});

/**
 * Evaluates an Assign block. All values are computed against the variables as they were before
 * this state, then assigned together (AWS: assignments within one Assign do not see each other).
 * JSONPath: `$` is `pathInput`: a Task's, Map's or Parallel's raw result (before ResultSelector, the
 * Guide's "Passing data between states with variables"), a Pass state's result, the input of a Wait or
 * Choice (after InputPath), a Catcher's error output. JSONata: $states.result / errorOutput via `extra`.
 */
export async function evaluateAssign(assign: unknown, env: StateEnv, pathInput: unknown, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  if (assign === undefined || assign === null) return NO_ASSIGNMENTS;
  if (env.language === 'JSONata') {
    return (await evaluateTemplate(assign, env, 'Assign', extra)) as Record<string, unknown>;
  }
  return jsonPathAssign(assign, env, pathInput);
}

/** JSONPath: an Assign block's paths and intrinsics over `pathInput` (see evaluateAssign). */
export function jsonPathAssign(assign: unknown, env: StateEnv, pathInput: unknown): Record<string, unknown> {
  if (assign === undefined || assign === null) return NO_ASSIGNMENTS;
  return resolvePayloadTemplate(assign, pathScope(env, pathInput), env.random, 'Assign') as Record<string, unknown>;
}

/** Reads a `...Path` field (SecondsPath, MaxConcurrencyPath, ...) in JSONPath mode. */
export function readPath(path: string, env: StateEnv, input: unknown): { found: boolean; value?: unknown } {
  return queryPath(path, pathScope(env, input));
}
