/**
 * Naming rules for what a definition names: states and workflow variables.
 */
import { VARIABLE_NAME_SOURCE } from '../jsonpath-grammar';

/** ASL: "State names MUST have length of less than or equal to 80 Unicode characters." */
export const MAX_STATE_NAME_LENGTH = 80;

/** AWS: a variable name is at most 80 characters. */
export const MAX_VARIABLE_NAME_LENGTH = 80;

/**
 * AWS ("Passing data between states with variables"): variable names follow Unicode Standard Annex #31,
 * a first character from ID_Start and then ID_Continue characters. A leading "_" is accepted too: it is
 * ID_Continue but not ID_Start, and JSONata (which reads `$name` in JSONata states) treats it as a name
 * character; rejecting a name AWS might accept would block a valid definition, so we lean permissive.
 */
/** The pattern the JSONPath parser reads `$name` with: a name Assign accepts is one a path can read. */
const VARIABLE_NAME = new RegExp(`^${VARIABLE_NAME_SOURCE}$`, 'u');

export function isValidVariableName(name: string): boolean {
  if ([...name].length > MAX_VARIABLE_NAME_LENGTH) return false;
  return VARIABLE_NAME.test(name);
}

/** `$states` is reserved in JSONata states (input, result, errorOutput, context): it cannot be assigned. */
export const RESERVED_VARIABLE_NAMES: ReadonlySet<string> = new Set(['states']);

export function stateNameLength(name: string): number {
  return [...name].length;
}
