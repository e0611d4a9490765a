/**
 * The Developer Guide's page "Handling errors in Step Functions workflows", rule by rule: error names,
 * Retry (IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy) and Catch. Retry
 * delays are read from the history's timestamps, which the runner's virtual clock makes exact.
 */
import type { HistoryEvent } from '../../lambda/engine/history';
import type { TaskFunction } from '../../lambda/local/runner';
import { failure, FN, output, problems, run } from './devguide-run';

const PAGE = 'Handling errors in Step Functions workflows';
const t = (section: string, rule: string) => `[${PAGE} › ${section}] ${rule}`;

/** A task that fails with the given errors in turn (one per call), then succeeds with "ok". */
function failing(...errors: string[]): TaskFunction {
  let call = 0;
  return () => {
    const error = errors[call++];
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}
    if (error !== undefined) throw { error, cause: `attempt ${call}` };
    return 'ok';
  };
}

/** Seconds between the task's attempts, from the LambdaFunctionScheduled timestamps. */
function gaps(history: HistoryEvent[]): number[] {
  const times = history.filter((e) => e.type === 'LambdaFunctionScheduled').map((e) => Date.parse(e.timestamp));
  return times.slice(1).map((ms, i) => (ms - times[i]) / 1000);
}

const task = (extra: Record<string, unknown>, next?: Record<string, unknown>) => ({
  StartAt: 'T',
  States: { T: { Type: 'Task', Resource: FN('f'), ...(next ? { Next: 'After' } : { End: true }), ...extra }, ...(next ? { After: next } : {}) },
});

describe(PAGE, () => {
  describe('Error names', () => {
    test(t('Error names', 'a task\'s own error name is matched exactly by ErrorEquals'), async () => {
      const def = task({ Catch: [{ ErrorEquals: ['Other'], Next: 'After' }, { ErrorEquals: ['Order.Missing'], Next: 'After' }] }, { Type: 'Pass', Parameters: { 'error.$': '$.Error' }, End: true });
      await expect(output(def, {}, { tasks: { f: failing('Order.Missing') } })).resolves.toEqual({ error: 'Order.Missing' });
    });

    test(t('Error names', 'States.ALL matches any error name; it must be alone in ErrorEquals and in the last retrier or catcher'), async () => {
      const def = task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }] }, { Type: 'Pass', End: true });
      await expect(output(def, {}, { tasks: { f: failing('Anything.At.All') } })).resolves.toMatchObject({ Error: 'Anything.At.All' });
      expect(problems(task({ Catch: [{ ErrorEquals: ['States.ALL', 'X'], Next: 'T' }] })).map((p) => p.pointer)).toEqual(['/States/T/Catch/0/ErrorEquals']);
      expect(problems(task({ Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }] })).map((p) => p.pointer)).toEqual(['/States/T/Retry/0/ErrorEquals']);
    });

    test(t('Error names', 'States.Runtime is not caught by States.ALL'), async () => {
      const taskDef = task({ Parameters: { 'a.$': '$.missing' }, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }] }, { Type: 'Pass', End: true });
      expect((await failure(taskDef, {}, { tasks: { f: () => 1 } })).error).toBe('States.Runtime');
    });

    test(t('Error names', 'States.TaskFailed matches any error a task reports, except States.Timeout'), async () => {
      const def = task({ TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'After' }] }, { Type: 'Pass', End: true });
      await expect(output(def, {}, { tasks: { f: failing('Custom.Error') } })).resolves.toMatchObject({ Error: 'Custom.Error' });
      const slow: TaskFunction = async (_i, ctx) => (await ctx.sleep(5000), 'late');
      expect((await failure(def, {}, { tasks: { f: slow } })).error).toBe('States.Timeout');
    });

    test(t('Error names', 'States.Timeout: a task that runs longer than TimeoutSeconds'), async () => {
      const slow: TaskFunction = async (_i, ctx) => (await ctx.sleep(5000), 'late');
      const def = task({ TimeoutSeconds: 2, Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'After' }] }, { Type: 'Pass', End: true });
      await expect(output(def, {}, { tasks: { f: slow } })).resolves.toMatchObject({ Error: 'States.Timeout' });
    });

    test(t('Error names', 'States.Timeout: an execution that runs longer than the state machine\'s TimeoutSeconds ends TIMED_OUT'), async () => {
      const r = await run({ TimeoutSeconds: 5, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } });
      expect(r.status).toBe('TIMED_OUT');
      expect(r.error).toBe('States.Timeout');
    });

    test(t('Error names', 'States.NoChoiceMatched: a Choice state with no matching rule and no Default'), async () => {
      const def = { StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'D' }] }, D: { Type: 'Succeed' } } };
      expect((await failure(def, { n: 2 })).error).toBe('States.NoChoiceMatched');
    });

    test(t('Error names', 'States.IntrinsicFailure: an intrinsic function that fails'), async () => {
      const def = { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'x.$': 'States.ArrayGetItem($.xs, 5)' }, End: true } } };
      expect((await failure(def, { xs: [1] })).error).toBe('States.IntrinsicFailure');
    });

    test(t('Error names', 'a Parallel state whose branch fails reports the branch\'s own error and cause to its Catch'), async () => {
      const def = {
        StartAt: 'Par',
        States: {
          Par: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Ok', States: { Ok: { Type: 'Pass', End: true } } },
              { StartAt: 'Bad', States: { Bad: { Type: 'Fail', Error: 'Branch.Error', Cause: 'second branch' } } },
            ],
            Catch: [{ ErrorEquals: ['Branch.Error'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      };
      await expect(output(def)).resolves.toEqual({ Error: 'Branch.Error', Cause: 'second branch' });
    });
  });

  describe('Retrying after an error', () => {
    test(t('Retry fields', 'defaults: IntervalSeconds 1, BackoffRate 2.0, MaxAttempts 3'), async () => {
      const r = await run(task({ Retry: [{ ErrorEquals: ['E'] }] }), {}, { tasks: { f: failing('E', 'E', 'E', 'E') } });
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('E');
      expect(gaps(r.history)).toEqual([1, 2, 4]);
    });

    test(t('Retry fields', 'IntervalSeconds and BackoffRate set the delays; the task succeeds on a later attempt'), async () => {
      const r = await run(task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 3, BackoffRate: 1.5, MaxAttempts: 5 }] }), {}, { tasks: { f: failing('E', 'E', 'E') } });
      expect(r.status).toBe('SUCCEEDED');
      expect(r.output).toBe('ok');
      expect(gaps(r.history)).toEqual([3, 4.5, 6.75]);
    });

    test(t('Retry fields', 'MaxDelaySeconds caps the growing interval'), async () => {
      const r = await run(task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 4, MaxDelaySeconds: 10 }] }), {}, { tasks: { f: failing('E', 'E', 'E', 'E') } });
      expect(gaps(r.history)).toEqual([2, 6, 10, 10]);
    });

    test(t('Retry fields', 'JitterStrategy FULL waits a random time up to the computed interval; NONE (the default) the interval itself'), async () => {
      const full = await run(task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 4, MaxAttempts: 2, JitterStrategy: 'FULL' }] }), {}, { tasks: { f: failing('E', 'E') }, random: () => 0.25 });
      expect(gaps(full.history)).toEqual([1, 2]);
      const none = await run(task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 4, MaxAttempts: 2, JitterStrategy: 'NONE' }] }), {}, { tasks: { f: failing('E', 'E') }, random: () => 0.25 });
      expect(gaps(none.history)).toEqual([4, 8]);
    });

    test(t('Retry fields', 'MaxAttempts 0 never retries: the error goes straight to Catch'), async () => {
      const def = task({ Retry: [{ ErrorEquals: ['E'], MaxAttempts: 0 }], Catch: [{ ErrorEquals: ['E'], Next: 'After' }] }, { Type: 'Pass', End: true });
      const r = await run(def, {}, { tasks: { f: failing('E', 'E') } });
      expect(r.status).toBe('SUCCEEDED');
      expect(r.history.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
    });

    test(t('Retry fields', 'BackoffRate below 1.0, JitterStrategy other than FULL or NONE, and MaxDelaySeconds below 1 are refused'), () => {
      expect(problems(task({ Retry: [{ ErrorEquals: ['E'], BackoffRate: 0.5 }] })).map((p) => p.pointer)).toEqual(['/States/T/Retry/0/BackoffRate']);
      expect(problems(task({ Retry: [{ ErrorEquals: ['E'], JitterStrategy: 'HALF' }] })).map((p) => p.pointer)).toEqual(['/States/T/Retry/0/JitterStrategy']);
      expect(problems(task({ Retry: [{ ErrorEquals: ['E'], MaxDelaySeconds: 0 }] })).map((p) => p.pointer)).toEqual(['/States/T/Retry/0/MaxDelaySeconds']);
    });

    test(t('Retry behavior', 'the first retrier whose ErrorEquals matches is used; each retrier counts its own attempts'), async () => {
      // retrier 0 (A, B) allows 2 retries, retrier 1 (C) 5: A, C, B, A makes retrier 0's third error, which is not retried
      const def = task({ Retry: [{ ErrorEquals: ['A', 'B'], MaxAttempts: 2, IntervalSeconds: 1, BackoffRate: 1 }, { ErrorEquals: ['C'], MaxAttempts: 5, IntervalSeconds: 10, BackoffRate: 1 }] });
      const r = await run(def, {}, { tasks: { f: failing('A', 'C', 'B', 'A') } });
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('A');
      expect(gaps(r.history)).toEqual([1, 10, 1]);
    });

    test(t('Retry behavior', 'State.RetryCount in the Context object counts the retries'), async () => {
      const def = task({ Parameters: { 'n.$': '$$.State.RetryCount' }, Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 1 }] });
      const seen: unknown[] = [];
      const f: TaskFunction = (input) => {
        seen.push((input as { n: number }).n);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}
        if (seen.length < 3) throw { error: 'E' };
        return 'ok';
      };
      await expect(output(def, {}, { tasks: { f } })).resolves.toBe('ok');
      expect(seen).toEqual([0, 1, 2]);
    });
  });

  describe('Fallback states (Catch)', () => {
    test(t('Catch fields', 'without ResultPath the error output {Error, Cause} replaces the input'), async () => {
      const def = task({ Catch: [{ ErrorEquals: ['E'], Next: 'After' }] }, { Type: 'Pass', End: true });
      await expect(output(def, { keep: 1 }, { tasks: { f: failing('E') } })).resolves.toEqual({ Error: 'E', Cause: 'attempt 1' });
    });

    test(t('Catch fields', 'ResultPath puts the error output into the input'), async () => {
      const def = task({ Catch: [{ ErrorEquals: ['E'], ResultPath: '$.error', Next: 'After' }] }, { Type: 'Pass', End: true });
      await expect(output(def, { keep: 1 }, { tasks: { f: failing('E') } })).resolves.toEqual({ keep: 1, error: { Error: 'E', Cause: 'attempt 1' } });
    });

    test(t('Catch fields', 'catchers are tried in order: the first that matches goes to its Next'), async () => {
      const def = {
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: FN('f'), Catch: [{ ErrorEquals: ['Other'], Next: 'Wrong' }, { ErrorEquals: ['E'], Next: 'Right' }, { ErrorEquals: ['States.ALL'], Next: 'Wrong' }], End: true },
          Wrong: { Type: 'Pass', Result: 'wrong', End: true },
          Right: { Type: 'Pass', Result: 'right', End: true },
        },
      };
      await expect(output(def, {}, { tasks: { f: failing('E') } })).resolves.toBe('right');
    });

    test(t('Retry and Catch together', 'the retries come first; when they run out, Catch takes the error'), async () => {
      const def = task({ Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2, IntervalSeconds: 1 }], Catch: [{ ErrorEquals: ['E'], Next: 'After' }] }, { Type: 'Pass', End: true });
      const r = await run(def, {}, { tasks: { f: failing('E', 'E', 'E') } });
      expect(r.output).toEqual({ Error: 'E', Cause: 'attempt 3' });
      expect(r.history.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    });

    test(t('Catch fields', 'an error no catcher matches fails the execution with that error and cause'), async () => {
      await expect(failure(task({ Catch: [{ ErrorEquals: ['Other'], Next: 'After' }] }, { Type: 'Pass', End: true }), {}, { tasks: { f: failing('E') } })).resolves.toEqual({ error: 'E', cause: 'attempt 1' });
    });
  });
});
