import type { StateMachineDefinition } from '../../lambda/engine/definition';

/** One benchmark workload: an ASL definition, its input, and the same data moves written by hand. */
export interface Workload {
  key: string;
  title: string;
  definition: StateMachineDefinition;
  input: unknown;
  /** plain JS doing what the state machine does to the data: the ceiling. Must not mutate `input`. A function, not a method: the bench hands it around on its own. */
  handWritten: (input: unknown) => unknown;
}
