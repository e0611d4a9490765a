/**
 * Persistence of the local engine: with a data folder, executions (dynalite on LevelDB) and pending
 * messages (the queue file) survive a restart, and waiting executions resume on the new engine.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as svc from '../../lambda/runtime/service';
import type { TaskFunction } from '../../lambda/local/runner';
import { expectContiguousIds, startTestEngine, type TestEngine, until } from '../runtime/harness';
import { PARKER } from '../runtime/callback-machines';

const NAPPER = { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 2, Next: 'Woke' }, Woke: { Type: 'Pass', Result: 'woke up', ResultPath: '$.status', End: true } } };

let dir: string;
const open: TestEngine[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stepwright-restart-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function engineOn(dataDir: string, tasks: Record<string, TaskFunction>) {
  // Real time: the Wait takes its 2 s, long enough to restart in the middle of it.
  const t = await startTestEngine({ dataDir, timeScale: 1, tasks });
  open.push(t);
  return t;
}

it('an execution waiting on a timer or a callback resumes on a new engine over the same folder', async () => {
  const tokens = new Map<string, string>();
  const first = await engineOn(dir, { Park: (input: unknown, ctx) => void tokens.set(ctx.executionArn, (input as { token: string }).token) });
  const napper = await first.machine('napper', NAPPER);
  const parker = await first.machine('parker', PARKER);
  const napping = await first.start(napper, { who: 'napper' }, 'nap-1');
  const parked = await first.start(parker, { who: 'parker' }, 'park-1');

  // Both are waiting: the Wait's timer message is queued, the callback task has handed out its token.
  await until('the Wait to be entered', async () => {
    const rec = await first.get(napping);
    return rec.snapshot && !rec.outbox && Object.values(rec.snapshot.runs).some((r) => r.waiting?.kind === 'timer') ? rec : undefined;
  });
  const token = await until('the task token', () => tokens.get(parked));
  await first.close();
  open.splice(open.indexOf(first), 1);

  // The queue file holds the pending timer.
  const queueFile = join(dir, 'queue.json');
  expect(existsSync(queueFile)).toBe(true);
  const persisted = JSON.parse(readFileSync(queueFile, 'utf8')) as { version: number; messages: { body: string }[] };
  expect(persisted.version).toBe(1);
  const bodies = persisted.messages.map((m) => JSON.parse(m.body));
  expect(bodies).toContainEqual(expect.objectContaining({ kind: 'event', executionArn: napping, event: expect.objectContaining({ type: 'TimerFired' }) }));

  const second = await engineOn(dir, {});
  // Restored from the file (possibly handed out already), not sent again.
  expect(second.engine.queue.stats().pending).toBeGreaterThanOrEqual(1);
  // The state machines and executions are still there.
  expect((await svc.requireStateMachine(second.deps, napper)).name).toBe('napper');
  expect((await second.get(parked)).status).toBe('RUNNING');

  const napped = await second.finished(napping);
  expect(napped.status).toBe('SUCCEEDED');
  expect(JSON.parse(napped.output!)).toEqual({ who: 'napper', status: 'woke up' });

  await svc.sendTaskSuccess(second.deps, { taskToken: token, output: '{"approved":true}' });
  const answered = await second.finished(parked);
  expect(answered.status).toBe('SUCCEEDED');
  expect(JSON.parse(answered.output!)).toEqual({ who: 'parker', answer: { approved: true } });

  for (const arn of [napping, parked]) {
    const events = await second.history(arn);
    expectContiguousIds(events);
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(events.at(-1)!.type).toBe('ExecutionSucceeded');
  }
  expect((await second.history(napping)).map((e) => e.type)).toEqual([
    'ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded',
  ]);

  await second.engine.idle();
  expect(second.engine.queue.stats()).toEqual({ pending: 0, inFlightBatches: 0, deadLetters: 0 });
});

it('a fresh folder starts empty', async () => {
  const t = await engineOn(dir, {});
  expect((await t.deps.store.listStateMachines()).items).toEqual([]);
  expect(t.engine.queue.stats().pending).toBe(0);
});
