/**
 * The payload limit on state outputs (256 KiB of UTF-8 JSON, MAX_DATA_DEPTH levels) holds exactly
 * while the interpreter checks most outputs by a bound from their input's size (payload-sizes.ts):
 * right at the limit an output passes, one byte or one level more fails with States.DataLimitExceeded,
 * whether the bound or the exact walk decides; a loose bound never fails an output that fits.
 */
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES } from '../../lambda/engine/limits';
import { limitProblemOf, measurePayload, PayloadSizes } from '../../lambda/engine/payload-sizes';
import { applyResultPath } from '../../lambda/asl/result-path';
import { runExecution, type RunResult } from '../../lambda/local/runner';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { Run } from '../../lambda/engine/types';

const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
const TOO_BIG = (state: string) => `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`;

function run(definition: StateMachineDefinition, input: unknown, tasks?: Record<string, (input: unknown) => unknown>): Promise<RunResult> {
  return runExecution({ definition, input, fastTimers: true, random, tasks: tasks && ((resource) => (tasks[resource] ? { fn: tasks[resource], input: undefined } : undefined)) });
}

/** A Pass writing `result` at `resultPath` into its input. */
function put(result: unknown, resultPath: string): StateMachineDefinition {
  return { StartAt: 'Put', States: { Put: { Type: 'Pass', Result: result, ResultPath: resultPath, End: true } } };
}

function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
}

describe('a Pass writing its Result at a ResultPath', () => {
  const input = { a: 'x'.repeat(100_000) };
  // the Result that makes the output exactly `total` bytes
  const filler = (total: number, unit = 'y', unitBytes = 1) => {
    const room = total - bytes({ ...input, b: '' });
    return unit.repeat(Math.floor(room / unitBytes)) + 'z'.repeat(room % unitBytes);
  };

  it.each([
    ['ASCII', 'y', 1],
    ['3-byte UTF-8 (€)', '€', 3],
    ['4-byte UTF-8 (a surrogate pair)', '😀', 4],
  ])('passes an output of exactly 256 KiB and fails one a byte over (%s)', async (_, unit, unitBytes) => {
    const exact = filler(MAX_PAYLOAD_BYTES, unit, unitBytes);
    const ok = await run(put(exact, '$.b'), input);
    expect(ok.status).toBe('SUCCEEDED');
    expect(bytes(ok.output)).toBe(MAX_PAYLOAD_BYTES);

    const over = await run(put(exact + 'z', '$.b'), input);
    expect(over.status).toBe('FAILED');
    expect(over.error).toBe('States.DataLimitExceeded');
    expect(over.cause).toBe(TOO_BIG('Put'));
  });

  it('writes into a deep ResultPath right up to the depth limit, and fails one level deeper', async () => {
    // {"a":{"b":{"c": value}}}: three levels of the path around the value's own
    const ok = await run(put(nested(MAX_DATA_DEPTH - 3), '$.a.b.c'), {});
    expect(ok.status).toBe('SUCCEEDED');
    const over = await run(put(nested(MAX_DATA_DEPTH - 2), '$.a.b.c'), {});
    expect(over.status).toBe('FAILED');
    expect(over.error).toBe('States.DataLimitExceeded');
    expect(over.cause).toBe(`The state/task 'Put' returned a result nested more than ${MAX_DATA_DEPTH} levels of objects and arrays deep (the data depth limit is ${MAX_DATA_DEPTH}).`);
  });

  it('fails at the very state whose output passes the limit, after outputs whose bound did not fit but whose size did', async () => {
    const chunk = 'y'.repeat(100_000);
    const definition: StateMachineDefinition = {
      StartAt: 'Replace',
      States: {
        // 200 KB input + 100 KB result: a bound of 300 KB, an output of 100 KB (the big member is replaced)
        Replace: { Type: 'Pass', Result: chunk, ResultPath: '$.a', Next: 'AddB' },
        AddB: { Type: 'Pass', Result: chunk, ResultPath: '$.b', Next: 'AddC' }, // 200 KB
        AddC: { Type: 'Pass', Result: chunk, ResultPath: '$.c', End: true }, // 300 KB: over
      },
    };
    const r = await run(definition, { a: 'x'.repeat(200_000) });
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('States.DataLimitExceeded');
    expect(r.cause).toBe(TOO_BIG('AddC'));
    expect(r.history.filter((e) => e.type === 'PassStateExited').map((e) => (e.stateExitedEventDetails as { name: string }).name)).toEqual(['Replace', 'AddB']);
  });

  it('runs a loop whose bound grows past the limit while its output stays under it', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Copy',
      States: {
        Copy: { Type: 'Pass', Parameters: { 'text.$': '$.big' }, ResultPath: '$.copy', Next: 'Count' }, // 60 KB, replaced each time
        Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.counter.n, 1)' }, ResultPath: '$.counter', Next: 'Again' },
        Again: { Type: 'Choice', Choices: [{ Variable: '$.counter.n', NumericLessThan: 12, Next: 'Copy' }], Default: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const big = 'x'.repeat(60_000);
    const r = await run(definition, { big, counter: { n: 0 } });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toEqual({ big, counter: { n: 12 }, copy: { text: big } });
  });
});

describe('outputs checked without a bound', () => {
  it('passes an input of exactly 256 KiB through a Choice and a Succeed, and refuses one a byte over at the start', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Look',
      States: { Look: { Type: 'Choice', Choices: [{ Variable: '$.s', IsPresent: true, Next: 'Done' }] }, Done: { Type: 'Succeed' } },
    };
    const exact = { s: 'x'.repeat(MAX_PAYLOAD_BYTES - bytes({ s: '' })) };
    const ok = await run(definition, exact);
    expect(ok.status).toBe('SUCCEEDED');
    expect(bytes(ok.output)).toBe(MAX_PAYLOAD_BYTES);
    const over = await run(definition, { s: exact.s + 'x' });
    expect(over.status).toBe('FAILED');
    expect(over.error).toBe('States.DataLimitExceeded');
    expect(over.cause).toBe('The execution input exceeds the maximum number of bytes service limit.');
  });

  it('fails a Task whose result fits but whose output, with ResultPath, does not', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', ResultPath: '$.r', End: true } },
    };
    const half = 'x'.repeat(150_000);
    const r = await run(definition, { half }, { 'arn:aws:lambda:us-east-1:111111111111:function:f': () => half });
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('States.DataLimitExceeded');
    expect(r.cause).toBe(TOO_BIG('Call'));
    const fits = await run(definition, { small: 1 }, { 'arn:aws:lambda:us-east-1:111111111111:function:f': () => half });
    expect(fits.status).toBe('SUCCEEDED');
    expect(fits.output).toEqual({ small: 1, r: half });
  });
});

describe('PayloadSizes.check against the exact measure', () => {
  const runFor = (stateInput: unknown): Run => ({ id: 'root', machinePath: [], status: 'RUNNING', stateName: 'S', stateInput, enteredEventId: 1, enteredTime: '', retryCounts: [], variables: {} });

  it('gives the exact answer for outputs around both limits, with and without a known input', () => {
    const base = { keep: 'k'.repeat(120_000), old: 'o'.repeat(50_000) };
    const cases: { path: string; value: unknown }[] = [];
    for (const room of [-7, -1, 0, 1, 2, 7]) {
      for (const path of ['$.new', '$.old', '$.deep.er.path', "$['ké\"y']"]) {
        const target = MAX_PAYLOAD_BYTES + room;
        const without = bytes(applyResultPath(base, path, ''));
        cases.push({ path, value: 'v'.repeat(Math.max(0, target - without)) });
        cases.push({ path, value: '€'.repeat(Math.max(0, Math.floor((target - without) / 3))) });
      }
    }
    cases.push({ path: '$.n', value: nested(MAX_DATA_DEPTH - 2) }, { path: '$.n', value: nested(MAX_DATA_DEPTH - 1) }, { path: '$.n.m', value: nested(MAX_DATA_DEPTH - 2) });
    for (const { path, value } of cases) {
      const output = applyResultPath(base, path, value);
      const expected = limitProblemOf(measurePayload(output));
      const known = new PayloadSizes();
      const r = runFor(base);
      known.note(r, base, measurePayload(base));
      expect([path, known.check(r, output, { path, value })]).toEqual([path, expected]);
      expect([path, new PayloadSizes().check(runFor(base), output, { path, value })]).toEqual([path, expected]);
    }
  });

  it('knows an unchanged input without measuring it again, and nothing of a value another run holds', () => {
    const sizes = new PayloadSizes();
    const input = { a: 1 };
    const r = runFor(input);
    sizes.note(r, input, measurePayload(input));
    expect(sizes.check(r, input)).toBeUndefined();
    // the run moved on to an input that was never checked: measured exactly
    const tooBig = { s: 'x'.repeat(MAX_PAYLOAD_BYTES) };
    r.stateInput = tooBig;
    expect(sizes.check(r, tooBig)).toBe('bytes');
  });
});
