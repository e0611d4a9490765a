/**
 * Inline and spread give the same execution for definitions nobody recorded: the corpus cases with a
 * Map or Parallel, each item processor and branch given a Task first (a task that echoes its input, so
 * the data is unchanged) so that fan-out `auto` really spreads them, run on the durable engine with
 * fan-out `inline`, `auto` and `spread` (every Map and Parallel), as written and with every Map taking
 * one item at a time (one order of events, compared exactly). Status, output, error, cause and history
 * must be the same.
 *
 * Where the order of events depends on timing (a Parallel's branches, a Map with more than one item
 * at a time: inline they interleave, spread each one's events follow one another, docs/fan-out.md),
 * the history is compared as a multiset of event types and the event ids in causes are not compared.
 * A sample by default (every 4th such case); STEPWRIGHT_VARIATIONS=all runs every one.
 */
import { join } from 'node:path';
import { loadCases, type ConformanceCase, type CaseResult } from '../../lambda/conformance/run';
import { startDurableCaseRunner, type DurableCaseRunner } from '../../lambda/conformance/durable-run';
import { conformanceDir } from '../conformance/corpus';

jest.setTimeout(600_000);

const ECHO = 'arn:aws:lambda:us-east-1:111111111111:function:stepwright_variation_echo';

type Machine = { StartAt?: string; States?: Record<string, Record<string, unknown>> };

/**
 * A copy of the definition with an echoing Task before the first state of every item processor and
 * branch; `oneAtATime`: every Map also takes one item at a time (its order is then the item order).
 */
function withTasks(definition: unknown, oneAtATime = false): { definition: unknown; inserted: number } {
  const copy = structuredClone(definition) as Machine;
  let inserted = 0;
  const visitMachine = (m: Machine | undefined, nested: boolean) => {
    if (!m?.States || typeof m.StartAt !== 'string') return;
    for (const state of Object.values(m.States)) {
      if (state.Type === 'Parallel' && Array.isArray(state.Branches)) for (const b of state.Branches as Machine[]) visitMachine(b, true);
      if (state.Type !== 'Map') continue;
      if (oneAtATime && state.MaxConcurrencyPath === undefined) state.MaxConcurrency = 1;
      visitMachine((state.ItemProcessor ?? state.Iterator) as Machine, true);
    }
    if (!nested) return;
    const name = `VariationEcho${inserted++}`;
    m.States[name] = { Type: 'Task', Resource: ECHO, Next: m.StartAt };
    m.StartAt = name;
  };
  visitMachine(copy, false);
  return { definition: copy, inserted };
}

/** Does the order of events depend on timing (branches or items running at once)? */
function interleaves(definition: unknown): boolean {
  const text = JSON.stringify(definition);
  if (/"Type":"Parallel"/.test(text)) return true;
  const maps = text.match(/"Type":"Map"/g)?.length ?? 0;
  const oneAtATime = text.match(/"MaxConcurrency":1[,}]/g)?.length ?? 0;
  return maps > oneAtATime;
}

const all = loadCases(join(conformanceDir(), 'cases')).filter((c) => /"Type":"(Map|Parallel)"/.test(JSON.stringify(c.definition)));
const cases: ConformanceCase[] = (process.env.STEPWRIGHT_VARIATIONS === 'all' ? all : all.filter((_, i) => i % 4 === 0)).flatMap((c) =>
  [false, true].map((oneAtATime) => {
    const { definition } = withTasks(c.definition, oneAtATime);
    return { ...c, name: oneAtATime ? `${c.name} (Maps one item at a time)` : c.name, definition: definition as ConformanceCase['definition'], tasks: { ...c.tasks, [ECHO]: { echo: true } } };
  }),
);

function comparable(r: CaseResult, timing: boolean) {
  const types = (r.events ?? []).map((e) => e.type);
  return {
    status: r.status,
    output: r.output,
    error: r.error,
    cause: timing ? r.cause?.replace(/event id #\d+/g, 'event id #N') : r.cause,
    history: timing ? types.sort() : types,
    last: types[types.length - 1],
  };
}

let inline: DurableCaseRunner;
let auto: DurableCaseRunner;
let spread: DurableCaseRunner;
beforeAll(async () => {
  [inline, auto, spread] = await Promise.all([startDurableCaseRunner('inline'), startDurableCaseRunner('auto'), startDurableCaseRunner('spread')]);
});
afterAll(async () => {
  await Promise.all([inline?.close(), auto?.close(), spread?.close()]);
});

it('the variation inserts a Task into every item processor and branch', () => {
  const def = { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }], End: true } } }, End: true } } };
  const { definition, inserted } = withTasks(def);
  expect(inserted).toBe(2);
  expect(JSON.stringify(definition)).toContain('"StartAt":"VariationEcho1","States":{"P"');
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it('ends the same inline, auto and spread (with a Task in every item and branch)', async () => {
    const [a, b, d] = await Promise.all([inline.run(c), auto.run(c), spread.run(c)]);
    const timing = interleaves(c.definition);
    expect(comparable(b, timing)).toEqual(comparable(a, timing));
    expect(comparable(d, timing)).toEqual(comparable(a, timing));
  });
});
