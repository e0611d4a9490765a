/**
 * User-given keys that name Object.prototype members (constructor, __proto__, toString, valueOf,
 * hasOwnProperty) are ordinary keys everywhere: Task resources and function names, state names,
 * variable names, keys of payload templates and of data, context and Choice paths, config tables.
 * Before, a Task resource named `constructor` "succeeded" with Object's own function, and `__proto__`
 * failed with no error and no cause; in the worker, the integrations table answered them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExecution } from '../../lambda/local/runner';
import { resolverFromTable } from '../../lambda/local/tasks';
import { loadConfig } from '../../lambda/local/config';
import { integrationFor } from '../../lambda/runtime/integrations';
import { validateDefinition } from '../../lambda/asl/validate';
import { redriveProblems } from '../../lambda/engine/redrive';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { ExecutionSnapshot } from '../../lambda/engine/types';
import * as svc from '../../lambda/runtime/service';
import { startTestEngine, type TestEngine } from '../runtime/harness';

const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];
/** Definitions and data are JSON text: JSON.parse makes "__proto__" an own key (an object literal would not). */
const parse = <T = StateMachineDefinition>(text: string) => JSON.parse(text) as T;
const q = JSON.stringify;

async function run(definition: StateMachineDefinition, input: unknown = {}, tasks: Parameters<typeof resolverFromTable>[0] = {}) {
  expect(validateDefinition(definition)).toEqual([]);
  return runExecution({ definition, input, tasks: resolverFromTable(tasks), fastTimers: true });
}

/** Equal as JSON, and every key an own data property (what JSON.parse of the same text gives). */
function expectSameJson(actual: unknown, expectedText: string): void {
  expect(JSON.stringify(actual)).toBe(JSON.stringify(JSON.parse(expectedText)));
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (!Array.isArray(v)) expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
  };
  walk(actual);
}

describe('Task resources and function names', () => {
  const taskOf = (resource: string) => ({ StartAt: 'T', States: { T: { Type: 'Task' as const, Resource: resource, End: true } } });

  it.each(PROTO_NAMES)('a Task with resource %s and no such task ends FAILED, naming the resource (stepwright run)', async (name) => {
    const r = await run(taskOf(name), {}, { other: () => 1 });
    expect([r.status, r.error, r.cause]).toEqual(['FAILED', 'States.TaskFailed', `No local task is configured for resource '${name}'.`]);
  });

  it('a lambda:invoke FunctionName named constructor is not found either, and the cause names it', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task' as const, Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'constructor' }, End: true } } };
    const r = await run(def);
    expect([r.status, r.cause]).toEqual(['FAILED', "No local task is configured for resource 'arn:aws:states:::lambda:invoke' with FunctionName 'constructor'."]);
  });

  it('a task really named __proto__ or constructor is found', async () => {
    const tasks = new Map([['__proto__', () => 'proto task'], ['constructor', () => 'ctor task']]);
    expect((await run(taskOf('__proto__'), {}, tasks)).output).toBe('proto task');
    expect((await run(taskOf('constructor'), {}, tasks)).output).toBe('ctor task');
    expect((await run(taskOf('__proto__'), {}, Object.fromEntries(tasks))).output).toBe('proto task');
  });

  it('the integrations registry answers only its own resources', () => {
    for (const name of PROTO_NAMES) expect(integrationFor(name)).toBeUndefined();
    expect(integrationFor('arn:aws:states:::states:startExecution')).toBeInstanceOf(Function);
  });

  it('a config file\'s tasks table may name a resource __proto__, and #constructor is no export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-proto-config-'));
    try {
      writeFileSync(join(dir, 'm.js'), 'exports.hello = () => "hello";');
      writeFileSync(join(dir, 'stepwright.config.json'), '{"tasks": {"__proto__": "m.js#hello"}}');
      const cfg = loadConfig(join(dir, 'stepwright.config.json'));
      await expect(cfg.invoker.invoke({ resource: '__proto__', input: {}, executionArn: 'e', stateName: 'S', attempt: 1, idempotencyKey: 'k' })).resolves.toEqual({ ok: true, output: 'hello' });
      await expect(cfg.invoker.invoke({ resource: 'constructor', input: {}, executionArn: 'e', stateName: 'S', attempt: 1, idempotencyKey: 'k' })).resolves.toMatchObject({ ok: false, error: 'States.TaskFailed' });
      writeFileSync(join(dir, 'bad.json'), '{"tasks": {"A": "m.js#constructor"}}');
      expect(() => loadConfig(join(dir, 'bad.json'))).toThrow("has no function export 'constructor'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('payload templates and data keep such keys as own data properties', () => {
  it('Parameters {"__proto__": {"x":1}, "constructor": 2}', async () => {
    const r = await run(parse(`{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"__proto__": {"x": 1}, "constructor": 2, "toString": "s", "in.$": "$"}, "End": true}}}`), parse('{"__proto__": {"y": 2}}'));
    expect(r.status).toBe('SUCCEEDED');
    expectSameJson(r.output, '{"__proto__": {"x": 1}, "constructor": 2, "toString": "s", "in": {"__proto__": {"y": 2}}}');
  });

  it('ResultSelector and ItemSelector', async () => {
    const sel = await run(parse(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "f", "ResultSelector": {"__proto__": {"x": 1}, "constructor.$": "$"}, "End": true}}}`), {}, { f: () => ({ a: 1 }) });
    expectSameJson(sel.output, '{"__proto__": {"x": 1}, "constructor": {"a": 1}}');
    const map = await run(parse(`{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemSelector": {"__proto__.$": "$$.Map.Item.Value"}, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`), [1, 2]);
    expectSameJson(map.output, '[{"__proto__": 1}, {"__proto__": 2}]');
  });

  it('JSONata Output, from the template and from the input', async () => {
    const r = await run(parse(`{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"__proto__": {"x": 1}, "constructor": "{% 2 %}", "in": "{% $states.input %}"}, "End": true}}}`), parse('{"__proto__": {"y": 2}, "constructor": 3}'));
    expectSameJson(r.output, '{"__proto__": {"x": 1}, "constructor": 2, "in": {"__proto__": {"y": 2}, "constructor": 3}}');
  });

  it('ResultPath $.__proto__ writes a key', async () => {
    const r = await run({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 1, ResultPath: '$.__proto__', End: true } } }, { a: 1 });
    expectSameJson(r.output, '{"a": 1, "__proto__": 1}');
  });
});

describe('state names', () => {
  it.each(PROTO_NAMES)('a state named %s is entered, left, chosen and caught like any other', async (name) => {
    const def = parse(`{"StartAt": "Choose", "States": {
      "Choose": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": ${q(name)}}], "Default": "Done"},
      ${q(name)}: {"Type": "Task", "Resource": "boom", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Done"}], "Next": "Done"},
      "Done": {"Type": "Pass", "End": true}}}`);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
    const r = await run(def, { go: true }, { boom: () => { throw { error: 'Boom', cause: 'x' }; } });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toEqual({ go: true, caught: { Error: 'Boom', Cause: 'x' } });
    expect(r.history.filter((e) => e.type === 'TaskStateEntered').map((e) => (e as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails?.name)).toEqual([name]);
  });

  it.each(PROTO_NAMES)('a transition to a missing state named %s is refused by the validator', (name) => {
    expect(validateDefinition(parse(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": ${q(name)}}}}`))).toEqual([{ pointer: '/States/A/Next', message: `no state named "${name}"` }]);
    expect(validateDefinition(parse(`{"StartAt": ${q(name)}, "States": {"A": {"Type": "Pass", "End": true}}}`))).toEqual([{ pointer: '/StartAt', message: `no state named "${name}"` }]);
  });

  it('redrive onto a definition that lacks the state named constructor reports it', () => {
    const snap = { runs: { root: { id: 'root', machinePath: [], stateName: 'constructor' } } } as unknown as ExecutionSnapshot;
    expect(redriveProblems({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, snap)).toEqual(['/States/constructor: the state this execution stopped in does not exist in the new definition']);
  });
});

describe('variable names', () => {
  it('JSONPath: variables named constructor, __proto__ and toString are set and read', async () => {
    const r = await run(parse(`{"StartAt": "A", "States": {
      "A": {"Type": "Pass", "Assign": {"constructor": 1, "__proto__": {"p": 2}, "toString": "t"}, "Next": "B"},
      "B": {"Type": "Pass", "Parameters": {"c.$": "$constructor", "p.$": "$__proto__", "t.$": "$toString"}, "End": true}}}`));
    expectSameJson(r.output, '{"c": 1, "p": {"p": 2}, "t": "t"}');
  });

  it('JSONata: the same', async () => {
    const r = await run(parse(`{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
      "A": {"Type": "Pass", "Assign": {"constructor": 1, "__proto__": {"p": 2}}, "Next": "B"},
      "B": {"Type": "Pass", "Output": {"c": "{% $constructor %}", "p": "{% $__proto__ %}"}, "End": true}}}`));
    expectSameJson(r.output, '{"c": 1, "p": {"p": 2}}');
  });

  it('an unassigned variable named constructor is not found (not Object\'s constructor)', async () => {
    const r = await run({ StartAt: 'B', States: { B: { Type: 'Pass', Parameters: { 'c.$': '$constructor' }, End: true } } });
    expect([r.status, r.error]).toEqual(['FAILED', 'States.Runtime']);
    expect(r.cause).toContain("The JSONPath '$constructor' specified for the field 'c.$' could not be found");
  });
});

describe('context object and Choice paths', () => {
  it('$$.Execution.Input.__proto__ reads the key; $$.constructor finds nothing', async () => {
    const ok = await run({ StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'a.$': '$$.Execution.Input.__proto__' }, End: true } } }, parse('{"__proto__": {"z": 1}}'));
    expectSameJson(ok.output, '{"a": {"z": 1}}');
    const missing = await run({ StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'a.$': '$$.constructor' }, End: true } } });
    expect([missing.status, missing.error]).toEqual(['FAILED', 'States.Runtime']);
  });

  it('Choice: $.constructor is not present on {a: 1}; $.__proto__ is present when the data has it', async () => {
    const def = (path: string): StateMachineDefinition => ({ StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Variable: path, IsPresent: true, Next: 'Yes' }], Default: 'No' }, Yes: { Type: 'Pass', Result: 'yes', End: true }, No: { Type: 'Pass', Result: 'no', End: true } } });
    expect((await run(def('$.constructor'), { a: 1 })).output).toBe('no');
    expect((await run(def('$.toString'), { a: 1 })).output).toBe('no');
    expect((await run(def('$.__proto__'), { a: 1 })).output).toBe('no');
    expect((await run(def('$.__proto__'), parse('{"__proto__": 0}'))).output).toBe('yes');
  });
});

describe('the validator', () => {
  it('calls a field named like an Object.prototype member unknown', () => {
    expect(validateDefinition(parse('{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "constructor": 1, "toString": 2}}}'))).toEqual([
      { pointer: '/States/A/constructor', message: 'field "constructor" is not supported in a Pass state' },
      { pointer: '/States/A/toString', message: 'field "toString" is not supported in a Pass state' },
    ]);
    const issues = validateDefinition(parse('{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "toString": 1, "Next": "Y"}], "Default": "Y"}, "Y": {"Type": "Succeed"}}}'));
    expect(issues).toContainEqual({ pointer: '/States/C/Choices/0/toString', message: 'field "toString" is not supported in a choice rule' });
  });
});

describe('on the durable engine (the worker\'s path)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ tasks: { real: () => 'ok' } });
  });
  afterAll(() => t.close());

  it.each(['constructor', '__proto__', 'valueOf', 'hasOwnProperty'])('a Task with resource %s ends FAILED with an error and a cause naming it', async (name) => {
    const sm = await t.machine(`task-${name.replace(/_/g, 'u')}`, { StartAt: 'T', States: { T: { Type: 'Task', Resource: name, End: true } } });
    const rec = await t.finished(await t.start(sm, {}));
    expect([rec.status, rec.error]).toEqual(['FAILED', 'States.TaskFailed']);
    expect(rec.cause).toContain(`'${name}'`);
  });

  it('a StartExecution input with __proto__ keys round-trips unchanged', async () => {
    const text = '{"__proto__": {"x": 1}, "constructor": 2, "nested": {"__proto__": [1, {"__proto__": null}]}}';
    const sm = await t.machine('echo', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const { executionArn } = await svc.startExecution(t.deps, { stateMachineArn: sm, input: text });
    const rec = await t.finished(executionArn);
    expect(rec.status).toBe('SUCCEEDED');
    const described = await svc.describeExecution(t.deps, executionArn);
    expectSameJson(JSON.parse(described.input), text);
    expectSameJson(JSON.parse(described.output!), text);
  });
});
