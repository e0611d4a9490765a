/**
 * The runaway guard's defaults: every execution runs under 1,000,000 transitions and 100,000 visits
 * of one state unless its state machine says otherwise; a setting raises or lowers them, and "none"
 * (asked for explicitly) turns one off. Settings that are not a positive integer or "none" are refused
 * with the setting's name.
 */
import { advance } from '../../lambda/engine/interpreter';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { ExecutionLimits, IncomingEvent } from '../../lambda/engine/types';
import { DEFAULT_MAX_STATE_VISITS, DEFAULT_MAX_TRANSITIONS, effectiveLimits } from '../../lambda/engine/limits';
import { runExecution } from '../../lambda/local/runner';
import * as svc from '../../lambda/runtime/service';
import { ApiError } from '../../lambda/runtime/api-errors';
import { ROLE, startTestEngine, type TestEngine } from '../runtime/harness';

const random = { random: () => 0.5, uuid: () => 'u' };
const now = new Date('2026-01-01T00:00:00Z');

/** A cycle with no End. */
const FOREVER: StateMachineDefinition = { StartAt: 'Spin', States: { Spin: { Type: 'Pass', Next: 'Spin' } } };

/** Loops `n` times through Count and Check, then succeeds: n visits of each. */
function bounded(n: number): StateMachineDefinition {
  return {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Check' },
      Check: { Type: 'Choice', Choices: [{ Variable: '$.i', NumericLessThan: n, Next: 'Count' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
}

const start = (input: unknown, limits?: ExecutionLimits): IncomingEvent => ({
  type: 'StartExecution',
  limits,
  execution: { arn: 'arn:aws:states:us-east-1:1:execution:sm:e', name: 'e', input, startTime: now.toISOString(), roleArn: 'r', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sm', stateMachineName: 'sm' },
});

/** Runs the pure interpreter to rest (these definitions have no tasks or waits). */
const run = async (def: StateMachineDefinition, limits?: ExecutionLimits, input: unknown = { i: 0 }) => (await advance(def, undefined, start(input, limits), now, { random, historyPayloads: false })).snapshot;

describe('the limits an execution gets', () => {
  it('are the defaults when its state machine sets none', async () => {
    expect(DEFAULT_MAX_TRANSITIONS).toBe(1_000_000);
    expect(DEFAULT_MAX_STATE_VISITS).toBe(100_000);
    const snap = await run(bounded(1));
    expect(snap.limits).toEqual({ maxTransitions: 1_000_000, maxStateVisits: 100_000 });
  });

  it('take what the machine sets, and the defaults for what it leaves out', () => {
    expect(effectiveLimits({ maxTransitions: 5 })).toEqual({ maxTransitions: 5, maxStateVisits: 100_000 });
    expect(effectiveLimits({ maxStateVisits: 'none', maxDurationSeconds: 60 })).toEqual({ maxTransitions: 1_000_000, maxStateVisits: 'none', maxDurationSeconds: 60 });
  });
});

describe('a cycle with no End', () => {
  it('ends FAILED at the default visit limit, with a cause that names it and how to change it', async () => {
    const r = await runExecution({ definition: FOREVER, input: {} });
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('Stepwright.StateVisitLimitExceeded');
    expect(r.cause).toBe("The state 'Spin' was entered more than 100000 times in one run, the default limit of the runaway guard. Raise or lower it with settings.limits.maxStateVisits on the state machine (a number, or \"none\" for no limit).");
  });

  it('ends FAILED at a lower limit set on its machine', async () => {
    const snap = await run(FOREVER, { maxStateVisits: 50 });
    expect(snap.status).toBe('FAILED');
    expect(snap.error).toBe('Stepwright.StateVisitLimitExceeded');
    expect(snap.cause).toContain('more than 50 times in one run, the limit set on its state machine (runaway guard)');
    expect(snap.transitions).toBe(51);
  });

  it('with visits unlimited, ends at the transition limit', async () => {
    const snap = await run(FOREVER, { maxStateVisits: 'none', maxTransitions: 300 });
    expect(snap.error).toBe('Stepwright.TransitionLimitExceeded');
    expect(snap.cause).toBe("The execution exceeded 300 state transitions, the limit set on its state machine (runaway guard); the last state entered was 'Spin'. Raise or lower it with settings.limits.maxTransitions on the state machine (a number, or \"none\" for no limit).");
  });
});

describe('a bounded loop longer than the default visit limit', () => {
  const LOOPS = DEFAULT_MAX_STATE_VISITS + 5;

  it('fails under the defaults', async () => {
    const snap = await run(bounded(LOOPS));
    expect(snap.error).toBe('Stepwright.StateVisitLimitExceeded');
  });

  it('succeeds when its machine raises the limit', async () => {
    const snap = await run(bounded(LOOPS), { maxStateVisits: LOOPS });
    expect(snap.status).toBe('SUCCEEDED');
    expect(snap.output).toEqual({ i: LOOPS });
  });

  it('succeeds when its machine asks for no limit at all', async () => {
    const snap = await run(bounded(LOOPS), { maxStateVisits: 'none', maxTransitions: 'none' });
    expect(snap.status).toBe('SUCCEEDED');
    expect(snap.output).toEqual({ i: LOOPS });
  });
});

it('counts visits of states named like Object.prototype members', async () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const def = JSON.parse(`{"StartAt": ${JSON.stringify(name)}, "States": {${JSON.stringify(name)}: {"Type": "Pass", "Next": ${JSON.stringify(name)}}}}`) as StateMachineDefinition;
    const snap = await run(def, { maxStateVisits: 7 });
    expect([name, snap.error, snap.transitions]).toEqual([name, 'Stepwright.StateVisitLimitExceeded', 8]);
  }
});

describe('settings.limits', () => {
  const refused = (limits: unknown, message: string) => {
    expect(() => svc.checkSettings({ limits })).toThrow(ApiError);
    expect(() => svc.checkSettings({ limits })).toThrow(message);
  };

  it('accepts positive integers and "none" for the limits that have a default', () => {
    expect(svc.checkSettings({ limits: { maxTransitions: 'none', maxStateVisits: 2_000_000 } })).toEqual({ limits: { maxTransitions: 'none', maxStateVisits: 2_000_000 } });
  });

  it('refuses null, 0, other words, and "none" for the duration', () => {
    refused({ maxTransitions: null }, 'settings.limits.maxTransitions must be a positive integer, or "none" for no limit (leave it out for the default, 1000000); got null');
    refused({ maxStateVisits: 0 }, 'settings.limits.maxStateVisits must be a positive integer, or "none" for no limit (leave it out for the default, 100000); got 0');
    refused({ maxStateVisits: 'unlimited' }, 'settings.limits.maxStateVisits must be a positive integer, or "none"');
    refused({ maxDurationSeconds: 'none' }, 'settings.limits.maxDurationSeconds must be a positive integer; got "none"');
  });
});

describe('on the durable engine', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(() => t.close());

  const machine = async (name: string, def: StateMachineDefinition, settings?: unknown) =>
    (await svc.createStateMachine(t.deps, { name, definition: JSON.stringify(def), roleArn: ROLE, settings })).stateMachineArn;

  it('an execution of a machine without settings runs under the defaults', async () => {
    const arn = await t.start(await machine('no-settings', bounded(2)), { i: 0 });
    const rec = await t.finished(arn);
    expect(rec.status).toBe('SUCCEEDED');
    expect(rec.snapshot!.limits).toEqual({ maxTransitions: 1_000_000, maxStateVisits: 100_000 });
  });

  it('a machine\'s limits apply, and "none" is kept as asked', async () => {
    const low = await t.start(await machine('low', FOREVER, { limits: { maxStateVisits: 20 } }), {});
    const lowRec = await t.finished(low);
    expect([lowRec.status, lowRec.error]).toEqual(['FAILED', 'Stepwright.StateVisitLimitExceeded']);
    const none = await t.start(await machine('none', bounded(30), { limits: { maxStateVisits: 'none' } }), { i: 0 });
    const noneRec = await t.finished(none);
    expect(noneRec.status).toBe('SUCCEEDED');
    expect(noneRec.snapshot!.limits).toEqual({ maxTransitions: 1_000_000, maxStateVisits: 'none' });
  });
});
