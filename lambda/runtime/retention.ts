/**
 * History retention as a DynamoDB TTL: each state machine says how long its executions are kept
 * (any number of days, or forever; 90 by default like AWS). The value is fixed on the execution
 * when it starts, so changing the setting affects new executions only. The store asks this policy
 * for the seconds to keep an item it writes (execution record, chunks, history events).
 */
import type { ExecutionRecord, ExecutionStore, StateMachineSettings } from '../ports';
import { DEFAULT_RETENTION_DAYS } from '../ports';
import { LRUCache } from 'lru-cache';

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
  // boxed: the cache holds no null (forever is null)
  const byExecution = new LRUCache<string, { seconds: number | null }>({ max: cacheSize });
  const remember = (arn: string, seconds: number | null) => void byExecution.set(arn, { seconds });
  return async ({ stateMachineArn, executionArn, execution }) => {
    let seconds: number | null | undefined = execution?.retentionSeconds;
    if (seconds !== undefined) remember(executionArn, seconds);
    else seconds = byExecution.get(executionArn)?.seconds;
    if (seconds === undefined) {
      const rec = await getStore().getExecution(executionArn);
      if (rec?.retentionSeconds !== undefined) seconds = rec.retentionSeconds;
      else seconds = retentionSecondsOf((await getStore().getStateMachine(stateMachineArn))?.settings);
      remember(executionArn, seconds);
    }
    return seconds === null ? undefined : seconds;
  };
}
