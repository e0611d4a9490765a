import { advance } from '../../lambda/engine/interpreter';
import { redriveProblems } from '../../lambda/engine/redrive';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { ExecutionLimits, ExecutionSnapshot, IncomingEvent } from '../../lambda/engine/types';
import type { HistoryEvent } from '../../lambda/engine/history';

const random = { random: () => 0.5, uuid: () => 'u' };
const now = new Date('2026-01-01T00:00:00Z');

type Tasks = Record<string, (input: unknown) => unknown>;

/** Drives the pure interpreter to rest: tasks answered from `tasks`, timers fired at once. */
async function drive(def: StateMachineDefinition, snap: ExecutionSnapshot | undefined, first: IncomingEvent, tasks: Tasks) {
  const queue: IncomingEvent[] = [first];
  const history: HistoryEvent[] = [];
  let s = snap;
  while (queue.length) {
    const r = await advance(def, s, queue.shift()!, now, { random });
    s = r.snapshot;
    history.push(...r.events);
    for (const e of r.effects) {
      if (e.type === 'InvokeTask') {
        try {
          queue.push({ type: 'TaskSucceeded', token: e.token, output: tasks[e.resource](e.input) });
        } catch (err) {
          queue.push({ type: 'TaskFailed', token: e.token, ...(err as { error: string; cause?: string }) });
        }
      } else if (e.type === 'SetTimer' && e.purpose !== 'timeout') queue.push({ type: 'TimerFired', token: e.token });
    }
  }
  return { snapshot: s!, history };
}

const start = (input: unknown, limits?: ExecutionLimits): IncomingEvent => ({
  type: 'StartExecution',
  limits,
  execution: { arn: 'arn:aws:states:us-east-1:1:execution:sm:e', name: 'e', input, startTime: now.toISOString(), roleArn: 'r', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sm', stateMachineName: 'sm' },
});

describe('redrive', () => {
  const mapDef: StateMachineDefinition = {
    StartAt: 'Each',
    States: {
      Each: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'work', End: true } } } },
    },
  };

  async function failThenRedrive(badItem: number) {
    const calls = new Map<number, number>();
    let broken = true;
    const tasks: Tasks = {
      work: (n) => {
        calls.set(n as number, (calls.get(n as number) ?? 0) + 1);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
        if (n === badItem && broken) throw { error: 'Flaky', cause: `item ${badItem}` };
        return (n as number) * 2;
      },
    };
    const items = Array.from({ length: 100 }, (_, i) => i);
    const failed = await drive(mapDef, undefined, start(items), tasks);
    expect(failed.snapshot).toMatchObject({ status: 'FAILED', error: 'Flaky', cause: `item ${badItem}` });
    broken = false;
    const before = new Map(calls);
    const redriven = await drive(mapDef, JSON.parse(JSON.stringify(failed.snapshot)), { type: 'RedriveExecution' }, tasks);
    expect(redriven.snapshot.status).toBe('SUCCEEDED');
    expect(redriven.snapshot.output).toEqual(items.map((i) => i * 2));
    expect(redriven.snapshot.execution.redriveCount).toBe(1);
    expect(redriven.history[0]).toMatchObject({ type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: 1 } });
    return items.filter((i) => (calls.get(i) ?? 0) > (before.get(i) ?? 0));
  }

  it('a Map with 1 of 100 failed items re-runs only that item', async () => {
    // the answers arrive in item order, so every other item has succeeded when item 99 fails
    expect(await failThenRedrive(99)).toEqual([99]);
  });

  it('items that succeeded before the failure are not re-run; items cut off by it are', async () => {
    const rerun = await failThenRedrive(42);
    expect(rerun[0]).toBe(42);
    expect(rerun.every((i) => i >= 42)).toBe(true);
  });

  it('resumes at the failed state, keeping what ran before it', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'First',
      States: {
        First: { Type: 'Task', Resource: 'count', ResultPath: '$.first', Next: 'Second' },
        Second: { Type: 'Task', Resource: 'maybe', ResultPath: '$.second', End: true },
      },
    };
    let counted = 0;
    let ok = false;
    const tasks: Tasks = {
      count: () => ++counted,
      maybe: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
        if (!ok) throw { error: 'NotYet' };
        return 'done';
      },
    };
    const failed = await drive(def, undefined, start({}), tasks);
    expect(failed.snapshot.status).toBe('FAILED');
    ok = true;
    const r = await drive(def, failed.snapshot, { type: 'RedriveExecution' }, tasks);
    expect(r.snapshot.output).toEqual({ first: 1, second: 'done' });
    expect(counted).toBe(1);
  });

  it('does nothing to a running or succeeded execution', async () => {
    const def: StateMachineDefinition = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    const done = await drive(def, undefined, start({ a: 1 }), {});
    const again = await advance(def, done.snapshot, { type: 'RedriveExecution' }, now, { random });
    expect(again.events).toEqual([]);
    expect(again.snapshot.status).toBe('SUCCEEDED');
  });

  it('checks that a corrected definition still has the failed state', async () => {
    const def: StateMachineDefinition = { StartAt: 'F', States: { F: { Type: 'Task', Resource: 'x', End: true } } };
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
    const failed = await drive(def, undefined, start({}), { x: () => { throw { error: 'E' }; } });
    expect(redriveProblems({ StartAt: 'G', States: { G: { Type: 'Pass', End: true } } }, failed.snapshot)).toEqual([
      '/States/F: the state this execution stopped in does not exist in the new definition',
    ]);
    expect(redriveProblems({ StartAt: 'F', States: { F: { Type: 'Task', Resource: 'y', End: true } } }, failed.snapshot)).toEqual([]);
  });
});

describe('runaway guard', () => {
  const loop: StateMachineDefinition = {
    StartAt: 'Again',
    States: { Again: { Type: 'Pass', Next: 'Check' }, Check: { Type: 'Choice', Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'End' }], Default: 'Again' }, End: { Type: 'Succeed' } },
  };

  it('stops an infinite loop at the transition limit with a clear error', async () => {
    const r = await drive(loop, undefined, start({}, { maxTransitions: 500 }), {});
    expect(r.snapshot.status).toBe('FAILED');
    expect(r.snapshot.error).toBe('Stepwright.TransitionLimitExceeded');
    expect(r.snapshot.cause).toContain('500 state transitions');
    expect(r.snapshot.transitions).toBe(501);
  });

  it('stops a loop at the per-state visit limit', async () => {
    const r = await drive(loop, undefined, start({}, { maxStateVisits: 10 }), {});
    expect(r.snapshot.error).toBe('Stepwright.StateVisitLimitExceeded');
    expect(r.snapshot.cause).toContain("'Again'");
  });

  it('a duration limit arms the execution timer', async () => {
    const r = await advance(loop, undefined, start({ stop: true }, { maxDurationSeconds: 60 }), now, { random });
    expect(r.effects).toContainEqual({ type: 'SetTimer', token: 'execution-timeout', at: '2026-01-01T00:01:00.000Z', purpose: 'timeout' });
  });

  it('counts visits per Map item, so a wide Map does not trip the loop limit', async () => {
    const def: StateMachineDefinition = { StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } } } };
    const r = await drive(def, undefined, start([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { maxStateVisits: 3 }), {});
    expect(r.snapshot.status).toBe('SUCCEEDED');
  });
});

describe('bounded steps', () => {
  it('pauses after maxStatesPerStep and continues from a timer to the same result', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Result: 0, ResultPath: '$.n', Next: 'Inc' },
        Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Done?' },
        'Done?': { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThanEquals: 100, Next: 'End' }], Default: 'Inc' },
        End: { Type: 'Succeed' },
      },
    };
    let r = await advance(def, undefined, start({}), now, { random, maxStatesPerStep: 25 });
    let steps = 1;
    const ids: number[] = r.events.map((e) => e.id);
    while (r.snapshot.status === 'RUNNING') {
      const timer = r.effects.find((e) => e.type === 'SetTimer');
      expect(timer).toBeDefined();
      r = await advance(def, JSON.parse(JSON.stringify(r.snapshot)), { type: 'TimerFired', token: (timer as { token: string }).token }, now, { random, maxStatesPerStep: 25 });
      ids.push(...r.events.map((e) => e.id));
      steps++;
    }
    expect(r.snapshot.output).toEqual({ n: 100 });
    expect(steps).toBeGreaterThan(5);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });
});
