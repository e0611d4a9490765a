/**
 * The log lines a batch of history events makes (lambda/runtime/execution-log-lines.ts, pure): a failed
 * attempt of any kind of task, Lambda, service integration or activity, is one WARN line naming the
 * state, its error and cause.
 */
import { logLinesFor } from '../../lambda/runtime/execution-log-lines';
import type { HistoryEvent } from '../../lambda/engine/history';

const info = { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:one', stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm', child: false };
const at = '2026-11-30T00:00:00.000Z';
const event = (id: number, type: string, details: Record<string, unknown> = {}, key?: string): HistoryEvent =>
  ({ id, previousEventId: id - 1, timestamp: at, type, ...(key ? { [key]: details } : {}) });

test.each([
  ['LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails'],
  ['TaskFailed', 'taskFailedEventDetails'],
  ['ActivityFailed', 'activityFailedEventDetails'],
  ['ActivityTimedOut', 'activityTimedOutEventDetails'],
  ['ActivityScheduleFailed', 'activityScheduleFailedEventDetails'],
])('%s is a failed task attempt: one WARN line with its error and cause', (type, key) => {
  const events = [event(1, 'TaskStateEntered', { name: 'Work' }, 'stateEnteredEventDetails'), event(2, type, { error: 'Boom', cause: 'it broke' }, key)];
  const lines = logLinesFor(events, info, ['Work', 'Work']);
  expect(lines.filter((l) => l.level === 'WARN')).toEqual([expect.objectContaining({ message: 'task attempt failed', stateName: 'Work', error: 'Boom', cause: 'it broke', event: type })]);
});

test('a succeeded activity attempt makes no WARN line', () => {
  const lines = logLinesFor([event(1, 'ActivitySucceeded', { output: '{}' }, 'activitySucceededEventDetails')], info, ['Work']);
  expect(lines.filter((l) => l.level === 'WARN')).toEqual([]);
});
