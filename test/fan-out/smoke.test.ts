import { FN, startTestEngine, type TestEngine } from '../runtime/harness';

let t: TestEngine;
afterEach(async () => t?.close());

it('smoke: Map of tasks spreads and fans in', async () => {
  t = await startTestEngine({ tasks: { Inc: async (x: unknown) => (x as number) + 1 } });
  const sm = await t.machine('m', {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', MaxConcurrency: 3, End: true, ItemProcessor: { StartAt: 'W', States: { W: { Type: 'Task', Resource: FN('Inc'), End: true } } } } },
  });
  const arn = await t.start(sm, [1, 2, 3, 4, 5, 6, 7]);
  const rec = await t.finished(arn);
  console.log(rec.status, rec.output, rec.error, rec.cause);
  console.log((await t.history(arn)).map((e) => e.type));
  expect(JSON.parse(rec.output!)).toEqual([2, 3, 4, 5, 6, 7, 8]);
});
