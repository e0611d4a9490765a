/**
 * A message that can never be processed ends in the dead-letter list after the configured receives,
 * and its execution fails with a clear cause instead of hanging; once fixed, a redrive resumes it.
 */
import { startTestEngine, until, FN } from './harness';
import { redriveExecution } from '../../lambda/runtime/service';

it('poison message: dead-letter after maxReceiveCount, execution FAILED with the cause, redrivable', async () => {
  let broken = true;
  const t = await startTestEngine({ timeScale: 0, visibilityTimeoutSeconds: 0.05, maxReceiveCount: 3 });
  // an invoker bug (it throws instead of reporting a task failure) makes the invoke message fail every time
  const real = t.deps.invoker;
  t.deps.invoker = {
    invoke: async (req) => {
      if (broken) throw new Error('invoker exploded');
      return real.invoke(req);
    },
  };
  t.deps.taskLeaseSeconds = 0;
  try {
    const sm = await t.machine('poisoned', { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('missing'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true }, Caught: { Type: 'Pass', End: true } } });
    const arn = await t.start(sm, { a: 1 });
    const rec = await t.finished(arn, 20_000);
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toBe('Stepwright.WorkerFailure');
    expect(rec.cause).toMatch(/A work message \(invoke\) for this execution failed 3 times and went to the dead-letter queue\. Last error: invoker exploded/);
    // (with a 50 ms visibility timeout a slow machine may also redeliver the start message past its
    // receive count, as SQS would: look for the invoke message among the dead letters)
    const invokeLetter = () => t.engine.queue.deadLetters().find((d) => (d.body as { kind?: string }).kind === 'invoke');
    await until('the dead letter', () => (invokeLetter() ? true : undefined));
    expect(invokeLetter()!.body).toMatchObject({ kind: 'invoke', executionArn: arn });

    broken = false;
    await redriveExecution(t.deps, { executionArn: arn });
    const again = await t.finished(arn, 20_000);
    // the task has no local function: it fails as a task, which the Catch handles
    expect(again.status).toBe('SUCCEEDED');
    expect(JSON.parse(again.output!)).toMatchObject({ Error: 'States.TaskFailed' });
  } finally {
    await t.close();
  }
});
