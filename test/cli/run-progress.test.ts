/**
 * `stepwright run`'s live line, fed by runExecution's onEvents hook: written to a stand-in terminal
 * (isTTY, columns) with a clock of the test's own (each reading one second later), so what is drawn
 * depends on the execution only. Quiet under --json and when the stream is not a terminal.
 */
import { runExecution } from '../../lambda/local/runner';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import { progressLine, startLiveLine, type ProgressStream } from '../../bin/commands/run-progress';

const ERASE = '\r\x1b[2K';

const definition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Result: [1, 2, 3], Next: 'Process' },
    Process: {
      Type: 'Map',
      MaxConcurrency: 1,
      ItemProcessor: { StartAt: 'Double', States: { Double: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Double', End: true } } },
      Next: 'Rest',
    },
    Rest: { Type: 'Wait', Seconds: 5, Next: 'Finish' },
    Finish: { Type: 'Pass', End: true },
  },
} as unknown as StateMachineDefinition;

const tasks = (resource: string, input: unknown) => (resource.endsWith(':Double') ? { fn: (n: unknown) => Number(n) * 2, input } : undefined);

function terminal(columns?: number): ProgressStream & { chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY: true, columns, chunks, write: (c: string) => chunks.push(c) };
}

function ticking(): () => number {
  let t = 0;
  return () => (t += 1000);
}

it('shows the current state, the elapsed time and the Map items done out of all, then erases itself', async () => {
  const tty = terminal(120);
  const live = startLiveLine(tty, { now: ticking(), refreshMs: 0, minIntervalMs: 0 });
  const result = await runExecution({ definition, input: {}, tasks, fastTimers: true, onEvents: live.onEvents });
  live.stop();
  expect(result).toMatchObject({ status: 'SUCCEEDED', output: [2, 4, 6] });

  const lines = tty.chunks.map((c) => c.replace(ERASE, ''));
  expect(tty.chunks.every((c) => c.startsWith(ERASE))).toBe(true);
  expect(lines[0]).toMatch(/^▸ starting {2}\d+\.0s$/);
  expect(lines.some((l) => /^▸ Process {2}\d+\.0s {2}Process 0\/3$/.test(l))).toBe(true);
  expect(lines.some((l) => /^▸ Process {2}\d+\.0s {2}Process 1\/3$/.test(l))).toBe(true);
  expect(lines.some((l) => /^▸ Process {2}\d+\.0s {2}Process 2\/3$/.test(l))).toBe(true);
  expect(lines.some((l) => /^▸ Rest {2}\d+\.0s$/.test(l))).toBe(true);
  // once started, the line always names a state (the last one, after the end)
  expect(lines.slice(1, -1).filter((l) => l.startsWith('▸ starting'))).toEqual([]);
  // the last thing written clears the line: the result prints on a clean one
  expect(tty.chunks[tty.chunks.length - 1]).toBe(ERASE);
});

it('never draws wider than the terminal', async () => {
  const tty = terminal(12);
  const live = startLiveLine(tty, { now: ticking(), refreshMs: 0, minIntervalMs: 0 });
  await runExecution({ definition, input: {}, tasks, fastTimers: true, onEvents: live.onEvents });
  live.stop();
  expect(Math.max(...tty.chunks.map((c) => c.replace(ERASE, '').length))).toBe(11);
});

it('is quiet under --json and when the stream is not a terminal', async () => {
  for (const [stream, json] of [[terminal(80), true], [{ ...terminal(80), isTTY: false }, false]] as const) {
    const live = startLiveLine(stream, { json, now: ticking() });
    expect(live.onEvents).toBeUndefined();
    await runExecution({ definition, input: {}, tasks, fastTimers: true, onEvents: live.onEvents });
    live.stop();
    expect(stream.chunks).toEqual([]);
  }
});

it('formats nested Maps outermost first', () => {
  expect(progressLine({ state: 'Outer', maps: [{ state: 'Outer', done: 1, total: 4 }, { state: 'Inner', done: 0, total: 2 }] }, 7250)).toBe('▸ Outer  7.3s  Outer 1/4  Inner 0/2');
});
