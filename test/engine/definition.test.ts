/**
 * The typed definition (engine/definition.ts) against the validator's field tables
 * (lambda/asl/validate/fields.ts): each state interface has exactly the fields the validator
 * accepts for its Type. The literals below are checked by the compiler against the interfaces (a
 * missing or extra key does not compile) and by the test against the tables.
 */
import { STATE_FIELDS } from '../../lambda/asl/validate/fields';
import {
  InvalidDefinitionError,
  parseDefinition,
  type ChoiceState,
  type FailState,
  type MapState,
  type ParallelState,
  type PassState,
  type StateType,
  type SucceedState,
  type TaskState,
  type WaitState,
} from '../../lambda/engine/definition';

type KeysOf<T> = { [K in keyof Required<T>]: true };

const COMMON = { Type: true, Comment: true, QueryLanguage: true } as const;
const TRANSITION = { Next: true, End: true } as const;
const INPUT_OUTPUT = { InputPath: true, OutputPath: true, Output: true } as const;
const RESULT = { ResultSelector: true, ResultPath: true } as const;
const ERRORS = { Retry: true, Catch: true } as const;

const pass: KeysOf<PassState> = { ...COMMON, ...TRANSITION, ...INPUT_OUTPUT, Assign: true, Parameters: true, ResultPath: true, Result: true };
const task: KeysOf<TaskState> = {
  ...COMMON,
  ...TRANSITION,
  ...INPUT_OUTPUT,
  ...RESULT,
  ...ERRORS,
  Assign: true,
  Resource: true,
  Parameters: true,
  Arguments: true,
  TimeoutSeconds: true,
  TimeoutSecondsPath: true,
  HeartbeatSeconds: true,
  HeartbeatSecondsPath: true,
  Credentials: true,
};
const choice: KeysOf<ChoiceState> = { ...COMMON, ...INPUT_OUTPUT, Assign: true, Choices: true, Default: true };
const wait: KeysOf<WaitState> = { ...COMMON, ...TRANSITION, ...INPUT_OUTPUT, Assign: true, Seconds: true, SecondsPath: true, Timestamp: true, TimestampPath: true };
const succeed: KeysOf<SucceedState> = { ...COMMON, ...INPUT_OUTPUT };
const fail: KeysOf<FailState> = { ...COMMON, Error: true, ErrorPath: true, Cause: true, CausePath: true };
const parallel: KeysOf<ParallelState> = { ...COMMON, ...TRANSITION, ...INPUT_OUTPUT, ...RESULT, ...ERRORS, Assign: true, Branches: true, Parameters: true, Arguments: true };
const map: KeysOf<MapState> = {
  ...COMMON,
  ...TRANSITION,
  ...INPUT_OUTPUT,
  ...RESULT,
  ...ERRORS,
  Assign: true,
  ItemProcessor: true,
  Iterator: true,
  ItemsPath: true,
  Items: true,
  ItemSelector: true,
  Parameters: true,
  ItemReader: true,
  ItemBatcher: true,
  ResultWriter: true,
  MaxConcurrency: true,
  MaxConcurrencyPath: true,
  ToleratedFailureCount: true,
  ToleratedFailureCountPath: true,
  ToleratedFailurePercentage: true,
  ToleratedFailurePercentagePath: true,
  Label: true,
};

const TYPED: Record<StateType, object> = { Pass: pass, Task: task, Choice: choice, Wait: wait, Succeed: succeed, Fail: fail, Parallel: parallel, Map: map };

describe('StateDefinition', () => {
  it.each(Object.keys(STATE_FIELDS) as StateType[])('%s has exactly the fields the validator accepts', (type) => {
    expect(Object.keys(TYPED[type]).sort()).toEqual(Object.keys(STATE_FIELDS[type]).sort());
  });
});

describe('parseDefinition', () => {
  const valid = { StartAt: 'P', States: { P: { Type: 'Pass', Result: 1, End: true } } };

  it('returns the definition the validator accepts, from a value or from JSON text', () => {
    expect(parseDefinition(valid)).toEqual(valid);
    expect(parseDefinition(JSON.stringify(valid))).toEqual(valid);
  });

  it("throws the validator's problems for an invalid definition", () => {
    const bad = { StartAt: 'P', States: { P: { Type: 'Pass', End: true, Next: 'P' } } };
    let thrown: unknown;
    try {
      parseDefinition(bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidDefinitionError);
    expect((thrown as InvalidDefinitionError).issues.length).toBeGreaterThan(0);
    expect((thrown as InvalidDefinitionError).issues[0].pointer).toBeDefined();
    expect(() => parseDefinition('{not json')).toThrow(InvalidDefinitionError);
  });
});
