/**
 * "An accepted execution always finishes": the real `stepwright serve` process is killed with SIGKILL
 * at a dozen moments spread over start, task, wait, callback, fan-out and fan-in (see KILL_PLAN in
 * kill-rounds.ts), restarted on the same data folder, and every accepted execution must finish with
 * the output of a clean run, no task attempt lost and no transition written twice. A round without a
 * kill gives the reference histories. STEPWRIGHT_KILL_EXECUTIONS sets the executions per round
 * (default 25; the docs' figures come from `npx tsx test/reliability/kill-rounds.ts 200`).
 */
import { KILL_PLAN, runRound, type RoundResult } from './kill-rounds';

const COUNT = Number(process.env.STEPWRIGHT_KILL_EXECUTIONS ?? 25);
// The rounds follow the work (they end when every execution has finished, or call them stranded after
// two minutes without any progress); jest's own timeout is only the outer bound.
jest.setTimeout(15 * 60_000);

let reference: RoundResult;

beforeAll(async () => {
  reference = await runRound('clean', 10, { kind: 'none' });
});

test('the clean round: every execution succeeds with the expected output', () => {
  expect(reference).toMatchObject({ kills: 0, stranded: 0, wrong: [], lostTasks: 0, duplicateTaskRuns: 0, duplicatedTransitions: 0, finished: 10 });
});

describe.each(KILL_PLAN)('SIGKILL at $round', ({ round, kill }) => {
  test('every accepted execution finishes, right, once', async () => {
    const r = await runRound(round, COUNT, kill);
    expect(r.kills).toBeGreaterThanOrEqual(1);
    expect(r.accepted).toBe(COUNT);
    expect({ stranded: r.stranded, strandedDetails: r.strandedDetails, wrong: r.wrong, lostTasks: r.lostTasks, duplicatedTransitions: r.duplicatedTransitions }).toEqual({ stranded: 0, strandedDetails: [], wrong: [], lostTasks: 0, duplicatedTransitions: 0 });
    // the same story as a clean run: per machine, every history has the clean run's event types in order
    for (const [machine, histories] of Object.entries(r.histories)) {
      const clean = reference.histories[machine][0];
      for (const h of histories) expect(h).toEqual(clean);
    }
  });
});
