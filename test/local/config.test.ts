import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { loadConfig, remoteMatcher, ConfigError } from '../../lambda/local/config';
import type { TaskRequest } from '../../lambda/ports';

const DEF = { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:AddTotal', End: true } } };

let dir: string;
let n = 0;
beforeEach(() => {
  // a fresh directory per test: require() caches modules by path
  dir = mkdtempSync(join(tmpdir(), `sw-config-${n++}-`));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, content: unknown): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const config = (content: unknown) => write('stepwright.config.json', content);
const req = (resource: string, input: unknown): TaskRequest => ({ resource, input, executionArn: 'e', stateName: 'S', attempt: 1, idempotencyKey: 'k' });

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('loads definitions from files (relative to the config) and inline, and a task module', async () => {
    write('defs/exam.json', DEF);
    write('tasks.js', 'module.exports = { AddTotal: async (x) => ({ total: x.a + x.b }) };');
    const file = config({
      stateMachines: [
        { name: 'exam-results', definition: 'defs/exam.json', roleArn: 'arn:aws:iam::123456789012:role/sw' },
        { name: 'inline', definition: DEF },
      ],
      tasks: 'tasks.js',
    });
    const cfg = loadConfig(file);
    expect(cfg.stateMachines.map((s) => s.name)).toEqual(['exam-results', 'inline']);
    expect(cfg.stateMachines[0].definition).toEqual(DEF);
    expect(cfg.stateMachines[0].definitionText).toBe(JSON.stringify(DEF, null, 2));
    expect(cfg.stateMachines[0].roleArn).toBe('arn:aws:iam::123456789012:role/sw');
    expect(cfg.stateMachines[1]).not.toHaveProperty('roleArn');
    expect(JSON.parse(cfg.stateMachines[1].definitionText)).toEqual(DEF);
    await expect(cfg.invoker.invoke(req('arn:aws:lambda:us-east-1:1:function:AddTotal', { a: 1, b: 2 }))).resolves.toEqual({ ok: true, output: { total: 3 } });
  });

  test('tasks as a map of "module#export" (default export or module.exports = fn without #)', async () => {
    write('lib/grading.js', 'exports.add = (x) => x + 1; exports.notFn = 3;');
    write('lib/single.js', 'module.exports = (x) => x * 10;');
    write('lib/esm.js', 'exports.default = (x) => -x;');
    const cfg = loadConfig(config({ tasks: { Add: 'lib/grading.js#add', 'arn:aws:lambda:us-east-1:1:function:Ten': 'lib/single.js', Neg: 'lib/esm' } }));
    expect(cfg.stateMachines).toEqual([]);
    await expect(cfg.invoker.invoke(req('arn:aws:lambda:eu-west-1:9:function:Add', 1))).resolves.toEqual({ ok: true, output: 2 });
    await expect(cfg.invoker.invoke(req('arn:aws:lambda:us-east-1:1:function:Ten', 2))).resolves.toEqual({ ok: true, output: 20 });
    await expect(cfg.invoker.invoke(req('arn:aws:states:::lambda:invoke', { FunctionName: 'Neg', Payload: 4 }))).resolves.toMatchObject({ ok: true, output: { Payload: -4 } });
    await expect(cfg.invoker.invoke(req('Other', 1))).resolves.toMatchObject({ ok: false, error: 'States.TaskFailed' });
  });

  test('remoteLambda sends matching resources to Lambda, others stay local', async () => {
    write('tasks.js', 'module.exports = { AddTotal: () => "local" };');
    const send = jest.fn(async () => ({ StatusCode: 200, Payload: new Uint8Array(Buffer.from('"remote"')), $metadata: {} }));
    const cfg = loadConfig(config({ tasks: 'tasks.js', remoteLambda: { resources: ['arn:aws:lambda:eu-west-1:*:function:prod-*'], region: 'eu-west-1' } }), {
      lambdaClient: { send } as unknown as LambdaClient,
    });
    expect(cfg.remoteLambda).toEqual({ resources: ['arn:aws:lambda:eu-west-1:*:function:prod-*'], region: 'eu-west-1' });
    await expect(cfg.invoker.invoke(req('arn:aws:lambda:eu-west-1:123456789012:function:prod-grade', {}))).resolves.toEqual({ ok: true, output: 'remote' });
    await expect(cfg.invoker.invoke(req('arn:aws:lambda:us-east-1:1:function:AddTotal', {}))).resolves.toEqual({ ok: true, output: 'local' });
    expect(send).toHaveBeenCalledTimes(1);
  });

  describe('errors name the field', () => {
    test.each([
      ['missing config file', null, /stepwright\.config\.json: file not found: /],
      ['not JSON', '{ nope', /stepwright\.config\.json: not valid JSON: /],
      ['not an object', [], /stepwright\.config\.json: must be a JSON object$/],
      ['unknown top-level field', { stateMachine: [] }, /: unknown field 'stateMachine' \(expected one of: /],
      ['stateMachines not an array', { stateMachines: {} }, /: stateMachines: must be an array$/],
      ['missing definition file', { stateMachines: [{ name: 'a', definition: 'nope.json' }] }, /stepwright\.config\.json: stateMachines\[0\]\.definition: file not found: .*nope\.json$/],
      ['definition of the wrong type', { stateMachines: [{ name: 'a', definition: 3 }] }, /stateMachines\[0\]\.definition: must be a file path/],
      ['invalid definition', { stateMachines: [{ name: 'a', definition: { StartAt: 'X', States: {} } }] }, /stateMachines\[0\]\.definition: invalid definition \(\d+ problems?\):\n/],
      ['bad name', { stateMachines: [{ name: 'has space', definition: DEF }] }, /stateMachines\[0\]\.name: must be 1 to 80 characters/],
      ['duplicate name', { stateMachines: [{ name: 'a', definition: DEF }, { name: 'a', definition: DEF }] }, /stateMachines\[1\]\.name: 'a' is used by an earlier state machine/],
      ['bad roleArn', { stateMachines: [{ name: 'a', definition: DEF, roleArn: 'role' }] }, /stateMachines\[0\]\.roleArn: must be an IAM role ARN/],
      ['unknown state machine field', { stateMachines: [{ name: 'a', definition: DEF, type: 'EXPRESS' }] }, /stateMachines\[0\]: unknown field 'type'/],
      ['missing task module', { tasks: 'missing.js' }, /: tasks: file not found: .*missing\.js$/],
      ['tasks of the wrong type', { tasks: 3 }, /: tasks: must be a module path/],
      ['missing mapped module', { tasks: { A: 'nope.js#a' } }, /: tasks\["A"\]: file not found: .*nope\.js$/],
      ['remote resources empty', { remoteLambda: { resources: [] } }, /: remoteLambda\.resources: must be a non-empty array/],
      ['remote bad region', { remoteLambda: { resources: ['x'], region: 'Europe' } }, /: remoteLambda\.region: must be an AWS region/],
    ])('%s', (_what, content, message) => {
      const file = content === null ? join(dir, 'stepwright.config.json') : config(content);
      expect(errorOf(() => loadConfig(file))).toMatch(message);
    });

    test('a mapped export that is not a function', () => {
      write('m.js', 'exports.notFn = 3;');
      expect(errorOf(() => loadConfig(config({ tasks: { A: 'm.js#notFn' } })))).toMatch(/tasks\["A"\]: .*m\.js has no function export 'notFn'/);
      expect(errorOf(() => loadConfig(config({ tasks: { A: 'm.js' } })))).toMatch(/tasks\["A"\]: .*m\.js exports no single function; name one with '#exportName'/);
    });

    test('a task module that throws on load, or exports no functions', () => {
      write('boom.js', 'throw new Error("kaboom");');
      write('empty.js', 'module.exports = { x: 1 };');
      expect(errorOf(() => loadConfig(config({ tasks: 'boom.js' })))).toMatch(/: tasks: cannot load .*boom\.js: kaboom/);
      expect(errorOf(() => loadConfig(config({ tasks: 'empty.js' })))).toMatch(/: tasks: cannot load .*empty\.js: .*exports no task functions/);
    });

    test('a definition file that is not JSON', () => {
      write('bad.json', '{');
      expect(errorOf(() => loadConfig(config({ stateMachines: [{ name: 'a', definition: 'bad.json' }] })))).toMatch(/stateMachines\[0\]\.definition: not valid JSON: /);
    });
  });
});

describe('remoteMatcher', () => {
  const m = remoteMatcher(['arn:aws:lambda:eu-west-1:*:function:prod-*', 'billing']);
  const invoke = 'arn:aws:states:::lambda:invoke';

  test.each([
    ['arn:aws:lambda:eu-west-1:123:function:prod-grade', undefined, true],
    ['arn:aws:lambda:eu-west-1:123:function:prod-grade:live', undefined, true],
    ['arn:aws:lambda:us-east-1:123:function:prod-grade', undefined, false],
    ['arn:aws:lambda:us-east-1:123:function:billing', undefined, true],
    ['arn:aws:lambda:us-east-1:123:function:billing-v2', undefined, false],
    [invoke, { FunctionName: 'arn:aws:lambda:eu-west-1:123:function:prod-x' }, true],
    [invoke, { FunctionName: 'prod-x' }, true],
    [invoke, { FunctionName: 'prod-x:live' }, true],
    [invoke, { FunctionName: '123:function:prod-x' }, true],
    [invoke, { FunctionName: 'billing' }, true],
    [`${invoke}.waitForTaskToken`, { FunctionName: 'dev-x' }, false],
    ['arn:aws:states:::sqs:sendMessage', { QueueUrl: 'prod-x' }, false],
  ])('%s %j -> %s', (resource, input, expected) => {
    expect(m(resource, input)).toBe(expected);
  });
});
