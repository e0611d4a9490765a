/**
 * The Developer Guide's page "Accessing execution data from the Context object in Step Functions",
 * rule by rule: where `$$` (JSONPath) and `$states.context` (JSONata) can be read, and each field.
 */
import { advance } from '../../lambda/engine/interpreter';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { ExecutionSnapshot, IncomingEvent } from '../../lambda/engine/types';
import { FN, output, run } from './devguide-run';

const PAGE = 'Accessing execution data from the Context object';
const t = (section: string, rule: string) => `[${PAGE} › ${section}] ${rule}`;
const START = '2026-01-01T00:00:00.000Z';

describe(PAGE, () => {
  describe('Accessing the Context object', () => {
    test(t('To access the Context object in JSONPath', '$$ is read in Parameters, ResultSelector, InputPath, OutputPath and ItemsPath'), async () => {
      const def = {
        StartAt: 'Params',
        States: {
          Params: { Type: 'Pass', Parameters: { 'name.$': '$$.State.Name' }, ResultPath: '$.params', Next: 'Selector' },
          Selector: { Type: 'Task', Resource: FN('echo'), ResultSelector: { 'state.$': '$$.State.Name', 'got.$': '$' }, ResultPath: '$.selector', Next: 'InPath' },
          InPath: { Type: 'Pass', InputPath: '$$.Execution.Input', ResultPath: '$.inputPath', Next: 'OutPath' },
          OutPath: { Type: 'Pass', OutputPath: '$$.Execution.Input', Next: 'Items' },
          Items: { Type: 'Map', ItemsPath: '$$.Execution.Input.xs', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true },
        },
      };
      const r = await run(def, { xs: ['a', 'b'] }, { tasks: { echo: () => 'e' } });
      expect(r.status).toBe('SUCCEEDED');
      expect(r.output).toEqual(['a', 'b']);
      const exited = (name: string) => JSON.parse((r.history.find((e) => (e.stateExitedEventDetails as { name?: string } | undefined)?.name === name)!.stateExitedEventDetails as { output: string }).output);
      expect(exited('Params').params).toEqual({ name: 'Params' });
      expect(exited('Selector').selector).toEqual({ state: 'Selector', got: 'e' });
      expect(exited('InPath').inputPath).toEqual({ xs: ['a', 'b'] });
      expect(exited('OutPath')).toEqual({ xs: ['a', 'b'] });
    });

    test(t('To access the Context object in JSONPath', '$$ in a Choice rule: Variable, and a ...Path comparison against it'), async () => {
      const def = {
        StartAt: 'C',
        States: {
          C: { Type: 'Choice', Choices: [{ Variable: '$$.Execution.Name', StringEqualsPath: '$.expected', Next: 'Yes' }], Default: 'No' },
          Yes: { Type: 'Pass', Result: 'yes', End: true },
          No: { Type: 'Pass', Result: 'no', End: true },
        },
      };
      await expect(output(def, { expected: 'devguide' })).resolves.toBe('yes');
      await expect(output(def, { expected: 'other' })).resolves.toBe('no');
    });

    test(t('To access the Context object in JSONata', '$states.context in a JSONata expression'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'S', States: { S: { Type: 'Pass', Output: { ExecutionID: '{% $states.context.Execution.Id %}' }, End: true } } };
      await expect(output(def)).resolves.toEqual({ ExecutionID: 'arn:aws:states:us-east-1:111111111111:execution:local:devguide' });
    });
  });

  describe('Context object fields', () => {
    test(t('Context object fields', 'Execution (Id, Input, Name, RoleArn, StartTime, RedriveCount), State (EnteredTime, Name), StateMachine (Id, Name)'), async () => {
      const out = (await output({ StartAt: 'First', States: { First: { Type: 'Pass', Parameters: { 'ctx.$': '$$' }, End: true } } }, { order: 1 })) as { ctx: Record<string, Record<string, unknown>> };
      expect(out.ctx.Execution).toEqual({
        Id: 'arn:aws:states:us-east-1:111111111111:execution:local:devguide',
        Input: { order: 1 },
        Name: 'devguide',
        RoleArn: expect.stringMatching(/^arn:aws:iam::/),
        StartTime: START,
        RedriveCount: 0,
      });
      expect(out.ctx.State).toEqual({ EnteredTime: START, Name: 'First' });
      expect(out.ctx.StateMachine).toEqual({ Id: 'arn:aws:states:us-east-1:111111111111:stateMachine:local', Name: 'local' });
      expect(out.ctx).not.toHaveProperty('Task');
    });

    test(t('Context object fields', 'State.RetryCount counts the retries of the current state'), async () => {
      const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), Parameters: { 'retry.$': '$$.State.RetryCount' }, Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 3 }], End: true } } };
      const seen: number[] = [];
      const f = (input: unknown) => {
        const n = (input as { retry: number }).retry;
        seen.push(n);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}
        if (n < 2) throw { error: 'Flaky' };
        return n;
      };
      await expect(output(def, {}, { tasks: { f } })).resolves.toBe(2);
      expect(seen).toEqual([0, 1, 2]);
    });

    test(t('Context object fields', 'State.EnteredTime is when the state was entered'), async () => {
      const def = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, Next: 'P' }, P: { Type: 'Pass', Parameters: { 'entered.$': '$$.State.EnteredTime', 'started.$': '$$.Execution.StartTime' }, End: true } } };
      await expect(output(def)).resolves.toEqual({ entered: '2026-01-01T00:00:30.000Z', started: START });
    });

    test(t('Context object fields', 'Task.Token is there in a .waitForTaskToken task'), async () => {
      const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } }, End: true } } };
      let token: unknown;
      const r = await run(def, {}, { tasks: { f: (payload) => ((token = (payload as { token: string }).token), 'done') } });
      expect(r.status).toBe('SUCCEEDED');
      expect(typeof token).toBe('string');
      expect((token as string).length).toBeGreaterThan(0);
    });

    test(t('Context object fields', 'RedriveTime is there only once the execution has been redriven, with RedriveCount'), async () => {
      const def = {
        StartAt: 'Work',
        States: {
          Work: { Type: 'Task', Resource: 'work', Next: 'Show' },
          Show: { Type: 'Pass', Parameters: { 'count.$': '$$.Execution.RedriveCount', 'time.$': '$$.Execution.RedriveTime' }, End: true },
        },
      } as unknown as StateMachineDefinition;
      const random = { random: () => 0.5, uuid: () => 'u' };
      let broken = true;
      const drive = async (snap: ExecutionSnapshot | undefined, first: IncomingEvent, now: Date) => {
        const queue = [first];
        let s = snap;
        while (queue.length > 0) {
          const r = await advance(def, s, queue.shift()!, now, { random });
          s = r.snapshot;
          for (const e of r.effects) {
            if (e.type === 'InvokeTask') queue.push(broken ? { type: 'TaskFailed', token: e.token, error: 'Broken' } : { type: 'TaskSucceeded', token: e.token, output: {} });
          }
        }
        return s!;
      };
      const start: IncomingEvent = {
        type: 'StartExecution',
        execution: { arn: 'arn:aws:states:us-east-1:1:execution:sm:e', name: 'e', input: {}, startTime: START, roleArn: 'r', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sm', stateMachineName: 'sm' },
      };
      const failed = await drive(undefined, start, new Date(START));
      expect(failed.status).toBe('FAILED');
      broken = false;
      const redriven = await drive(failed, { type: 'RedriveExecution' }, new Date('2026-01-02T08:00:00.000Z'));
      expect(redriven.status).toBe('SUCCEEDED');
      expect(redriven.output).toEqual({ count: 1, time: '2026-01-02T08:00:00.000Z' });
      // before the redrive the field is absent: the same Pass fails to read it
      broken = false;
      const never = await drive(undefined, start, new Date(START));
      expect(never.status).toBe('FAILED');
      expect(never.error).toBe('States.Runtime');
      expect(never.cause).toContain('$$.Execution.RedriveTime');
    });

    test(t('Context object fields', 'Map.Item.Index and Map.Item.Value in ItemSelector (JSONPath and JSONata)'), async () => {
      const path = { StartAt: 'M', States: { M: { Type: 'Map', ItemSelector: { 'index.$': '$$.Map.Item.Index', 'value.$': '$$.Map.Item.Value', 'from.$': '$.tag' }, ItemsPath: '$.xs', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true } } };
      await expect(output(path, { tag: 't', xs: ['a', 'b'] })).resolves.toEqual([{ index: 0, value: 'a', from: 't' }, { index: 1, value: 'b', from: 't' }]);
      const nata = {
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: { M: { Type: 'Map', Items: '{% $states.input.xs %}', ItemSelector: { index: '{% $states.context.Map.Item.Index %}', value: '{% $states.context.Map.Item.Value %}' }, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true } },
      };
      await expect(output(nata, { xs: ['a'] })).resolves.toEqual([{ index: 0, value: 'a' }]);
    });
  });
});
