/**
 * Callback tasks (.waitForTaskToken) inside spread Map items: the task token names the item's own
 * execution, so SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat reach the right child, and the
 * parent continues once every item has been answered.
 */
import * as svc from '../../lambda/runtime/service';
import { startTestEngine, until } from '../runtime/harness';

jest.setTimeout(120_000);

it('each item waits for its own token; answers (success, failure caught, heartbeat) reach the right item', async () => {
  const tokens = new Map<number, string>();
  const t = await startTestEngine({
    timeScale: 0.01,
    tasks: { Park: (input: unknown) => void tokens.set((input as { n: number }).n, (input as { token: string }).token) },
  });
  try {
    const sm = await t.machine('approvals', {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            StartAt: 'Ask',
            States: {
              Ask: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: { FunctionName: 'Park', Payload: { 'n.$': '$', 'token.$': '$$.Task.Token' } },
                HeartbeatSeconds: 600,
                Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$', Next: 'No' }],
                End: true,
              },
              No: { Type: 'Pass', Parameters: { 'rejected.$': '$.Cause' }, End: true },
            },
          },
        },
      },
    });
    const arn = await t.start(sm, [0, 1, 2]);
    await until('three tokens', () => (tokens.size === 3 ? true : undefined));
    // three different child executions are waiting, one per item
    expect(new Set([...tokens.values()]).size).toBe(3);
    await svc.sendTaskHeartbeat(t.deps, { taskToken: tokens.get(1)! });
    await svc.sendTaskSuccess(t.deps, { taskToken: tokens.get(2)!, output: JSON.stringify({ approved: 2 }) });
    await svc.sendTaskFailure(t.deps, { taskToken: tokens.get(1)!, error: 'Rejected', cause: 'no budget' });
    expect((await t.get(arn)).status).toBe('RUNNING'); // item 0 still waits
    await svc.sendTaskSuccess(t.deps, { taskToken: tokens.get(0)!, output: JSON.stringify({ approved: 0 }) });
    const rec = await t.finished(arn);
    expect(rec.status).toBe('SUCCEEDED');
    expect(JSON.parse(rec.output!)).toEqual([{ approved: 0 }, { rejected: 'no budget' }, { approved: 2 }]);
    // an answer for an item that has finished is refused, as for any finished task
    await expect(svc.sendTaskSuccess(t.deps, { taskToken: tokens.get(2)!, output: '{}' })).rejects.toMatchObject({ name: expect.stringMatching(/TaskTimedOut|InvalidToken/) });
  } finally {
    await t.close();
  }
});
