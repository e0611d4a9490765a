/**
 * Runs every AWS-recorded case of cases/choice-operators through `evaluateChoiceRule`.
 *
 * Each case is a Choice state whose rules lead to Pass states; the Pass state's `Result` is the execution
 * output, so the branch AWS took is the state whose Result equals `expected.output`. Here the Choice rules
 * are evaluated in order (first match wins, else Default) and the chosen state's output compared with it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateChoiceRule } from '../../lambda/asl/choice';
import { StatesError } from '../../lambda/asl/errors';
import type { PathScope } from '../../lambda/asl/scope';
import { conformanceDir } from '../conformance/corpus';

const CONFORMANCE_ROOT = conformanceDir();
const CASES_DIR = path.join(CONFORMANCE_ROOT, 'cases', 'choice-operators');

interface ConformanceCase {
  name: string;
  definition: { StartAt: string; States: Record<string, Record<string, unknown>> };
  input: unknown;
  expected: { status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string; cause?: string };
}

function loadCases(): ConformanceCase[] {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(CASES_DIR, f), 'utf8')) as ConformanceCase);
}

/** The cases' only data is `$`: no variables, an empty context object. */
function inputScope(input: unknown): PathScope {
  return { input, context: {}, variable: () => ({ found: false }) };
}

/** Name of the state the Choice transitions to, as AWS picks it: the first rule that holds, else Default. */
function chooseNext(choiceState: Record<string, unknown>, scope: PathScope): string | undefined {
  for (const rule of choiceState.Choices as Array<Record<string, unknown>>) {
    if (evaluateChoiceRule(rule, scope)) return rule.Next as string;
  }
  return choiceState.Default as string | undefined;
}

/** Output of the Pass state a branch leads to: its Result when it has one, else its input. */
function passOutput(state: Record<string, unknown>, input: unknown): unknown {
  expect(state.Type).toBe('Pass');
  return 'Result' in state ? state.Result : input;
}

function runCase(c: ConformanceCase): void {
  const { States, StartAt } = c.definition;
  const choice = States[StartAt];
  expect(choice.Type).toBe('Choice');
  const scope = inputScope(c.input);

  if (c.expected.status === 'FAILED') {
    let thrown: unknown;
    try {
      chooseNext(choice, scope);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(StatesError);
    expect((thrown as StatesError).error).toBe(c.expected.error);
    return;
  }

  const next = chooseNext(choice, scope);
  expect(next).toBeDefined();
  expect(passOutput(States[next as string], c.input)).toEqual(c.expected.output);
}

const cases = loadCases();
describe('choice-operators conformance corpus', () => {
  it('has every case', () => {
    expect(cases.length).toBe(472);
  });
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => runCase(c));
});
