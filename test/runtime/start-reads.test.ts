/**
 * Reads the worker spares (issue 16 item 6), on the local engine (real dynalite, LocalQueue, worker):
 *   - the start reads a state machine revision's role and limits once per process, the API a machine once
 *     a second, and an update (a new revision) is still seen by the executions started after it;
 *   - the record this process has just cleared is known without reading it again (clearedHere).
 */
import * as svc from '../../lambda/runtime/service';
import { clearedHere } from '../../lambda/runtime/advance-execution';
import { START_MACHINE_TTL_MS } from '../../lambda/runtime/start-machines';
import { FN, startTestEngine, type TestEngine, until } from './harness';

const ROLE_B = 'arn:aws:iam::123456789012:role/other';
const WORKFLOW = {
  StartAt: 'One',
  States: {
    One: { Type: 'Task', Resource: FN('Inc'), Next: 'Two' },
    Two: { Type: 'Task', Resource: FN('Inc'), End: true },
  },
};

describe('reads the worker spares', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await startTestEngine({ tasks: { Inc: (n: unknown) => (n as number) + 1 } });
  });
  afterEach(() => t.close());

  const startedDetails = async (arn: string) => (await t.history(arn)).find((e) => e.type === 'ExecutionStarted')?.executionStartedEventDetails as { roleArn?: string } | undefined;
  const roleOf = async (arn: string) => (await startedDetails(arn))?.roleArn;

  test('a revision is read once for many starts; an updated role reaches the executions started after the update', async () => {
    const sm = await t.machine('reads', WORKFLOW);
    const reads = jest.spyOn(t.deps.store, 'getStateMachine');
    const machineReads = () => reads.mock.calls.filter(([arn]) => arn === sm).length;
    // the engine's clock stands still: every start below comes within the second the API remembers a machine for
    const realClock = t.deps.clock;
    const frozen = new Date();
    t.deps.clock = { now: () => new Date(frozen) };
    expect((await t.finished(await t.start(sm, 0))).output).toBe('2');
    const afterFirst = machineReads();
    for (let i = 1; i < 3; i++) expect((await t.finished(await t.start(sm, i))).output).toBe(String(i + 2));
    // read for the first start (the API checks that the machine exists; the worker reads its role and
    // limits once per revision), and neither the API nor the worker read it again
    expect(machineReads() - afterFirst).toBe(0);
    // a second later the API reads it again
    t.deps.clock = { now: () => new Date(frozen.getTime() + START_MACHINE_TTL_MS) };
    expect((await t.finished(await t.start(sm, 5))).output).toBe('7');
    expect(machineReads() - afterFirst).toBe(1);
    t.deps.clock = realClock;
    await svc.updateStateMachine(t.deps, { stateMachineArn: sm, roleArn: ROLE_B });
    const after = await t.start(sm, 10);
    expect((await t.finished(after)).output).toBe('12');
    expect(await roleOf(after)).toBe(ROLE_B);
    reads.mockRestore();
  });

  test('clearedHere gives the record as this process cleared it, and nothing for an outbox it did not clear', async () => {
    // a Wait: its commit's outbox (a timer message) is flushed and cleared while the execution runs on
    // (a finished execution's last outbox stays in the record, see advance-execution.ts writeOutbox)
    const sm = await t.machine('cleared', { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } });
    const arn = await t.start(sm, 1);
    const done = await until('the Wait to be committed and cleared', async () => {
      const rec = await t.get(arn);
      return rec.snapshot && !rec.outbox ? rec : undefined;
    });
    expect(done.status).toBe('RUNNING');
    // the last commit's record as a reader saw it before its clearing: one version back, its outbox on
    const beforeClearing = { ...done, version: done.version - 1, outbox: { events: [], messages: [] } };
    expect(await clearedHere(t.deps, beforeClearing)).toMatchObject({ version: done.version, status: 'RUNNING', outbox: undefined });
    // an older outbox (this process flushed a newer one since) or no outbox at all: not known here
    expect(await clearedHere(t.deps, { ...beforeClearing, version: done.version - 3 })).toBeUndefined();
    expect(await clearedHere(t.deps, done)).toBeUndefined();
  });
});
