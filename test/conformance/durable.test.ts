/**
 * The corpus through the durable engine (lambda/conformance/durable-run.ts): a sample of the cases
 * where the fan-out mode matters (every other one with a Map or Parallel, and the cases issue 11 names) runs
 * in every mode, through the local engine's API, and must end as AWS recorded, history included.
 * The full runs (903 cases per mode) are in .ci/run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCases, ConformanceDirError, type ConformanceCase } from '../../lambda/conformance/run';
import { runCaseDurably, runConformanceDurable, startDurableCaseRunner, type DurableCaseRunner } from '../../lambda/conformance/durable-run';
import type { FanOutMode } from '../../lambda/engine/interpreter';
import { conformanceDir } from './corpus';

jest.setTimeout(300_000);

const NAMED = [
  // a Fail state without Error inside a spread Map: AWS reports no error (was States.Aborted)
  'TestBaseScenarios.test_map_state_catch_empty_fail',
  // an error inside an INLINE Map's item names the event id the parent's history shows (#13)
  'TestStateVariablesTemplate.test_map_catch_error_MAP_CATCH_ERROR_OUTPUT_WITH_RETRY',
];

/** Every other case with a Map or Parallel (spread under `spread`; under `auto` where they hold a Task), plus the named ones. */
function sample(cases: ConformanceCase[]): ConformanceCase[] {
  const fanning = cases.filter((c) => /"Type":"(Map|Parallel)"/.test(JSON.stringify(c.definition)));
  const picked = fanning.filter((_, i) => i % 2 === 0);
  return [...picked, ...cases.filter((c) => NAMED.includes(c.name) && !picked.includes(c))];
}

const cases = sample(loadCases(join(conformanceDir(), 'cases')));

describe.each<FanOutMode>(['inline', 'auto', 'spread'])('fan-out %s', (mode) => {
  let runner: DurableCaseRunner;
  beforeAll(async () => {
    runner = await startDurableCaseRunner(mode);
  });
  afterAll(async () => {
    await runner?.close();
  });

  it(`the sample (${cases.length} cases) ends as AWS recorded: status, output or error and cause, history`, async () => {
    expect(cases.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const c of cases) {
      const outcome = await runCaseDurably(runner, c);
      if (!outcome.passed) failures.push(`${c.name}: ${JSON.stringify(outcome.differences.slice(0, 3))}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('runConformanceDurable', () => {
  it('runs a folder of cases and ends with the summary line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwright-durable-'));
    const one = {
      name: 'one',
      definition: { StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:double', End: true } } }, End: true } } },
      input: [1, 2],
      tasks: { 'arn:aws:lambda:us-east-1:111111111111:function:double': { js: '(n) => n * 2' } },
      expected: { status: 'SUCCEEDED', output: [2, 4] },
    };
    const wrong = { ...one, name: 'wrong', expected: { status: 'SUCCEEDED', output: [2, 5] } };
    writeFileSync(join(dir, 'one.json'), JSON.stringify(one));
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify(wrong));
    const lines: string[] = [];
    const summary = await runConformanceDurable(dir, { fanOut: 'spread', log: (l) => lines.push(l) });
    expect(summary).toMatchObject({ passed: 1, failed: 1, unexpected: ['wrong'] });
    expect(lines).toContain('  output/1: expected 5, got 4');
    expect(lines[lines.length - 1]).toBe('1 passed, 1 failed');
  });

  it('a folder without cases is an error naming it, not a pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwright-durable-empty-'));
    await expect(runConformanceDurable(dir)).rejects.toThrow(ConformanceDirError);
    await expect(runConformanceDurable(join(dir, 'missing'))).rejects.toThrow(`conformance folder not found: ${join(dir, 'missing')}`);
  });
});
