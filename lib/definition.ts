/**
 * State machine definitions at synth time: load them (a file, JSON text, an object, or an
 * aws-stepfunctions chain), substitute the task functions the stack creates, validate them with
 * the engine's own validator, and find every Lambda function they invoke.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { formatIssues, validateDefinition } from '../lambda/asl/validate';
import { unsupportedTaskResources } from '../lambda/runtime/integrations/support';

/**
 * A definition: a path to an ASL JSON file (relative to the current directory, as the CDK CLI runs
 * the app from the project root), ASL JSON text, a parsed ASL object, an aws-stepfunctions chain
 * (`IChainable`), or an `sfn.DefinitionBody` (fromFile, fromString or fromChainable).
 */
export type DefinitionSource = string | Record<string, unknown> | sfn.IChainable | sfn.DefinitionBody;

export interface DefinitionOptions {
  /** for chains: the top-level Comment */
  readonly comment?: string;
  /** for chains: the top-level QueryLanguage */
  readonly queryLanguage?: sfn.QueryLanguage;
  /** for chains: the top-level TimeoutSeconds */
  readonly timeout?: Duration;
  /** `${key}` -> value in every string of the definition, as CloudFormation's DefinitionSubstitutions */
  readonly definitionSubstitutions?: Record<string, string>;
  /** task functions by the function name the definition uses (bare, partial or full ARN) */
  readonly functions?: Record<string, lambda.IFunction>;
}

type Json = Record<string, unknown>;

export interface LoadedDefinition {
  /** the definition, possibly holding tokens (function ARNs, partition...) */
  definition: Json;
  /** the text to store: the file's or string's own text when nothing was substituted */
  text: string;
  /** where it came from, for error messages */
  origin: string;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Plain objects only: tokens (IResolvable instances) inside a rendered chain must keep their class. */
function isPlain(v: unknown): v is Json {
  if (!isObject(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A copy with `fn` applied to every string; members that are undefined are dropped, as JSON text would drop them. */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (isPlain(value)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

function deepCopy<T>(value: T): T {
  return mapStrings(value, (s) => s) as T;
}

function isChainable(v: unknown): v is sfn.IChainable {
  return isObject(v) && 'startState' in v && 'endStates' in v && (v as { startState: unknown }).startState instanceof sfn.State;
}

/**
 * Renders a chain exactly as aws-cdk-lib's StateMachine does for `DefinitionBody.fromChainable`:
 * a StateGraph from the chain's start state, its `toGraphJson(queryLanguage)`, plus Comment and
 * QueryLanguage at the top.
 */
export function renderChainable(chainable: sfn.IChainable, description: string, opts: DefinitionOptions = {}): Json {
  const graph = new sfn.StateGraph(chainable.startState, description);
  graph.timeout = opts.timeout;
  // toGraphJson leaves absent fields as undefined members; the JSON text (and the validator) sees them absent.
  const json = deepCopy(graph.toGraphJson(opts.queryLanguage) as Json);
  if (opts.comment !== undefined) json.Comment = opts.comment;
  if (opts.queryLanguage !== undefined) json.QueryLanguage = opts.queryLanguage;
  return json;
}

function parseJson(text: string, origin: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`Stepwright: the definition ${origin} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(parsed)) throw new Error(`Stepwright: the definition ${origin} must be a JSON object`);
  return parsed;
}

/** The raw definition and, when it was text, that text. */
function load(source: DefinitionSource, description: string, opts: DefinitionOptions): { definition: Json; text?: string; origin: string } {
  if (source instanceof sfn.FileDefinitionBody) return load(source.path, description, opts);
  if (source instanceof sfn.StringDefinitionBody) return load(source.body, description, opts);
  if (source instanceof sfn.ChainDefinitionBody) return load(source.chainable, description, opts);
  if (source instanceof sfn.DefinitionBody) throw new Error('Stepwright: unsupported DefinitionBody (use fromFile, fromString or fromChainable)');
  if (typeof source === 'string') {
    if (source.trimStart().startsWith('{')) return { definition: parseJson(source, '(JSON text)'), text: source, origin: '(JSON text)' };
    const file = path.resolve(source);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`Stepwright: cannot read the definition file ${source}: ${(e as Error).message}`);
    }
    return { definition: parseJson(text, source), text, origin: source };
  }
  if (isChainable(source)) return { definition: renderChainable(source, description, opts), origin: `(chain starting at "${source.startState.stateId}")` };
  if (isObject(source)) return { definition: deepCopy(source), origin: '(object)' };
  throw new Error('Stepwright: a definition must be a file path, JSON text, an ASL object, an IChainable or a DefinitionBody');
}

// ------------------------------------------------------------------ walking states

/** Calls `fn` for every state, in nested Parallel branches and Map processors too. */
export function forEachState(machine: unknown, fn: (state: Json, pointer: string) => void, pointer = ''): void {
  if (!isObject(machine) || !isObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isObject(state)) continue;
    const at = `${pointer}/States/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    fn(state, at);
    if (Array.isArray(state.Branches)) state.Branches.forEach((b, i) => forEachState(b, fn, `${at}/Branches/${i}`));
    if (isObject(state.ItemProcessor)) forEachState(state.ItemProcessor, fn, `${at}/ItemProcessor`);
    if (isObject(state.Iterator)) forEachState(state.Iterator, fn, `${at}/Iterator`);
  }
}

/** Tokens (`${Token[...]}`) hold no colon, so these patterns also match ARNs built from tokens. */
const FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/;
const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;
const PARTIAL_ARN = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const NAME_AND_QUALIFIER = /^([^:]+)(?::([^:]+))?$/;
const JSONATA = /^\s*\{%[\s\S]*%\}\s*$/;

function isWholeToken(s: string): boolean {
  return Token.isUnresolved(s) && /^\$\{Token\[[^\]]+\]\}$/.test(s);
}

/** A function named by a definition: its name (when visible) and the ARN to grant. */
export interface FunctionReference {
  pointer: string;
  /** undefined when the reference is a token (an ARN from another construct) */
  name?: string;
  qualifier?: string;
  /** the full ARN the worker will invoke (possibly a token), or undefined when dynamic */
  arn?: string;
  /** a JSONPath or JSONata expression: which function is known only at run time */
  dynamic?: boolean;
  /** the reference's kind, for substitution */
  kind: 'resource' | 'functionName';
}

/** The Parameters (JSONPath) or Arguments (JSONata) of a lambda:invoke task. */
function invokeArgs(state: Json): Json | string | undefined {
  if (isObject(state.Parameters)) return state.Parameters;
  if (isObject(state.Arguments) || typeof state.Arguments === 'string') return state.Arguments;
  return undefined;
}

function referenceFromName(scope: IConstruct, value: string, qualifierParam: unknown, pointer: string): FunctionReference {
  const qual = typeof qualifierParam === 'string' && !JSONATA.test(qualifierParam) ? qualifierParam : undefined;
  if (isWholeToken(value)) return { pointer, arn: qual ? `${value}:${qual}` : value, kind: 'functionName' };
  const full = FUNCTION_ARN.exec(value);
  if (full) return { pointer, name: full[1], qualifier: full[2] ?? qual, arn: full[2] || !qual ? value : `${value}:${qual}`, kind: 'functionName' };
  const partial = PARTIAL_ARN.exec(value);
  const bare = partial ? undefined : NAME_AND_QUALIFIER.exec(value);
  const name = partial ? partial[2] : bare?.[1];
  const qualifier = (partial ? partial[3] : bare?.[2]) ?? qual;
  if (!name) return { pointer, dynamic: true, kind: 'functionName' };
  const arn = Stack.of(scope).formatArn({
    service: 'lambda',
    resource: 'function',
    resourceName: qualifier ? `${name}:${qualifier}` : name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    ...(partial ? { account: partial[1] } : {}),
  });
  return { pointer, name, qualifier, arn, kind: 'functionName' };
}

/**
 * Every Lambda function the definition's Task states invoke: direct function ARNs in Resource, and
 * the FunctionName (+ Qualifier) of `arn:aws:states:::lambda:invoke[.waitForTaskToken]` tasks.
 * Returns also the Task resources that are not Lambda (service integrations: their permissions come from
 * lib/integration-permissions.ts, and a resource the engine cannot run is refused before this).
 */
export function findFunctions(scope: IConstruct, definition: Json): { refs: FunctionReference[]; otherResources: { pointer: string; resource: string }[] } {
  const refs: FunctionReference[] = [];
  const otherResources: { pointer: string; resource: string }[] = [];
  forEachState(definition, (state, at) => {
    if (state.Type !== 'Task' || typeof state.Resource !== 'string') return;
    const resource = state.Resource;
    const pointer = `${at}/Resource`;
    if (isWholeToken(resource)) {
      refs.push({ pointer, arn: resource, kind: 'resource' });
      return;
    }
    const direct = FUNCTION_ARN.exec(resource);
    if (direct) {
      refs.push({ pointer, name: direct[1], qualifier: direct[2], arn: resource, kind: 'resource' });
      return;
    }
    if (!LAMBDA_INVOKE.test(resource)) {
      otherResources.push({ pointer, resource });
      return;
    }
    const args = invokeArgs(state);
    const argsPointer = `${at}/${isObject(state.Parameters) ? 'Parameters' : 'Arguments'}`;
    if (!isObject(args)) {
      refs.push({ pointer: argsPointer, dynamic: true, kind: 'functionName' });
      return;
    }
    const fnPointer = `${argsPointer}/FunctionName`;
    const name = args.FunctionName;
    if (typeof name !== 'string' || JSONATA.test(name)) {
      refs.push({ pointer: typeof name === 'string' ? fnPointer : `${fnPointer}.$`, dynamic: true, kind: 'functionName' });
      return;
    }
    refs.push(referenceFromName(scope, name, args.Qualifier, fnPointer));
  });
  return { refs, otherResources };
}

// ------------------------------------------------------------------ substitution

/** Replaces `${key}` as CloudFormation's DefinitionSubstitutions does (in string values); the same object when nothing matched. */
export function substitute(definition: Json, substitutions: Record<string, string>): Json {
  if (Object.keys(substitutions).length === 0) return definition;
  let hits = 0;
  const out = mapStrings(definition, (s) =>
    s.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
      if (!Object.prototype.hasOwnProperty.call(substitutions, key)) return whole;
      hits++;
      return substitutions[key];
    }),
  ) as Json;
  return hits > 0 ? out : definition;
}

/**
 * Points the Task states that name a function in `functions` (by bare name, partial or full ARN,
 * with or without a qualifier) at that function's ARN. Returns the names that were used.
 */
export function substituteFunctions(scope: IConstruct, definition: Json, functions: Record<string, lambda.IFunction>): Set<string> {
  const used = new Set<string>();
  if (Object.keys(functions).length === 0) return used;
  forEachState(definition, (state) => {
    if (state.Type !== 'Task' || typeof state.Resource !== 'string') return;
    const direct = FUNCTION_ARN.exec(state.Resource);
    if (direct && functions[direct[1]]) {
      used.add(direct[1]);
      state.Resource = direct[2] ? `${functions[direct[1]].functionArn}:${direct[2]}` : functions[direct[1]].functionArn;
      return;
    }
    if (!LAMBDA_INVOKE.test(state.Resource)) return;
    const args = invokeArgs(state);
    if (!isObject(args) || typeof args.FunctionName !== 'string' || isWholeToken(args.FunctionName)) return;
    const ref = referenceFromName(scope, args.FunctionName, undefined, '');
    if (ref.name && functions[ref.name]) {
      used.add(ref.name);
      args.FunctionName = ref.qualifier ? `${functions[ref.name].functionArn}:${ref.qualifier}` : functions[ref.name].functionArn;
    }
  });
  return used;
}

// ------------------------------------------------------------------ all together

/**
 * Loads, substitutes and validates a definition. Throws with every problem listed when the
 * engine's validator refuses it, so `cdk synth` fails before anything is deployed.
 */
export function prepareDefinition(scope: IConstruct, source: DefinitionSource, opts: DefinitionOptions = {}): LoadedDefinition & { unusedFunctions: string[] } {
  const loaded = load(source, `State machine ${scope.node.path} definition`, opts);
  let definition = substitute(loaded.definition, opts.definitionSubstitutions ?? {});
  let changed = definition !== loaded.definition;
  let unusedFunctions: string[] = [];
  const functions = opts.functions ?? {};
  if (Object.keys(functions).length > 0) {
    if (!changed) definition = deepCopy(definition);
    const used = substituteFunctions(scope, definition, functions);
    changed = changed || used.size > 0;
    unusedFunctions = Object.keys(functions).filter((n) => !used.has(n));
  }
  const issues = validateDefinition(definition);
  if (issues.length > 0) {
    throw new Error(`Stepwright: the definition of state machine ${scope.node.path} ${loaded.origin} is invalid:\n${formatIssues(issues)}`);
  }
  // What the deployed engine cannot run fails the synth, not an execution (a whole token is a function ARN).
  const unsupported = unsupportedTaskResources(definition, { allowBareNames: false, skip: isWholeToken });
  if (unsupported.length > 0) {
    // a chain's resources carry the partition as a token: shown as the usual 'aws'
    const shown = (resource: string) => resource.replace(/\$\{Token\[AWS\.Partition\.\d+\]\}/g, 'aws');
    const lines = unsupported.map((u) => `state '${u.stateName}' (${u.pointer}), resource '${shown(u.resource)}': ${u.message}`).join('\n');
    throw new Error(`Stepwright: state machine ${scope.node.path} ${loaded.origin} has Task resources the engine cannot run:\n${lines}`);
  }
  // toJsonString turns tokens inside the object into a CloudFormation expression; plain text stays as it is.
  const text = changed || loaded.text === undefined ? Stack.of(scope).toJsonString(definition) : loaded.text;
  return { definition, text, origin: loaded.origin, unusedFunctions };
}
