/**
 * Step Functions Local's mock configuration file, read as it is (so users migrating from Step
 * Functions Local keep their MockConfigFile.json):
 *
 *   { "StateMachines": { <name>: { "TestCases": { <case>: { <state name>: <mocked response name> } } } },
 *     "MockedResponses": { <mocked response name>: { "0": {"Return": ...}, "1-2": {"Throw": {"Error", "Cause"}} } } }
 *
 * A mocked response's keys are zero-based invocation numbers of its state ("0") or inclusive ranges
 * ("1-2"); each value holds exactly one of Return (the service's whole response, e.g. a lambda:invoke's
 * {StatusCode, Payload}) or Throw ({Error, Cause}). Every problem is reported with the JSON pointer of
 * the field at fault.
 */
import { readFileSync } from 'node:fs';

export type MockAnswer = { return: unknown } | { throw: { error: string; cause?: string } };

interface Step {
  from: number;
  to: number;
  answer: MockAnswer;
}

/** One mocked response: its answers by invocation number. */
export interface MockedResponse {
  readonly name: string;
  /** The answer to the state's `invocation`-th call (0 first), or undefined past the last range. */
  answerFor(invocation: number): MockAnswer | undefined;
}

/** A test case: state name -> mocked response. States not named run the real (or given) tasks. */
export type MockedTestCase = ReadonlyMap<string, MockedResponse>;

export class MockConfigError extends Error {
  override name = 'MockConfigError';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** RFC 6901: "~" and "/" in a key are escaped. */
const pointer = (...parts: string[]) => parts.map((p) => '/' + p.replace(/~/g, '~0').replace(/\//g, '~1')).join('');

function objectAt(value: unknown, at: string): Json {
  if (!isObject(value)) throw new MockConfigError(`mock config ${at || '(root)'}: expected an object`);
  return value;
}

/** "3" -> [3, 3], "1-2" -> [1, 2]; anything else is an error naming the key. */
function rangeOf(key: string, at: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(key);
  if (!m) throw new MockConfigError(`mock config ${at}: '${key}' is not an invocation number ("0") or range ("1-2")`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (to < from) throw new MockConfigError(`mock config ${at}: range '${key}' ends before it starts`);
  return [from, to];
}

function answerOf(value: unknown, at: string): MockAnswer {
  const v = objectAt(value, at);
  const hasReturn = 'Return' in v;
  const hasThrow = 'Throw' in v;
  if (hasReturn === hasThrow) throw new MockConfigError(`mock config ${at}: give exactly one of Return or Throw`);
  if (hasReturn) return { return: v.Return };
  const t = objectAt(v.Throw, `${at}/Throw`);
  if (typeof t.Error !== 'string') throw new MockConfigError(`mock config ${at}/Throw/Error: expected a string`);
  if (t.Cause !== undefined && typeof t.Cause !== 'string') throw new MockConfigError(`mock config ${at}/Throw/Cause: expected a string`);
  return { throw: { error: t.Error, cause: t.Cause } };
}

function mockedResponseOf(name: string, value: unknown): MockedResponse {
  const at = pointer('MockedResponses', name);
  const steps: Step[] = Object.entries(objectAt(value, at)).map(([key, v]) => {
    const [from, to] = rangeOf(key, pointer('MockedResponses', name, key));
    return { from, to, answer: answerOf(v, pointer('MockedResponses', name, key)) };
  });
  if (steps.length === 0) throw new MockConfigError(`mock config ${at}: no responses`);
  steps.sort((a, b) => a.from - b.from);
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].from <= steps[i - 1].to) throw new MockConfigError(`mock config ${at}: invocation ${steps[i].from} is covered by two keys`);
  }
  return { name, answerFor: (n) => steps.find((s) => n >= s.from && n <= s.to)?.answer };
}

/** The mock configuration: its state machines' test cases, with their mocked responses resolved. */
export class MockConfig {
  private constructor(private readonly testCases: ReadonlyMap<string, ReadonlyMap<string, MockedTestCase>>) {}

  /** Parses and checks a mock configuration (the file's JSON value). */
  static parse(config: unknown): MockConfig {
    const root = objectAt(config, '');
    const responses = new Map<string, MockedResponse>();
    for (const [name, v] of Object.entries(objectAt(root.MockedResponses ?? {}, '/MockedResponses'))) responses.set(name, mockedResponseOf(name, v));
    const machines = new Map<string, Map<string, MockedTestCase>>();
    for (const [sm, smValue] of Object.entries(objectAt(root.StateMachines, '/StateMachines'))) {
      const cases = new Map<string, MockedTestCase>();
      const casesAt = pointer('StateMachines', sm, 'TestCases');
      for (const [tc, tcValue] of Object.entries(objectAt(objectAt(smValue, pointer('StateMachines', sm)).TestCases, casesAt))) {
        const states = new Map<string, MockedResponse>();
        for (const [state, responseName] of Object.entries(objectAt(tcValue, pointer('StateMachines', sm, 'TestCases', tc)))) {
          const at = pointer('StateMachines', sm, 'TestCases', tc, state);
          if (typeof responseName !== 'string') throw new MockConfigError(`mock config ${at}: expected the name of a mocked response`);
          const response = responses.get(responseName);
          if (!response) throw new MockConfigError(`mock config ${at}: no mocked response '${responseName}' in /MockedResponses`);
          states.set(state, response);
        }
        cases.set(tc, states);
      }
      machines.set(sm, cases);
    }
    return new MockConfig(machines);
  }

  /** Reads a MockConfigFile.json. */
  static load(file: string): MockConfig {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new MockConfigError(`cannot read mock config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new MockConfigError(`mock config ${file} is not valid JSON: ${(e as Error).message}`);
    }
    return MockConfig.parse(value);
  }

  /** The test case `testCase` of state machine `stateMachine`; an error names what is missing. */
  testCase(stateMachine: string, testCase: string): MockedTestCase {
    const cases = this.testCases.get(stateMachine);
    if (!cases) throw new MockConfigError(`mock config has no state machine '${stateMachine}' (has: ${[...this.testCases.keys()].join(', ') || 'none'})`);
    const found = cases.get(testCase);
    if (!found) throw new MockConfigError(`mock config ${pointer('StateMachines', stateMachine, 'TestCases')} has no test case '${testCase}' (has: ${[...cases.keys()].join(', ') || 'none'})`);
    return found;
  }
}
