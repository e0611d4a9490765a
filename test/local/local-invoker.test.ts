import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTaskInvoker } from '../../lambda/local/local-invoker';
import { resolverFromTable } from '../../lambda/local/tasks';
import type { TaskFunction } from '../../lambda/local/runner';
import type { TaskInvoker, TaskRequest } from '../../lambda/ports';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:AddTotal';

function request(resource: string, input: unknown, extra: Partial<TaskRequest> = {}): TaskRequest {
  return { resource, input, executionArn: 'arn:aws:states:us-east-1:1:execution:sm:e1', stateName: 'S', attempt: 1, idempotencyKey: 'k', ...extra };
}

const table = (t: Record<string, TaskFunction>) => resolverFromTable(t);

describe('LocalTaskInvoker', () => {
  test('runs the function for a direct ARN, by ARN or by bare name', async () => {
    const inv = new LocalTaskInvoker(table({ AddTotal: async (x) => ({ total: (x as { a: number }).a + 1 }) }));
    await expect(inv.invoke(request(FN, { a: 1 }))).resolves.toEqual({ ok: true, output: { total: 2 } });
  });

  test('lambda:invoke passes Payload and wraps the result like the Lambda integration', async () => {
    const inv = new LocalTaskInvoker(table({ AddTotal: (x) => x }));
    const out = await inv.invoke(request('arn:aws:states:::lambda:invoke', { FunctionName: FN, Payload: { n: 3 } }));
    expect(out).toMatchObject({ ok: true, output: { Payload: { n: 3 }, StatusCode: 200 } });
  });

  test('a function returning nothing gives null', async () => {
    const inv = new LocalTaskInvoker(table({ AddTotal: () => undefined }));
    await expect(inv.invoke(request(FN, {}))).resolves.toEqual({ ok: true, output: null });
  });

  test('the context carries attempt, state, execution and task token', async () => {
    let seen: unknown;
    const inv = new LocalTaskInvoker(table({ AddTotal: (_x, ctx) => ((seen = { ...ctx, sleep: typeof ctx.sleep }), 1) }));
    await inv.invoke(request(FN, {}, { attempt: 3, taskToken: 'tok' }));
    expect(seen).toEqual({ resource: FN, attempt: 3, executionArn: 'arn:aws:states:us-east-1:1:execution:sm:e1', stateName: 'S', taskToken: 'tok', sleep: 'function' });
  });

  test('unknown resource: States.TaskFailed naming it', async () => {
    const inv = new LocalTaskInvoker(table({}));
    await expect(inv.invoke(request('arn:aws:lambda:us-east-1:1:function:Nope', {}))).resolves.toEqual({
      ok: false,
      error: 'States.TaskFailed',
      cause: "No local task is configured for resource 'arn:aws:lambda:us-east-1:1:function:Nope'.",
    });
    await expect(new LocalTaskInvoker(undefined).invoke(request(FN, {}))).resolves.toMatchObject({ ok: false, error: 'States.TaskFailed' });
  });

  test('thrown errors map like the runner: {error, cause} objects, Error subclasses, anything else', async () => {
    class GradeError extends Error {
      name = 'GradeError';
    }
    const inv = new LocalTaskInvoker(
      table({
        obj: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
          throw { error: 'Custom.Failure', cause: { why: 'x' } };
        },
        sub: async () => {
          throw new GradeError('bad grade');
        },
        plain: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what this tests: a task that throws something other than {error, cause} or an Error
          throw 'nope';
        },
      }),
    );
    await expect(inv.invoke(request('obj', {}))).resolves.toEqual({ ok: false, error: 'Custom.Failure', cause: '{"why":"x"}' });
    await expect(inv.invoke(request('sub', {}))).resolves.toEqual({ ok: false, error: 'GradeError', cause: 'bad grade' });
    await expect(inv.invoke(request('plain', {}))).resolves.toEqual({ ok: false, error: 'Error', cause: 'nope' });
  });

  test('callback resources: started, not awaited; no output; a throw goes to onCallbackError', async () => {
    let release!: () => void;
    const started = jest.fn();
    const inv = new LocalTaskInvoker(
      table({
        AddTotal: async (_x, ctx) => {
          started(ctx.taskToken);
          await new Promise<void>((r) => (release = r));
          throw new Error('late');
        },
      }),
      undefined,
      { onCallbackError: (failure, req) => errors.push({ ...failure, state: req.stateName }) },
    );
    const errors: unknown[] = [];
    const out = await inv.invoke(request('arn:aws:states:::lambda:invoke.waitForTaskToken', { FunctionName: 'AddTotal', Payload: {} }, { taskToken: 'tok' }));
    expect(out).toEqual({ ok: true, output: undefined });
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveBeenCalledWith('tok');
    release();
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([{ error: 'Error', cause: 'late', state: 'S' }]);
  });

  test('loads a task module from a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-local-'));
    try {
      const file = join(dir, 'tasks.js');
      writeFileSync(file, 'module.exports = { Double: async (x) => x * 2 };');
      const inv = new LocalTaskInvoker(file);
      await expect(inv.invoke(request('arn:aws:lambda:us-east-1:1:function:Double', 21))).resolves.toEqual({ ok: true, output: 42 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LocalTaskInvoker: hybrid mode', () => {
  const remoteInvoke = jest.fn(async () => ({ ok: true as const, output: 'from-aws' }));
  const remote: TaskInvoker = { invoke: remoteInvoke };

  test('selected resources go to the remote invoker, the rest run locally', async () => {
    const local = jest.fn(() => 'local');
    const inv = new LocalTaskInvoker(table({ AddTotal: local, Prod: local }), {
      remote,
      remoteResources: (resource, input) => resource.includes(':function:prod-') || (input as { FunctionName?: string })?.FunctionName === 'Prod',
    });
    const remoteReq = request('arn:aws:lambda:eu-west-1:1:function:prod-grade', { a: 1 });
    await expect(inv.invoke(remoteReq)).resolves.toEqual({ ok: true, output: 'from-aws' });
    expect(remoteInvoke).toHaveBeenCalledWith(remoteReq);
    // a local function of the same name does not win over an explicit remote selection
    await expect(inv.invoke(request('arn:aws:states:::lambda:invoke', { FunctionName: 'Prod' }))).resolves.toEqual({ ok: true, output: 'from-aws' });
    await expect(inv.invoke(request(FN, {}))).resolves.toEqual({ ok: true, output: 'local' });
    expect(local).toHaveBeenCalledTimes(1);
  });
});
