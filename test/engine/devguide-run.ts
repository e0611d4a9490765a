/**
 * What the Developer Guide tests (test/engine/devguide-*.test.ts) share: a definition checked by the
 * validator (as CreateStateMachine would) and then run by the in-process runner on virtual time, with
 * local tasks and a fixed random source.
 */
import { validateDefinition, type ValidationIssue } from '../../lambda/asl/validate';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { HistoryEvent } from '../../lambda/engine/history';
import { runExecution, type RunResult, type TaskFunction } from '../../lambda/local/runner';
import { resolverFromTable } from '../../lambda/local/tasks';

export const FN = (name: string) => `arn:aws:lambda:us-east-1:111111111111:function:${name}`;

export interface RunOpts {
  tasks?: Record<string, TaskFunction>;
  random?: () => number;
  startTime?: Date;
}

/** The problems the validator finds (what CreateStateMachine answers with InvalidDefinition). */
export function problems(definition: object): ValidationIssue[] {
  return validateDefinition(definition);
}

/** Runs a definition that must be valid (the test fails with the validator's problems otherwise). */
export async function run(definition: object, input: unknown = {}, opts: RunOpts = {}): Promise<RunResult> {
  const issues = validateDefinition(definition);
  if (issues.length > 0) throw new Error(`invalid definition: ${JSON.stringify(issues)}`);
  return runExecution({
    definition: definition as StateMachineDefinition,
    input,
    tasks: resolverFromTable(opts.tasks ?? {}),
    fastTimers: true,
    historyPayloads: true,
    random: { random: opts.random ?? (() => 0.5), uuid: () => '00000000-0000-4000-8000-000000000000' },
    name: 'devguide',
    startTime: opts.startTime ?? new Date('2026-01-01T00:00:00.000Z'),
  });
}

/** The output of a run that must succeed. */
export async function output(definition: object, input: unknown = {}, opts: RunOpts = {}): Promise<unknown> {
  const r = await run(definition, input, opts);
  if (r.status !== 'SUCCEEDED') throw new Error(`expected SUCCEEDED, got ${r.status}: ${r.error ?? ''} ${r.cause ?? ''}`);
  return r.output;
}

/** The error of a run that must fail. */
export async function failure(definition: object, input: unknown = {}, opts: RunOpts = {}): Promise<{ error?: string; cause?: string }> {
  const r = await run(definition, input, opts);
  if (r.status !== 'FAILED') throw new Error(`expected FAILED, got ${r.status}: ${JSON.stringify(r.output)}`);
  return { error: r.error, cause: r.cause };
}

/** A one-state JSONata machine around `state` (a Pass unless given). */
export function jsonata(state: Record<string, unknown>): object {
  return { QueryLanguage: 'JSONata', StartAt: 'S', States: { S: { Type: 'Pass', End: true, ...state } } };
}

/** A task that fails with `error` and `cause`, the local task contract's thrown {error, cause}. */
export function failsWith(error: string, cause?: string): TaskFunction {
  return () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a local task fails its task by throwing {error, cause} (README)
    throw { error, cause };
  };
}

export function eventsOf(history: HistoryEvent[], type: string): HistoryEvent[] {
  return history.filter((e) => e.type === type);
}
