/**
 * Replays the AWS-recorded conformance cases whose state machine is a chain of JSONPath Pass states,
 * using only the pure modules (InputPath -> Parameters -> Result -> ResultPath -> OutputPath).
 * Required: every such case of `intrinsic-functions`. Also run: the Pass-only cases of `io-processing`
 * and `context-object`, which exercise paths, payload templates and AWS's exact error texts.
 *
 * Placeholders (README "Placeholders"): a token inside an expected string matches any text; an expected
 * value that is exactly a token (e.g. "RandomNumberGenerated" for a number) matches any value.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectInputOrOutputPath, applyResultPath } from '../../lambda/asl/jsonpath';
import { resolvePayloadTemplate } from '../../lambda/asl/payload';
import { isStatesError } from '../../lambda/asl/errors';
import type { PathScope, RandomSource } from '../../lambda/asl/scope';
import { jsonMatches } from '../../lambda/conformance/compare';
import { conformanceDir } from '../conformance/corpus';

const CORPUS = path.join(conformanceDir(), 'cases');

interface Case {
  name: string;
  definition: { StartAt: string; States: Record<string, Record<string, unknown>>; QueryLanguage?: string };
  input: unknown;
  expected: { status: string; output?: unknown; error?: string; cause?: string };
  placeholderTokens?: string[];
}

function loadGroup(group: string): Case[] {
  const dir = path.join(CORPUS, group);
  if (!fs.existsSync(dir)) throw new Error(`conformance group not found at ${dir}`);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Case);
}

/** Fields a JSONPath Pass state may have that this replay understands. */
const PASS_FIELDS = new Set(['Type', 'Comment', 'Next', 'End', 'InputPath', 'Parameters', 'Result', 'ResultPath', 'OutputPath']);

/** A chain of JSONPath Pass states reachable from StartAt, or undefined when the case is anything else. */
function passChain(c: Case): string[] | undefined {
  if (c.definition.QueryLanguage === 'JSONata') return undefined;
  const chain: string[] = [];
  let name: string | undefined = c.definition.StartAt;
  while (name !== undefined) {
    const state: Record<string, unknown> | undefined = c.definition.States[name];
    if (!state || state.Type !== 'Pass' || chain.includes(name)) return undefined;
    if (Object.keys(state).some((k) => !PASS_FIELDS.has(k))) return undefined;
    chain.push(name);
    name = state.End === true ? undefined : (state.Next as string);
  }
  return chain;
}

const ACCOUNT = '111111111111';
const STATE_MACHINE_NAME = 'corpus-machine-name';
const EXECUTION_NAME = 'corpus-execution-name';

/** A context object shaped like AWS's; its varying parts are placeholders in the corpus anyway. */
function contextObject(executionInput: unknown, stateName: string): unknown {
  const smArn = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`;
  return {
    Execution: {
      Id: `arn:aws:states:us-east-1:${ACCOUNT}:execution:${STATE_MACHINE_NAME}:${EXECUTION_NAME}`,
      Input: executionInput,
      StartTime: '2024-01-01T00:00:00.000Z',
      Name: EXECUTION_NAME,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/corpus-role`,
      RedriveCount: 0,
    },
    StateMachine: { Id: smArn, Name: STATE_MACHINE_NAME },
    State: { Name: stateName, EnteredTime: '2024-01-01T00:00:00.000Z' },
  };
}

const random: RandomSource = {
  random: () => 0.42,
  uuid: () => '3f1c2b5e-8d4a-4c6b-9e2f-1a2b3c4d5e6f',
};

type Outcome = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string; state: string };

function runPassChain(c: Case, chain: string[]): Outcome {
  let data: unknown = c.input;
  for (const stateName of chain) {
    const state = c.definition.States[stateName];
    const scopeFor = (input: unknown): PathScope => ({
      input,
      context: contextObject(c.input, stateName),
      variable: () => ({ found: false }),
    });
    try {
      const effectiveInput = selectInputOrOutputPath(state.InputPath as string | null | undefined, scopeFor(data), 'InputPath');
      const parameters =
        state.Parameters === undefined
          ? effectiveInput
          : resolvePayloadTemplate(state.Parameters, scopeFor(effectiveInput), random, 'Parameters');
      const result = 'Result' in state ? state.Result : parameters;
      const output = applyResultPath(data, state.ResultPath as string | null | undefined, result);
      data = selectInputOrOutputPath(state.OutputPath as string | null | undefined, scopeFor(output), 'OutputPath');
    } catch (e) {
      if (!isStatesError(e)) throw e;
      return { status: 'FAILED', error: e.error, cause: e.cause, state: stateName };
    }
  }
  return { status: 'SUCCEEDED', output: data };
}

/** The engine adds this prefix to runtime errors; the modules under test produce what follows it. */
const STATE_ERROR_PREFIX = /^An error occurred while executing the state '([^']*)' \(entered at the event id #\d+\)\. /;

function checkCase(c: Case, chain: string[]): void {
  const outcome = runPassChain(c, chain);
  const tokens = c.placeholderTokens ?? [];
  if (c.expected.status === 'SUCCEEDED') {
    if (outcome.status !== 'SUCCEEDED') throw new Error(`expected success, got ${outcome.error}: ${outcome.cause}`);
    if (!jsonMatches(c.expected.output, outcome.output, tokens)) {
      expect(outcome.output).toEqual(c.expected.output); // shows a readable diff
    }
    return;
  }
  if (outcome.status !== 'FAILED') throw new Error(`expected failure, got output ${JSON.stringify(outcome.output)}`);
  expect(outcome.error).toBe(c.expected.error);
  const prefix = STATE_ERROR_PREFIX.exec(c.expected.cause ?? '');
  expect(prefix?.[1]).toBe(outcome.state);
  const expectedCause = (c.expected.cause ?? '').replace(STATE_ERROR_PREFIX, '');
  if (!jsonMatches(expectedCause, outcome.cause, tokens)) expect(outcome.cause).toBe(expectedCause);
}

function describeGroup(group: string, required: boolean): void {
  const cases = loadGroup(group);
  const runnable = cases.map((c) => ({ c, chain: passChain(c) })).filter((x) => x.chain !== undefined);
  const title = `${group}: ${runnable.length} Pass-chain case(s) of ${cases.length}`;
  describe(title, () => {
    test(`has cases under ${path.join(CORPUS, group)}`, () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    if (required) {
      test('every intrinsic-functions case is a replayable Pass chain', () => {
        expect(cases.filter((c) => passChain(c) === undefined).map((c) => c.name)).toEqual([]);
      });
    }
    test.each(runnable.map(({ c, chain }) => [c.name, c, chain] as const))('%s', (_name, c, chain) => checkCase(c, chain!));
  });
}

describeGroup('intrinsic-functions', true);
describeGroup('io-processing', false);
describeGroup('context-object', false);
