/**
 * A local JS task standing in for a Lambda function fails as a Node.js Lambda does: the error is the
 * thrown Error's `name`, the cause the runtime's error document {errorType, errorMessage, trace} as
 * text (Lambda developer guide, "AWS Lambda function errors in Node.js"; Step Functions reports the
 * document's errorType and the document itself). Other resources keep the local task contract.
 */
import { LocalTaskInvoker } from '../../lambda/local/local-invoker';
import { runExecution, type TaskFunction } from '../../lambda/local/runner';
import { nodeLambdaFailure, resolverFromTable } from '../../lambda/local/tasks';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { TaskOutcome, TaskRequest } from '../../lambda/ports';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:Lookup';
const INVOKE = 'arn:aws:states:::lambda:invoke';

class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

function request(resource: string, input: unknown): TaskRequest {
  return { resource, input, executionArn: 'arn:aws:states:us-east-1:1:execution:sm:e1', stateName: 'S', attempt: 1, idempotencyKey: 'k' };
}

function failureOf(outcome: TaskOutcome): { error: string; doc: { errorType: string; errorMessage: string; trace: string[] } } {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return { error: outcome.error, doc: JSON.parse(outcome.cause ?? 'null') as { errorType: string; errorMessage: string; trace: string[] } };
}

const throwing = (value: unknown): TaskFunction => () => {
  throw value;
};

describe('local tasks for Lambda resources fail like a Node.js Lambda', () => {
  test('direct function ARN: error name from the Error, cause the JSON error document with the stack as trace', async () => {
    const inv = new LocalTaskInvoker(resolverFromTable({ Lookup: throwing(new NotFound('no order 42')) }));
    const { error, doc } = failureOf(await inv.invoke(request(FN, {})));
    expect(error).toBe('NotFound');
    expect(Object.keys(doc)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(doc.errorType).toBe('NotFound');
    expect(doc.errorMessage).toBe('no order 42');
    expect(doc.trace[0]).toBe('NotFound: no order 42');
    expect(doc.trace.length).toBeGreaterThan(1);
    expect(doc.trace[1]).toMatch(/^\s+at /);
  });

  test('lambda:invoke: the same failure for the function named in FunctionName', async () => {
    const inv = new LocalTaskInvoker(resolverFromTable({ Lookup: async () => Promise.reject(new TypeError('bad id')) }));
    const { error, doc } = failureOf(await inv.invoke(request(INVOKE, { FunctionName: FN, Payload: {} })));
    expect(error).toBe('TypeError');
    expect(doc).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad id' });
  });

  test('a plain Error is "Error"; a subclass that does not set name is "Error" too, as Error.prototype.name says', async () => {
    class Unnamed extends Error {}
    const inv = new LocalTaskInvoker(resolverFromTable({ A: throwing(new Error('plain')), B: throwing(new Unnamed('sub')) }));
    expect(failureOf(await inv.invoke(request('arn:aws:lambda:us-east-1:1:function:A', {}))).error).toBe('Error');
    expect(failureOf(await inv.invoke(request('arn:aws:lambda:us-east-1:1:function:B', {}))).doc).toMatchObject({ errorType: 'Error', errorMessage: 'sub' });
  });

  test('a thrown non-Error: typeof as the type, its text as the message, an empty trace', async () => {
    const inv = new LocalTaskInvoker(resolverFromTable({ S: throwing('out of stock'), N: throwing(42) }));
    await expect(inv.invoke(request('arn:aws:lambda:us-east-1:1:function:S', {}))).resolves.toEqual({
      ok: false,
      error: 'string',
      cause: '{"errorType":"string","errorMessage":"out of stock","trace":[]}',
    });
    expect(failureOf(await inv.invoke(request('arn:aws:lambda:us-east-1:1:function:N', {}))).doc).toEqual({ errorType: 'number', errorMessage: '42', trace: [] });
  });

  test('a thrown {error, cause} keeps its own error and cause (the local task contract)', async () => {
    const inv = new LocalTaskInvoker(resolverFromTable({ Lookup: throwing({ error: 'Order.Missing', cause: 'gone' }) }));
    await expect(inv.invoke(request(FN, {}))).resolves.toEqual({ ok: false, error: 'Order.Missing', cause: 'gone' });
  });

  test('resources that are not Lambda functions keep the bare message as the cause', async () => {
    const inv = new LocalTaskInvoker(resolverFromTable({ 'arn:aws:states:::sqs:sendMessage': throwing(new NotFound('queue')) }));
    await expect(inv.invoke(request('arn:aws:states:::sqs:sendMessage', {}))).resolves.toEqual({ ok: false, error: 'NotFound', cause: 'queue' });
  });

  test('nodeLambdaFailure reads an Error-shaped object (name, message and stack strings) as an Error', () => {
    const f = nodeLambdaFailure({ name: 'Custom', message: 'm', stack: 'Custom: m\n    at x' });
    expect(f).toEqual({ error: 'Custom', cause: '{"errorType":"Custom","errorMessage":"m","trace":["Custom: m","    at x"]}' });
  });

  test('through the interpreter: Catch on the Error name, the cause parsed with States.StringToJson', async () => {
    const definition = {
      StartAt: 'Lookup',
      States: {
        Lookup: { Type: 'Task', Resource: FN, Catch: [{ ErrorEquals: ['NotFound'], ResultPath: '$.err', Next: 'Explain' }], End: true },
        Explain: { Type: 'Pass', Parameters: { 'error.$': '$.err.Error', 'doc.$': 'States.StringToJson($.err.Cause)' }, End: true },
      },
    } as unknown as StateMachineDefinition;
    const r = await runExecution({ definition, input: {}, tasks: resolverFromTable({ Lookup: throwing(new NotFound('no order 42')) }), fastTimers: true });
    expect(r.status).toBe('SUCCEEDED');
    const out = r.output as { error: string; doc: { errorType: string; errorMessage: string; trace: string[] } };
    expect(out.error).toBe('NotFound');
    expect(out.doc.errorType).toBe('NotFound');
    expect(out.doc.errorMessage).toBe('no order 42');
    expect(out.doc.trace[0]).toBe('NotFound: no order 42');
  });
});
