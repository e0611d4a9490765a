/**
 * A state machine: the definition itself, a Parallel branch, or a Map processor. Each has StartAt and
 * States, and transitions stay inside it; every state must be reachable from StartAt (AWS rejects
 * definitions with unreachable states).
 */
import type { DefinitionContext, MachineScope } from './context';
import { MACHINE_FIELDS, QUERY_LANGUAGES, type MachineKind, type QueryLanguage } from './fields';
import { describeType, has, isObject, type Path } from './report';
import { validateState } from './states';
import { checkNumber, checkString } from './values';

const WHERE: Readonly<Record<MachineKind, string>> = {
  root: 'at the top level of a state machine',
  branch: 'a Parallel branch',
  processor: 'a Map ItemProcessor',
};

/** AWS caps an execution's TimeoutSeconds at 99999999. */
const MAX_TIMEOUT_SECONDS = 99999999;

export function validateMachine(
  def: DefinitionContext,
  node: unknown,
  path: Path,
  kind: MachineKind,
  language: QueryLanguage,
): void {
  const r = def.r;
  if (!isObject(node)) {
    r.add(path, `${kind === 'root' ? 'a state machine definition' : WHERE[kind]} must be an object, not ${describeType(node)}`);
    return;
  }
  for (const key of Object.keys(node)) {
    if (!MACHINE_FIELDS[kind].has(key)) r.add([...path, key], `field "${key}" is not supported ${kind === 'root' ? '' : 'in '}${WHERE[kind]}`);
  }
  if (has(node, 'Comment')) checkString(r, [...path, 'Comment'], node.Comment, 'Comment');
  if (kind === 'root') checkRootFields(def, node);

  const states = checkStates(def, node, path);
  const startAt = checkStartAt(def, node, path, states);
  if (states === undefined) return;

  const scope: MachineScope = { def, stateNames: new Set(Object.keys(states)), language };
  for (const [name, state] of Object.entries(states)) validateState(scope, [...path, 'States', name], name, state);
  if (startAt !== undefined) reportUnreachable(def, path, states, startAt);
}

/** Version, TimeoutSeconds and QueryLanguage exist only at the top level (QueryLanguage was read by the caller). */
function checkRootFields(def: DefinitionContext, node: Record<string, unknown>): void {
  if (has(node, 'Version')) checkString(def.r, ['Version'], node.Version, 'Version');
  if (has(node, 'TimeoutSeconds')) {
    checkNumber(def.r, ['TimeoutSeconds'], node.TimeoutSeconds, 'TimeoutSeconds', { integer: true, min: 1, max: MAX_TIMEOUT_SECONDS });
  }
  if (has(node, 'QueryLanguage') && !QUERY_LANGUAGES.includes(node.QueryLanguage as QueryLanguage)) {
    def.r.add(['QueryLanguage'], `QueryLanguage must be "JSONPath" or "JSONata", not ${JSON.stringify(node.QueryLanguage)}`);
  }
}

function checkStates(def: DefinitionContext, node: Record<string, unknown>, path: Path): Record<string, unknown> | undefined {
  if (!has(node, 'States')) {
    def.r.add(path, 'missing required field "States"');
    return undefined;
  }
  if (!isObject(node.States)) {
    def.r.add([...path, 'States'], `States must be an object mapping state names to states, not ${describeType(node.States)}`);
    return undefined;
  }
  if (Object.keys(node.States).length === 0) def.r.add([...path, 'States'], 'States must define at least one state');
  return node.States;
}

/** StartAt names a state of this machine; returns it only when it does, so reachability starts from a real state. */
function checkStartAt(
  def: DefinitionContext,
  node: Record<string, unknown>,
  path: Path,
  states: Record<string, unknown> | undefined,
): string | undefined {
  if (!has(node, 'StartAt')) {
    def.r.add(path, 'missing required field "StartAt"');
    return undefined;
  }
  if (!checkString(def.r, [...path, 'StartAt'], node.StartAt, 'StartAt')) return undefined;
  if (states === undefined) return undefined;
  if (has(states, node.StartAt)) return node.StartAt;
  def.r.add([...path, 'StartAt'], `no state named "${node.StartAt}"`);
  return undefined;
}

/** Breadth-first from StartAt along Next, Default, Choices[].Next and Catch[].Next. */
function reportUnreachable(def: DefinitionContext, path: Path, states: Record<string, unknown>, startAt: string): void {
  const reached = new Set<string>([startAt]);
  const queue = [startAt];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    for (const next of successors(states[name])) {
      if (has(states, next) && !reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  for (const name of Object.keys(states)) {
    if (!reached.has(name)) def.r.add([...path, 'States', name], `state "${name}" is not reachable from StartAt "${startAt}"`);
  }
}

/** Every state name a state can hand control to, read defensively (the state may be malformed). */
export function successors(state: unknown): string[] {
  if (!isObject(state)) return [];
  const out: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string') out.push(value);
  };
  add(state.Next);
  add(state.Default);
  for (const list of [state.Choices, state.Catch]) {
    if (Array.isArray(list)) for (const item of list) if (isObject(item)) add(item.Next);
  }
  return out;
}

/** Every state name anywhere in the definition (used to explain transitions that cross a branch boundary). */
export function collectStateNames(node: unknown, into: Set<string> = new Set()): Set<string> {
  if (!isObject(node) || !isObject(node.States)) return into;
  for (const [name, state] of Object.entries(node.States)) {
    into.add(name);
    if (!isObject(state)) continue;
    if (Array.isArray(state.Branches)) for (const branch of state.Branches) collectStateNames(branch, into);
    collectStateNames(state.ItemProcessor, into);
    collectStateNames(state.Iterator, into);
  }
  return into;
}
