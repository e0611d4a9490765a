/**
 * Redrive of an execution whose Map or Parallel spread its children: children that succeeded are not
 * run again; failed ones resume where they stopped (nested spreads too), unstarted ones start, and
 * MaxConcurrency still holds for the re-run.
 */
import * as svc from '../../lambda/runtime/service';
import { FN, startTestEngine, type TestEngine } from '../runtime/harness';
import { fanIdOfMapRun } from '../../lambda/engine/arns';
import { childArnOf } from '../../lambda/runtime/fan-out';

jest.setTimeout(120_000);

let broken = new Set<string>();
let running = 0;
let peak = 0;
const calls: string[] = [];
let t: TestEngine;
beforeAll(async () => {
  t = await startTestEngine({
    concurrency: 16,
    tasks: {
      Work: async (x) => {
        const key = JSON.stringify(x);
        calls.push(key);
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
        if (broken.has(key)) throw { error: 'Broken', cause: key };
        return { done: x };
      },
    },
  });
});
afterAll(async () => t?.close());

async function failThenRedrive(definition: unknown, input: unknown, failing: string[]) {
  broken = new Set(failing);
  calls.length = 0;
  const sm = await t.machine(`m${Math.random().toString(36).slice(2, 8)}`, definition);
  const arn = await t.start(sm, input);
  const failed = await t.finished(arn, { stuck: true });
  expect(failed.status).toBe('FAILED');
  const firstCalls = [...calls];
  const succeeded = await succeededItems(arn);
  broken = new Set();
  calls.length = 0;
  peak = 0;
  await svc.redriveExecution(t.deps, { executionArn: arn });
  const done = await t.finished(arn, { stuck: true });
  return { arn, done, firstCalls, succeeded, rerun: [...calls] };
}

/** The inputs (as JSON) of every leaf Map item, at any depth under `arn`, whose execution SUCCEEDED. */
async function succeededItems(arn: string): Promise<Set<string>> {
  const out = new Set<string>();
  const events = await t.history(arn);
  for (const e of events.filter((ev) => ev.type === 'MapRunStarted')) {
    const fanId = fanIdOfMapRun((e.mapRunStartedEventDetails as { mapRunArn: string }).mapRunArn);
    for (let i = 0; ; i++) {
      const child = await t.deps.store.getExecution(childArnOf(fanId, i));
      if (!child) break;
      const inner = await succeededItems(child.executionArn);
      if (inner.size > 0) inner.forEach((x) => out.add(x));
      else if (child.status === 'SUCCEEDED') out.add(child.input);
    }
  }
  return out;
}

it('a spread Parallel: only the failed branch runs again', async () => {
  const def = {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: ['a', 'b', 'c'].map((b) => ({ StartAt: `T${b}`, States: { [`T${b}`]: { Type: 'Task', Resource: FN('Work'), Parameters: { b }, End: true } } })),
      },
    },
  };
  const { done, rerun } = await failThenRedrive(def, {}, [JSON.stringify({ b: 'b' })]);
  expect(done.status).toBe('SUCCEEDED');
  expect(JSON.parse(done.output!)).toEqual([{ done: { b: 'a' } }, { done: { b: 'b' } }, { done: { b: 'c' } }]);
  expect(rerun).toEqual([JSON.stringify({ b: 'b' })]);
});

it('a Map in a Map, MaxConcurrency 2: only the failed inner item runs again, within the limit', async () => {
  const def = {
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Map',
        MaxConcurrency: 2,
        End: true,
        ItemProcessor: {
          StartAt: 'Inner',
          States: { Inner: { Type: 'Map', MaxConcurrency: 2, End: true, ItemProcessor: { StartAt: 'W', States: { W: { Type: 'Task', Resource: FN('Work'), End: true } } } } },
        },
      },
    },
  };
  const grid = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]];
  const { done, succeeded, rerun } = await failThenRedrive(def, grid, ['5']);
  expect(done.status).toBe('SUCCEEDED');
  expect(JSON.parse(done.output!)).toEqual(grid.map((row) => row.map((x) => ({ done: x }))));
  // the failed item runs again; no item whose execution succeeded the first time does (items stopped
  // mid-task when the failure stopped their siblings, or never started, run now)
  expect(rerun).toContain('5');
  expect(succeeded.size).toBeGreaterThan(0);
  expect(rerun.filter((c) => succeeded.has(c))).toEqual([]);
  expect(new Set(rerun).size).toBe(rerun.length);
  expect(peak).toBeLessThanOrEqual(4); // 2 outer items x 2 inner items at most
});
