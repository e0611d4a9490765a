/**
 * What every check needs to know besides the value in front of it: where issues go, which language the
 * state uses, and which state names its state machine (or branch, or Map processor) defines.
 */
import type { Availability, MachineKind, QueryLanguage, StateType } from './fields';
import { checkString } from './values';
import type { Path, Reporter } from './report';

/** Shared by the whole definition, nested machines included. */
export interface DefinitionContext {
  r: Reporter;
  /** the top-level QueryLanguage: when it is JSONata, no state may use JSONPath */
  topLanguage: QueryLanguage;
  /** every state name seen so far, wherever it is nested: AWS rejects duplicates across the whole definition */
  seenStateNames: Map<string, Path>;
  /** every state name of the whole definition, to explain a transition that crosses a branch boundary */
  allStateNames: ReadonlySet<string>;
  /**
   * Validates a nested machine (a Parallel branch, a Map processor): validateMachine, passed in by
   * index.ts so that the state checks need not import machine.ts, which imports them (no import cycle).
   */
  validateNested(node: unknown, path: Path, kind: Exclude<MachineKind, 'root'>, language: QueryLanguage): void;
}

/** One state machine, branch or Map processor: transitions may only name its own states. */
export interface MachineScope {
  def: DefinitionContext;
  stateNames: ReadonlySet<string>;
  /** the language its states use unless they set QueryLanguage themselves */
  language: QueryLanguage;
}

/** The state being checked. */
export interface StateContext {
  r: Reporter;
  scope: MachineScope;
  path: Path;
  name: string;
  type: StateType;
  state: Record<string, unknown>;
  language: QueryLanguage;
}

/** Next, Default, a Choice rule's Next or a Catcher's Next: a string naming a state of the same machine. */
export function checkTarget(sc: StateContext, path: Path, value: unknown, field: string): void {
  if (!checkString(sc.r, path, value, field)) return;
  if (sc.scope.stateNames.has(value)) return;
  if (sc.scope.def.allStateNames.has(value)) {
    sc.r.add(path, `no state named "${value}" in this ${machineWord(sc)}: a transition cannot cross into or out of a Parallel branch or Map processor`);
  } else {
    sc.r.add(path, `no state named "${value}"`);
  }
}

function machineWord(sc: StateContext): string {
  return sc.path.length > 2 ? 'branch or Map processor' : 'state machine';
}

/**
 * Reports each key of `obj` that `table` does not list (`where` completes "is not supported in ..."), and
 * each key listed for the other query language only.
 */
export function checkAllowedFields(
  r: Reporter,
  path: Path,
  obj: Record<string, unknown>,
  table: Readonly<Record<string, Availability>>,
  where: string,
  language: QueryLanguage,
): void {
  for (const key of Object.keys(obj)) {
    // own keys only: a field named "constructor" is unknown, not Object.prototype's
    const availability = Object.hasOwn(table, key) ? table[key] : undefined;
    if (availability === undefined) {
      r.add([...path, key], `field "${key}" is not supported in ${where}`);
    } else if (availability !== 'both' && availability !== language) {
      r.add([...path, key], languageMessage(key, availability, language));
    }
  }
}

function languageMessage(key: string, availability: QueryLanguage, language: QueryLanguage): string {
  return availability === 'JSONPath'
    ? `field "${key}" is JSONPath-only and not supported when QueryLanguage is ${language}`
    : `field "${key}" is JSONata-only and not supported when QueryLanguage is ${language}`;
}
