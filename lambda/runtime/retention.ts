/**
 * History retention as a DynamoDB TTL: each state machine says how long its executions are kept
 * (any number of days, or forever; 90 by default like AWS). The value is fixed on the execution
 * when it starts, so changing the setting affects new executions only. The store asks this policy
 * for the seconds to keep an item it writes (execution record, chunks, history events).
 */
import type { ExecutionRecord, ExecutionStore, StateMachineSettings } from '../ports';
import { DEFAULT_RETENTION_DAYS } from '../ports';

export function retentionSecondsOf(settings: StateMachineSettings | undefined): number | null {
  const days = settings?.retentionDays ?? DEFAULT_RETENTION_DAYS;
  return days === 'forever' ? null : Math.round(days * 86400);
}

interface Subject {
  stateMachineArn: string;
  executionArn: string;
  execution?: ExecutionRecord;
}

/**
 * The `ttlSeconds` hook for DynamoExecutionStore. History appends carry only the ARN: the execution's
 * retention is remembered from its record, which the same process wrote or read just before.
 */
export function retentionPolicy(getStore: () => ExecutionStore, cacheSize = 10_000): (subject: Subject) => Promise<number | undefined> {
  const byExecution = new Map<string, number | null>();
  const remember = (arn: string, seconds: number | null) => {
    byExecution.set(arn, seconds);
    if (byExecution.size > cacheSize) byExecution.delete(byExecution.keys().next().value as string);
  };
  return async ({ stateMachineArn, executionArn, execution }) => {
    let seconds: number | null | undefined = execution?.retentionSeconds;
    if (seconds !== undefined) remember(executionArn, seconds);
    else seconds = byExecution.get(executionArn);
    if (seconds === undefined) {
      const rec = await getStore().getExecution(executionArn);
      if (rec?.retentionSeconds !== undefined) seconds = rec.retentionSeconds;
      else seconds = retentionSecondsOf((await getStore().getStateMachine(stateMachineArn))?.settings);
      remember(executionArn, seconds);
    }
    return seconds === null ? undefined : seconds;
  };
}
