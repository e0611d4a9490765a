/**
 * Issue #15 item 1 on the local runtime: Lambda in every form AWS accepts — function ARN with or
 * without an alias or version, and lambda:invoke with a name, name:qualifier, partial or full ARN —
 * results wrapped as AWS wraps them, the function's own error names, and .waitForTaskToken.
 */
import { startTestEngine, type TestEngine } from './harness';
import * as svc from '../../lambda/runtime/service';
import { functionNameOf } from '../../lambda/lambda-integration';

class GradeTooLow extends Error {
  name = 'GradeTooLow';
}

let t: TestEngine;
const tokens: string[] = [];
beforeAll(async () => {
  t = await startTestEngine({
    tasks: {
      grade: (input) => {
        const score = (input as { score: number }).score;
        if (score < 50) throw new GradeTooLow(`score ${score}`);
        return { grade: score >= 90 ? 'A' : 'B' };
      },
      park: (input) => {
        tokens.push((input as { token: string }).token);
      },
    },
  });
});
afterAll(() => t.close());

async function run(name: string, state: Record<string, unknown>, input: unknown) {
  const sm = await t.machine(name, { StartAt: 'T', States: { T: { Type: 'Task', End: true, ...state } } });
  return t.finished(await t.start(sm, input));
}

describe('functionNameOf', () => {
  it.each([
    ['grade', 'grade'],
    ['grade:prod', 'grade'],
    ['grade:7', 'grade'],
    ['123456789012:function:grade', 'grade'],
    ['123456789012:function:grade:prod', 'grade'],
    ['arn:aws:lambda:us-east-1:123456789012:function:grade', 'grade'],
    ['arn:aws:lambda:us-east-1:123456789012:function:grade:$LATEST', 'grade'],
  ])('%s names %s', (given, name) => expect(functionNameOf(given)).toBe(name));
});

describe('a function ARN as the Resource', () => {
  it.each(['', ':prod', ':7'])('with qualifier "%s": the state input is the event, the result the return value', async (qualifier) => {
    const rec = await run(`direct${qualifier.replace(':', '-')}`, { Resource: `arn:aws:lambda:us-east-1:123456789012:function:grade${qualifier}` }, { score: 95 });
    expect([rec.status, JSON.parse(rec.output!)]).toEqual(['SUCCEEDED', { grade: 'A' }]);
  });

  it('reports a thrown error by its own name, as Lambda\'s errorType', async () => {
    const rec = await run('direct-error', { Resource: 'arn:aws:lambda:us-east-1:123456789012:function:grade' }, { score: 10 });
    expect([rec.status, rec.error]).toEqual(['FAILED', 'GradeTooLow']);
    expect(rec.cause).toContain('score 10');
  });
});

describe('arn:aws:states:::lambda:invoke', () => {
  it.each(['grade', 'grade:prod', '123456789012:function:grade', 'arn:aws:lambda:us-east-1:123456789012:function:grade:7'])(
    'FunctionName %s: the Payload is the event and the result is Invoke\'s response',
    async (functionName) => {
      const rec = await run(`invoke-${functionName.replace(/[^a-z0-9]/gi, '-')}`.slice(0, 80), { Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: functionName, 'Payload.$': '$' } }, { score: 70 });
      expect(rec.status).toBe('SUCCEEDED');
      expect(JSON.parse(rec.output!)).toEqual({
        ExecutedVersion: '$LATEST',
        Payload: { grade: 'B' },
        SdkHttpMetadata: { HttpHeaders: {}, HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: expect.any(String) },
        StatusCode: 200,
      });
    },
  );

  it('.waitForTaskToken: the function gets the token, SendTaskSuccess gives the result unwrapped', async () => {
    const sm = await t.machine('invoke-callback', {
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'park', Payload: { 'token.$': '$$.Task.Token' } }, End: true } },
    });
    const arn = await t.start(sm, {});
    while (tokens.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect((await t.get(arn)).status).toBe('RUNNING');
    await svc.sendTaskSuccess(t.deps, { taskToken: tokens[0], output: '{"approved": true}' });
    const rec = await t.finished(arn);
    expect([rec.status, JSON.parse(rec.output!)]).toEqual(['SUCCEEDED', { approved: true }]);
  });
});
