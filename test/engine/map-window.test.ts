/**
 * A big inline Map starts its items a window at a time (INLINE_MAP_MAX_CONCURRENCY, 40 as on AWS):
 * one worker step holds and writes a bounded number of runs and history events, however many items
 * the Map has. Before, a 100,000-item Map ran in one step of 400,000 history events.
 */
import { advance, INLINE_MAP_MAX_CONCURRENCY } from '../../lambda/engine/interpreter';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { ExecutionSnapshot } from '../../lambda/engine/types';
import { startEvent } from './fixtures';

const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };
const now = new Date('2026-01-01T00:00:00Z');


const def = {
  StartAt: 'M',
  States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, ResultSelector: { 'n.$': 'States.ArrayLength($)' }, End: true } },
} as unknown as StateMachineDefinition;

const MAX_STATES_PER_STEP = 500;

/** Runs the execution step by step as the worker does (the snapshot stored as JSON in between). */
async function runSteps(input: unknown): Promise<{ steps: number; maxEvents: number; maxRuns: number; snapshot: ExecutionSnapshot }> {
  let result = await advance(def, undefined, startEvent(input), now, { random, maxStatesPerStep: MAX_STATES_PER_STEP });
  let steps = 1;
  let maxEvents = result.events.length;
  let maxRuns = Object.keys(result.snapshot.runs).length;
  while (result.snapshot.status === 'RUNNING') {
    const timer = result.effects.find((e) => e.type === 'SetTimer') as { token: string } | undefined;
    if (!timer) throw new Error(`step ${steps} left the execution RUNNING without a continuation`);
    const stored = JSON.parse(JSON.stringify(result.snapshot)) as ExecutionSnapshot;
    result = await advance(def, stored, { type: 'TimerFired', token: timer.token }, now, { random, maxStatesPerStep: MAX_STATES_PER_STEP });
    steps++;
    maxEvents = Math.max(maxEvents, result.events.length);
    maxRuns = Math.max(maxRuns, Object.keys(result.snapshot.runs).length);
  }
  return { steps, maxEvents, maxRuns, snapshot: result.snapshot };
}

describe('inline Map window', () => {
  it('the first step of a 100,000-item Map holds at most the window of runs and a bounded number of events', async () => {
    const first = await advance(def, undefined, startEvent(new Array(100_000).fill(0)), now, { random, maxStatesPerStep: MAX_STATES_PER_STEP });
    expect(first.snapshot.status).toBe('RUNNING');
    // the root run and at most a window of items
    expect(Object.keys(first.snapshot.runs).length).toBeLessThanOrEqual(1 + INLINE_MAP_MAX_CONCURRENCY);
    // each item: MapIterationStarted, PassStateEntered, PassStateExited, MapIterationSucceeded (and a window's slack)
    expect(first.events.length).toBeLessThanOrEqual(4 * (MAX_STATES_PER_STEP + INLINE_MAP_MAX_CONCURRENCY) + 10);
  });

  it('a 5,000-item Map completes across steps with every result, each step bounded', async () => {
    const r = await runSteps(Array.from({ length: 5000 }, (_, i) => i));
    expect(r.snapshot.status).toBe('SUCCEEDED');
    expect(r.snapshot.output).toEqual({ n: 5000 });
    expect(r.steps).toBeGreaterThan(1);
    expect(r.maxRuns).toBeLessThanOrEqual(1 + INLINE_MAP_MAX_CONCURRENCY);
    expect(r.maxEvents).toBeLessThanOrEqual(4 * (MAX_STATES_PER_STEP + INLINE_MAP_MAX_CONCURRENCY) + 10);
  });

  it('MaxConcurrency below the window is kept', async () => {
    const limited = { ...def, States: { M: { ...(def.States.M as object), MaxConcurrency: 3 } } } as unknown as StateMachineDefinition;
    const first = await advance(limited, undefined, startEvent(new Array(100).fill(0)), now, { random, maxStatesPerStep: 2 });
    expect(Object.keys(first.snapshot.runs).length).toBeLessThanOrEqual(1 + 3);
  });
});
