/**
 * The Developer Guide's Map state pages, rule by rule: "Map state" (inline mode), "Distributed Map
 * state", "ItemSelector (Map)", "ItemBatcher (Map)" and the failure thresholds. Each test names its
 * page and section. ItemReader and ResultWriter read and write Amazon S3, which Stepwright does not:
 * an ItemReader fails as a reader that cannot read (docs/fan-out.md).
 */
import { eventsOf, failure, FN, output, problems, run } from './devguide-run';

const t = (page: string, section: string, rule: string) => `[${page} › ${section}] ${rule}`;
const INLINE = 'Map state in Inline mode';
const DISTRIBUTED = 'Distributed Map state';
const SELECTOR = 'ItemSelector (Map)';
const BATCHER = 'ItemBatcher (Map)';

const pass = { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } };
const distributedProcessor = (states: Record<string, unknown> = { I: { Type: 'Pass', End: true } }, startAt = 'I') => ({
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: startAt,
  States: states,
});
const oneMap = (map: Record<string, unknown>) => ({ StartAt: 'M', States: { M: { Type: 'Map', End: true, ...map } } });

/** Items above 0 fail with error "Bad", the others succeed with their value. */
const failPositive = distributedProcessor(
  {
    P: { Type: 'Choice', Choices: [{ Variable: '$', NumericGreaterThan: 0, Next: 'F' }], Default: 'S' },
    F: { Type: 'Fail', Error: 'Bad', Cause: 'a positive item' },
    S: { Type: 'Succeed' },
  },
  'P',
);

describe('Map state', () => {
  describe(INLINE, () => {
    test(t(INLINE, 'Map state fields', 'the items are the state input by default; the result is the iteration outputs in item order'), async () => {
      const def = oneMap({ ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($, $)' }, End: true } } } });
      await expect(output(def, [1, 2, 3])).resolves.toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
    });

    test(t(INLINE, 'ItemsPath', 'InputPath applies first, then ItemsPath selects the array'), async () => {
      await expect(output(oneMap({ InputPath: '$.order', ItemsPath: '$.lines', ItemProcessor: pass }), { order: { lines: ['a', 'b'] } })).resolves.toEqual(['a', 'b']);
    });

    test(t(INLINE, 'ItemsPath', 'items that are not an array fail the state with States.Runtime'), async () => {
      const f = await failure(oneMap({ ItemsPath: '$.x', ItemProcessor: pass }), { x: { not: 'an array' } });
      expect(f.error).toBe('States.Runtime');
    });

    test(t(INLINE, 'Map state fields', 'an empty array gives an empty result'), async () => {
      await expect(output(oneMap({ ItemProcessor: pass }), [])).resolves.toEqual([]);
    });

    test(t(INLINE, 'Map state fields', 'ResultSelector, ResultPath and OutputPath apply to the array of results'), async () => {
      const def = oneMap({ ItemsPath: '$.xs', ItemProcessor: pass, ResultSelector: { 'count.$': 'States.ArrayLength($)' }, ResultPath: '$.summary', OutputPath: '$.summary' });
      await expect(output(def, { xs: [1, 2, 3] })).resolves.toEqual({ count: 3 });
    });

    test(t(INLINE, 'MaxConcurrency', 'MaxConcurrency 1 runs the iterations one after another, in order'), async () => {
      const r = await run(oneMap({ MaxConcurrency: 1, ItemProcessor: pass }), ['a', 'b', 'c']);
      const order = r.history
        .filter((e) => e.type === 'MapIterationStarted' || e.type === 'MapIterationSucceeded')
        .map((e) => `${e.type === 'MapIterationStarted' ? 'start' : 'end'}${((e.mapIterationStartedEventDetails ?? e.mapIterationSucceededEventDetails) as { index: number }).index}`);
      expect(order).toEqual(['start0', 'end0', 'start1', 'end1', 'start2', 'end2']);
    });

    test(t(INLINE, 'MaxConcurrency', 'MaxConcurrencyPath reads the limit from the state input'), async () => {
      const r = await run(oneMap({ MaxConcurrencyPath: '$.limit', ItemsPath: '$.xs', ItemProcessor: pass }), { limit: 1, xs: [1, 2] });
      const types = r.history.filter((e) => e.type.startsWith('MapIteration')).map((e) => e.type);
      expect(types).toEqual(['MapIterationStarted', 'MapIterationSucceeded', 'MapIterationStarted', 'MapIterationSucceeded']);
    });

    test(t(INLINE, 'Map state fields', 'history: MapStateStarted with the item count, an iteration started and succeeded per item'), async () => {
      const r = await run(oneMap({ ItemProcessor: pass }), [1, 2]);
      expect(eventsOf(r.history, 'MapStateStarted')[0].mapStateStartedEventDetails).toEqual({ length: 2 });
      expect(eventsOf(r.history, 'MapIterationStarted')).toHaveLength(2);
      expect(eventsOf(r.history, 'MapIterationSucceeded')).toHaveLength(2);
    });

    test(t(INLINE, 'Map state fields', 'a failing iteration fails the Map with the iteration\'s error, which the Map\'s Catch can handle'), async () => {
      const def = {
        StartAt: 'M',
        States: {
          M: { Type: 'Map', ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Item.Bad', Cause: 'why' } } }, Catch: [{ ErrorEquals: ['Item.Bad'], Next: 'Caught' }], End: true },
          Caught: { Type: 'Pass', End: true },
        },
      };
      await expect(output(def, [1])).resolves.toEqual({ Error: 'Item.Bad', Cause: 'why' });
    });

    test(t(INLINE, 'Deprecated fields', 'Iterator and Parameters still work as ItemProcessor and ItemSelector'), async () => {
      const def = oneMap({ Parameters: { 'v.$': '$$.Map.Item.Value' }, Iterator: pass });
      await expect(output(def, [7])).resolves.toEqual([{ v: 7 }]);
    });

    test(t(INLINE, 'Map state fields', 'a Task inside the iterations runs once per item'), async () => {
      const seen: unknown[] = [];
      const def = oneMap({ ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), End: true } } } });
      await expect(output(def, ['x', 'y'], { tasks: { f: (i) => (seen.push(i), `done ${String(i)}`) } })).resolves.toEqual(['done x', 'done y']);
      expect(seen.sort()).toEqual(['x', 'y']);
    });
  });

  describe(SELECTOR, () => {
    test(t(SELECTOR, 'ItemSelector', 'static values, paths into the state input and $$.Map.Item.Value / Index make each iteration input'), async () => {
      const def = oneMap({ ItemsPath: '$.imageData', ItemSelector: { size: 10, 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'bucket.$': '$.bucket' }, ItemProcessor: pass });
      const input = { bucket: 'b1', imageData: [{ resize: 'true', format: 'jpg' }, { resize: 'false', format: 'png' }] };
      await expect(output(def, input)).resolves.toEqual([
        { size: 10, value: { resize: 'true', format: 'jpg' }, index: 0, bucket: 'b1' },
        { size: 10, value: { resize: 'false', format: 'png' }, index: 1, bucket: 'b1' },
      ]);
    });

    test(t(SELECTOR, 'ItemSelector', 'ItemSelector works the same in a Distributed Map'), async () => {
      const def = oneMap({ ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' }, ItemProcessor: distributedProcessor() });
      await expect(output(def, ['a', 'b'])).resolves.toEqual([{ value: 'a', index: 0 }, { value: 'b', index: 1 }]);
    });
  });

  describe(DISTRIBUTED, () => {
    test(t(DISTRIBUTED, 'Distributed Map state fields', 'ProcessorConfig Mode DISTRIBUTED runs each item as a child workflow: Map Run events in the history'), async () => {
      const r = await run(oneMap({ ItemProcessor: distributedProcessor() }), [1, 2]);
      expect(r.output).toEqual([1, 2]);
      expect(r.history.map((e) => e.type)).toEqual(expect.arrayContaining(['MapRunStarted', 'MapRunSucceeded']));
      expect(eventsOf(r.history, 'MapIterationStarted')).toHaveLength(0);
    });

    test(t(DISTRIBUTED, 'Tolerated failure threshold', 'without a threshold, one failed child fails the Map with States.ExceedToleratedFailureThreshold'), async () => {
      const r = await run(oneMap({ ItemProcessor: failPositive }), [0, 1, 0]);
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('States.ExceedToleratedFailureThreshold');
      expect(eventsOf(r.history, 'MapRunFailed')).toHaveLength(1);
    });

    test(t(DISTRIBUTED, 'ToleratedFailureCount', 'the Map succeeds while the failed children are at most the count'), async () => {
      const ok = await run(oneMap({ ToleratedFailureCount: 1, ItemProcessor: failPositive }), [0, 1, 0]);
      expect(ok.status).toBe('SUCCEEDED');
      expect((ok.output as unknown[])[0]).toBe(0);
      expect((ok.output as unknown[])[2]).toBe(0);
      expect((await failure(oneMap({ ToleratedFailureCount: 1, ItemProcessor: failPositive }), [1, 1, 0])).error).toBe('States.ExceedToleratedFailureThreshold');
    });

    test(t(DISTRIBUTED, 'ToleratedFailurePercentage', 'the Map succeeds while the failed share of all items is at most the percentage'), async () => {
      expect((await run(oneMap({ ToleratedFailurePercentage: 50, ItemProcessor: failPositive }), [0, 1, 1, 0])).status).toBe('SUCCEEDED');
      expect((await failure(oneMap({ ToleratedFailurePercentage: 25, ItemProcessor: failPositive }), [0, 1, 1, 0])).error).toBe('States.ExceedToleratedFailureThreshold');
    });

    test(t(DISTRIBUTED, 'Tolerated failure threshold', 'ToleratedFailureCountPath and ToleratedFailurePercentagePath read the threshold from the input'), async () => {
      expect((await run(oneMap({ ToleratedFailureCountPath: '$.allowed', ItemsPath: '$.xs', ItemProcessor: failPositive }), { allowed: 2, xs: [1, 1, 0] })).status).toBe('SUCCEEDED');
      expect((await run(oneMap({ ToleratedFailurePercentagePath: '$.pct', ItemsPath: '$.xs', ItemProcessor: failPositive }), { pct: 10, xs: [1, 0] })).error).toBe('States.ExceedToleratedFailureThreshold');
    });

    test(t(DISTRIBUTED, 'Tolerated failure threshold', 'a percentage outside 0 to 100 is refused'), () => {
      expect(problems(oneMap({ ToleratedFailurePercentage: 101, ItemProcessor: distributedProcessor() })).map((p) => p.pointer)).toEqual(['/States/M/ToleratedFailurePercentage']);
    });

    test(t(DISTRIBUTED, 'ItemReader', 'items read from Amazon S3 are not run locally: the state fails with States.ItemReaderFailed, which Catch handles'), async () => {
      const reader = { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', Key: 'items.json' } };
      const def = {
        StartAt: 'M',
        States: { M: { Type: 'Map', ItemReader: reader, ItemProcessor: distributedProcessor(), Catch: [{ ErrorEquals: ['States.ItemReaderFailed'], Next: 'Caught' }], End: true }, Caught: { Type: 'Pass', End: true } },
      };
      expect(problems(def)).toEqual([]);
      const out = (await output(def, [1, 2, 3])) as { Error: string; Cause: string };
      expect(out.Error).toBe('States.ItemReaderFailed');
      expect(out.Cause).toContain("Map state 'M'");
    });

    test(t(DISTRIBUTED, 'Distributed Map state fields', 'ExecutionType is STANDARD or EXPRESS'), () => {
      const processor = (type: string) => ({ ...distributedProcessor(), ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: type } });
      expect(problems(oneMap({ ItemProcessor: processor('EXPRESS') }))).toEqual([]);
      expect(problems(oneMap({ ItemProcessor: processor('FAST') })).length).toBeGreaterThan(0);
    });
  });

  describe(BATCHER, () => {
    test(t(BATCHER, 'MaxItemsPerBatch', 'each child gets {"Items": [...]} with at most MaxItemsPerBatch items, the last batch shorter'), async () => {
      const def = oneMap({ ItemBatcher: { MaxItemsPerBatch: 2 }, ItemProcessor: distributedProcessor() });
      await expect(output(def, ['a', 'b', 'c'])).resolves.toEqual([{ Items: ['a', 'b'] }, { Items: ['c'] }]);
    });

    test(t(BATCHER, 'BatchInput', 'BatchInput is added to every batch, its paths read from the state input'), async () => {
      const def = oneMap({ ItemsPath: '$.xs', ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { factCheck: 'TIMELINE', 'run.$': '$.run' } }, ItemProcessor: distributedProcessor() });
      await expect(output(def, { run: 7, xs: [1, 2, 3] })).resolves.toEqual([
        { BatchInput: { factCheck: 'TIMELINE', run: 7 }, Items: [1, 2] },
        { BatchInput: { factCheck: 'TIMELINE', run: 7 }, Items: [3] },
      ]);
    });

    test(t(BATCHER, 'MaxItemsPerBatch', 'MaxItemsPerBatchPath reads the batch size from the state input'), async () => {
      const def = oneMap({ ItemsPath: '$.xs', ItemBatcher: { MaxItemsPerBatchPath: '$.size' }, ItemProcessor: distributedProcessor() });
      await expect(output(def, { size: 3, xs: [1, 2, 3, 4] })).resolves.toEqual([{ Items: [1, 2, 3] }, { Items: [4] }]);
    });

    test(t(BATCHER, 'MaxItemsPerBatch', 'JSONata: MaxItemsPerBatch from an expression, BatchInput from expressions'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: { M: { Type: 'Map', Items: '{% $states.input.xs %}', ItemBatcher: { MaxItemsPerBatch: '{% $states.input.size %}', BatchInput: { tag: '{% $states.input.tag %}' } }, ItemProcessor: distributedProcessor(), End: true } },
      };
      await expect(output(def, { size: 2, tag: 't', xs: [1, 2, 3] })).resolves.toEqual([
        { BatchInput: { tag: 't' }, Items: [1, 2] },
        { BatchInput: { tag: 't' }, Items: [3] },
      ]);
      const bad = await failure(def, { size: 0, tag: 't', xs: [1] });
      expect(bad.error).toBe('States.QueryEvaluationError');
    });

    test(t(BATCHER, 'ItemSelector with ItemBatcher', 'the ItemSelector shapes each item (its own Map.Item.Index and Value) before the items are batched'), async () => {
      const def = oneMap({ ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' }, ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { b: 1 } }, ItemProcessor: distributedProcessor() });
      await expect(output(def, ['a', 'b', 'c'])).resolves.toEqual([
        { BatchInput: { b: 1 }, Items: [{ value: 'a', index: 0 }, { value: 'b', index: 1 }] },
        { BatchInput: { b: 1 }, Items: [{ value: 'c', index: 2 }] },
      ]);
    });

    test(t(BATCHER, 'MaxInputBytesPerBatch', 'batches stay within MaxInputBytesPerBatch and items are never split'), async () => {
      const items = ['aaaa', 'bbbb', 'cccc'];
      const out = (await output(oneMap({ ItemBatcher: { MaxInputBytesPerBatch: 12 }, ItemProcessor: distributedProcessor() }), items)) as { Items: string[] }[];
      expect(out.flatMap((b) => b.Items)).toEqual(items);
      expect(out.length).toBeGreaterThan(1);
    });

    test(t(BATCHER, 'ItemBatcher', 'MaxItemsPerBatch must be a positive integer'), () => {
      expect(problems(oneMap({ ItemBatcher: { MaxItemsPerBatch: 0 }, ItemProcessor: distributedProcessor() })).map((p) => p.pointer)).toEqual(['/States/M/ItemBatcher/MaxItemsPerBatch']);
    });
  });
});
