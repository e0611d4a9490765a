/**
 * One workflow cannot freeze or crash everyone, on the local engine (dynalite + the in-process
 * queue + the real worker): hostile JSONata fails its own execution with a named error while other
 * executions go on; input too deep or too large is refused at StartExecution with nothing written;
 * a task result too deep fails the execution instead of breaking every delivery.
 */
import { startTestEngine, startTestServer, deferred, FN, type TestEngine } from '../runtime/harness';
import * as svc from '../../lambda/runtime/service';
import { ApiError } from '../../lambda/runtime/api-errors';
import { JSONATA_LIMITS } from '../../lambda/asl/jsonata';
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES } from '../../lambda/engine/limits';

/** `{"a": {"a": ... 0}}`: `depth` levels of objects. */
function nested(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/**
 * `[[[...]]]`: `depth` levels of arrays as JSON text, written out (JSON.stringify itself fails at
 * such depths); 100,000 levels are 200,000 bytes, within the size limit.
 */
const nestedText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const jsonataOutput = (expr: string) => ({ QueryLanguage: 'JSONata', StartAt: 'Q', States: { Q: { Type: 'Pass', Output: `{% ${expr} %}`, End: true } } });

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the call was not refused');
}

describe('hostile workflows on the local engine', () => {
  let t: TestEngine;
  let deepResultDepth = 0;
  const hostileStarting = deferred();
  const figures: string[] = [];

  const defaultSteps = JSONATA_LIMITS.maxSteps;
  beforeAll(async () => {
    // JSONata runs several times slower inside jest's module sandbox than in a plain process: a
    // quarter of the default step budget keeps the endless loop below to seconds (same code path).
    JSONATA_LIMITS.maxSteps = defaultSteps / 4;
    t = await startTestEngine({
      timeScale: 0,
      tasks: {
        [FN('deep')]: () => nested(deepResultDepth),
        // the state before the hostile one: when it answers, the worker goes on into the hostile evaluation
        [FN('signal')]: () => {
          hostileStarting.resolve();
          return {};
        },
      },
    });
  });
  afterAll(async () => {
    // figures for the record, not assertions (timings depend on the machine)
    if (figures.length) console.log(figures.join('\n'));
    JSONATA_LIMITS.maxSteps = defaultSteps;
    await t.close();
  });

  it('an endless JSONata recursion fails with States.QueryEvaluationError while a probe execution completes', async () => {
    const hostileArn = await t.machine('hostile-recursion', {
      QueryLanguage: 'JSONata',
      StartAt: 'Signal',
      States: {
        Signal: { Type: 'Task', Resource: FN('signal'), Next: 'Q' },
        Q: { Type: 'Pass', Output: '{% ($f := function($n){ $f($n+1) }; $f(0)) %}', End: true },
      },
    });
    const probeArn = await t.machine('probe', { StartAt: 'P', States: { P: { Type: 'Pass', Result: 'alive', End: true } } });
    const hostile = await t.start(hostileArn, {});
    await hostileStarting.promise;
    const started = Date.now();
    const probe = await t.start(probeArn, {});
    const probeRec = await t.finished(probe);
    const probeMs = Date.now() - started;
    const hostileWhenProbeEnded = (await t.get(hostile)).status;
    expect(probeRec.status).toBe('SUCCEEDED');
    expect(probeRec.output).toBe('"alive"');
    // the probe did not wait for the hostile evaluation to end
    expect(hostileWhenProbeEnded).toBe('RUNNING');
    const rec = await t.finished(hostile, 300_000);
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toBe('States.QueryEvaluationError');
    expect(rec.cause).toContain(`evaluation budget of ${JSONATA_LIMITS.maxSteps} steps`);
    figures.push(`probe execution completed in ${probeMs} ms while a hostile JSONata evaluation ran`);
  }, 300_000);

  it('$count([1..10000000].[1..100]) fails with States.DataLimitExceeded naming the sequence limit', async () => {
    const arn = await t.machine('hostile-range', jsonataOutput('$count([1..10000000].[1..100])'));
    const rec = await t.finished(await t.start(arn, {}));
    expect(rec.status).toBe('FAILED');
    expect(rec.error).toBe('States.DataLimitExceeded');
    expect(rec.cause).toContain(`more than ${JSONATA_LIMITS.maxSequence} items`);
  });

  it('a Map over 1,000,000 JSONata items, or over items past 256 KiB, fails with States.DataLimitExceeded', async () => {
    const map = (items: string) => ({
      QueryLanguage: 'JSONata',
      StartAt: 'M',
      States: { M: { Type: 'Map', Items: `{% ${items} %}`, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } },
    });
    const million = await t.finished(await t.start(await t.machine('map-million', map('[1..1000000]')), {}));
    expect(million.status).toBe('FAILED');
    expect(million.error).toBe('States.DataLimitExceeded');
    expect(million.cause).toContain(`${MAX_PAYLOAD_BYTES} bytes`);
    // 100,000 strings of 8 bytes each: fewer items than the sequence limit, but 800 KB of JSON
    const wide = await t.finished(await t.start(await t.machine('map-wide', map('[1..100000].("abcdef")')), {}));
    expect(wide.status).toBe('FAILED');
    expect(wide.error).toBe('States.DataLimitExceeded');
    expect(wide.cause).toContain("The items of the Map state 'M' (100000 items)");
  });

  it('input nested deeper than the limit is refused at start, naming the depth, with nothing written', async () => {
    const arn = await t.machine('deep-input', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    for (const depth of [MAX_DATA_DEPTH + 1, 100_000]) {
      const e = await refusal(svc.startExecution(t.deps, { stateMachineArn: arn, input: nestedText(depth), name: `deep-${depth}` }));
      expect(e.name).toBe('InvalidExecutionInput');
      expect(e.message).toContain(`more than ${MAX_DATA_DEPTH} levels`);
    }
    expect((await svc.listExecutions(t.deps, { stateMachineArn: arn })).items).toEqual([]);
  });

  it('input at the depth limit is accepted and runs through JSONPath and JSONata states', async () => {
    const arn = await t.machine('deep-ok', {
      StartAt: 'Path',
      States: {
        Path: { Type: 'Pass', InputPath: '$', OutputPath: '$', Next: 'Ata' },
        Ata: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $parse($string($states.input)) %}', End: true },
      },
    });
    const input = nested(MAX_DATA_DEPTH);
    const rec = await t.finished(await t.start(arn, input));
    expect(rec.status).toBe('SUCCEEDED');
    expect(rec.output).toBe(JSON.stringify(input));
  });

  it('a task result nested too deep fails the execution with States.DataLimitExceeded (no RangeError on every delivery)', async () => {
    const arn = await t.machine('deep-result', { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('deep'), End: true } } });
    for (const depth of [MAX_DATA_DEPTH + 1, 100_000]) {
      deepResultDepth = depth;
      const rec = await t.finished(await t.start(arn, {}));
      expect(rec.status).toBe('FAILED');
      expect(rec.error).toBe('States.DataLimitExceeded');
      expect(rec.cause).toContain(`more than ${MAX_DATA_DEPTH} levels`);
    }
    deepResultDepth = MAX_DATA_DEPTH;
    const ok = await t.finished(await t.start(arn, {}));
    expect(ok.status).toBe('SUCCEEDED');
  });

  it('SendTaskSuccess with output nested too deep is refused with InvalidOutput', async () => {
    const e = await refusal(svc.sendTaskSuccess(t.deps, { taskToken: 'any', output: nestedText(100_000) }));
    expect(e.name).toBe('InvalidOutput');
    expect(e.message).toContain(`more than ${MAX_DATA_DEPTH} levels`);
  });

  it('the payload limit is the same at start and in the states: 262,144 bytes run, 262,145 are refused at start', async () => {
    const arn = await t.machine('sizes', { StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Q' }, Q: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input %}', End: true } } });
    const fits = JSON.stringify('x'.repeat(MAX_PAYLOAD_BYTES - 2));
    expect(Buffer.byteLength(fits)).toBe(MAX_PAYLOAD_BYTES);
    const ok = await t.finished(await t.start(arn, JSON.parse(fits)));
    expect(ok.status).toBe('SUCCEEDED');
    // 240,001 bytes made of small arrays: refused in the states before (one byte per array counted too many)
    const arrays = Array.from({ length: 60_000 }, () => [0]);
    expect(Buffer.byteLength(JSON.stringify(arrays))).toBe(240_001);
    const arraysRec = await t.finished(await t.start(arn, arrays));
    expect(arraysRec.status).toBe('SUCCEEDED');

    const tooBig = JSON.stringify(`${'é'.repeat(MAX_PAYLOAD_BYTES / 2 - 1)}x`); // é is 2 bytes in UTF-8; plus x and the quotes
    expect(Buffer.byteLength(tooBig)).toBe(MAX_PAYLOAD_BYTES + 1);
    const e = await refusal(svc.startExecution(t.deps, { stateMachineArn: arn, input: tooBig, name: 'too-big' }));
    expect(e.name).toBe('InvalidExecutionInput');
    expect(e.message).toContain(`${MAX_PAYLOAD_BYTES + 1} bytes`);
    expect((await svc.listExecutions(t.deps, { stateMachineArn: arn })).items.map((x) => x.name)).not.toContain('too-big');

    // within 256 KiB as sent, but not as the states write it (1e5 is 100000): refused at start, not failed later
    const exponents = `[${new Array(60_000).fill('1e5').join(',')}]`;
    expect(Buffer.byteLength(exponents)).toBeLessThan(MAX_PAYLOAD_BYTES);
    const grown = await refusal(svc.startExecution(t.deps, { stateMachineArn: arn, input: exponents, name: 'grown' }));
    expect(grown.name).toBe('InvalidExecutionInput');
    expect(grown.message).toContain(`${MAX_PAYLOAD_BYTES} bytes`);
  });
});

describe('deep data through the REST routes', () => {
  it('is refused with InvalidExecutionInput or InvalidOutput (400) naming the depth, not a RangeError (500)', async () => {
    const s = await startTestServer({ timeScale: 0 });
    try {
      const post = (path: string, body: string) => fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect((await post('/state-machines', JSON.stringify({ name: 'p', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } }))).status).toBe(201);
      const res = await post('/state-machines/p/executions', `{"input": ${nestedText(100_000)}}`);
      const body = (await res.json()) as { error: string; message: string };
      expect(res.status).toBe(400);
      expect(body.error).toBe('InvalidExecutionInput');
      expect(body.message).toContain(`more than ${MAX_DATA_DEPTH} levels`);
      const answer = await post('/tasks/success', `{"taskToken": "any", "output": ${nestedText(100_000)}}`);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: string }).error).toBe('InvalidOutput');
    } finally {
      await s.close();
    }
  });
});
