/**
 * The interpreter keeps the ISO text of the last clock reading it saw (toISOString is dear on the hot
 * path) and copies the start event's execution field by field: each call of advance must still stamp
 * its own `now`, whatever the calls before it saw, and the snapshot keep every field of the execution.
 */
import { advance } from '../../lambda/engine/interpreter';
import type { StateMachineDefinition } from '../../lambda/engine/definition';
import type { IncomingEvent } from '../../lambda/engine/types';

const random = { random: () => 0.5, uuid: () => '00000000-0000-4000-8000-000000000000' };
const definition: StateMachineDefinition = {
  StartAt: 'Nap',
  States: {
    Nap: { Type: 'Wait', Seconds: 5, Next: 'Stamp' },
    Stamp: { Type: 'Pass', Parameters: { 'entered.$': '$$.State.EnteredTime' }, End: true },
  },
};
const execution = { arn: 'arn:aws:states:us-east-1:1:execution:sm:e', name: 'e', input: {}, startTime: '2026-01-01T00:00:00.000Z', roleArn: 'r', stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sm', stateMachineName: 'sm' };

async function runAt(start: Date, wake: Date) {
  const first = await advance(definition, undefined, { type: 'StartExecution', execution }, start, { random });
  const timer = first.effects.find((e) => e.type === 'SetTimer')!;
  const fired: IncomingEvent = { type: 'TimerFired', token: (timer as { token: string }).token };
  const second = await advance(definition, first.snapshot, fired, wake, { random });
  return { first, second };
}

describe('the clock reading of each call', () => {
  it('stamps every event and $$.State.EnteredTime with the call\'s own now, also when calls alternate between two times', async () => {
    const a = new Date('2026-01-01T00:00:00.123Z');
    const b = new Date('2026-01-01T00:00:05.456Z');
    for (const [start, wake] of [
      [a, b],
      [b, a], // time going backwards between calls is not the interpreter's business: it stamps what it is given
      [a, a],
      [b, b],
    ]) {
      const { first, second } = await runAt(start, wake);
      expect(first.events.map((e) => e.timestamp)).toEqual(first.events.map(() => start.toISOString()));
      expect(second.events.map((e) => e.timestamp)).toEqual(second.events.map(() => wake.toISOString()));
      expect(second.snapshot.status).toBe('SUCCEEDED');
      expect(second.snapshot.output).toEqual({ entered: wake.toISOString() });
    }
  });

  it('still throws on an invalid Date, every time', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(advance(definition, undefined, { type: 'StartExecution', execution }, new Date(NaN), { random })).rejects.toThrow(RangeError);
    }
  });
});

describe('the execution of a start event', () => {
  it('is kept whole in the snapshot: redriveCount 0 when left out, redriveTime when given', async () => {
    const plain = await advance(definition, undefined, { type: 'StartExecution', execution }, new Date('2026-01-01T00:00:00Z'), { random });
    expect(plain.snapshot.execution).toEqual({ ...execution, redriveCount: 0 });
    const redriven = { ...execution, redriveCount: 2, redriveTime: '2026-01-02T00:00:00.000Z' };
    const again = await advance(definition, undefined, { type: 'StartExecution', execution: redriven }, new Date('2026-01-03T00:00:00Z'), { random });
    expect(again.snapshot.execution).toEqual(redriven);
    expect(again.snapshot.execution).not.toBe(redriven);
  });
});
