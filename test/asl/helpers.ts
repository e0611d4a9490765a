import { StatesError } from '../../lambda/asl/errors';

/** The StatesError `fn` throws; any other outcome fails the test. */
export function statesErrorOf(fn: () => unknown): StatesError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatesError) return e;
    throw e;
  }
  throw new Error('expected a StatesError');
}
