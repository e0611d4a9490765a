/**
 * What a JSONPath expression can read while a state runs: `$` is the state's (effective) input,
 * `$$` the context object, and `$name` a workflow variable (Assign, November 2024).
 * `variables` returns undefined for a name that is not defined in any enclosing scope.
 */
export interface PathScope {
  input: unknown;
  context: unknown;
  variable(name: string): { found: boolean; value?: unknown };
}

/** Where randomness comes from (States.MathRandom, States.UUID): injected so the interpreter stays pure and tests repeatable. */
export interface RandomSource {
  /** a float in [0, 1) */
  random(): number;
  /** a version-4 UUID string */
  uuid(): string;
}
