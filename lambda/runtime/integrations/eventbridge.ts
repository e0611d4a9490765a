/**
 * `arn:aws:states:::events:putEvents[.waitForTaskToken]`: PutEvents with the task's Entries (Detail —
 * a JSON value is sent as its text —, DetailType, Source, EventBusName, Resources). As AWS does, the
 * execution's and the state machine's ARNs are appended to each entry's Resources, and a response
 * with a non-zero FailedEntryCount fails the task with `EventBridge.FailedEntry`. Result: {Entries,
 * FailedEntryCount}. Other errors: `EventBridge.<ErrorCode>Exception`.
 */
import type { TaskOutcome, TaskRequest } from '../../ports';
import { asText, isObject, parameterFailure, serviceFailure } from './failures';
import type { ServiceCaller } from './service-caller';

export const EVENTBRIDGE_NAMES = { prefix: 'EventBridge', javaService: 'AmazonEventBridge' };

/** arn:aws:states:r:a:execution:<machine>:<name> -> arn:aws:states:r:a:stateMachine:<machine> */
export function stateMachineArnOfExecution(executionArn: string): string {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':');
}

export async function eventBridgePutEvents(caller: ServiceCaller, req: TaskRequest): Promise<TaskOutcome> {
  const params = isObject(req.input) ? req.input : {};
  if (!Array.isArray(params.Entries) || params.Entries.length === 0 || !params.Entries.every(isObject)) {
    return parameterFailure(req.stateName, 'Entries', 'a non-empty array of event entries');
  }
  const ours = [req.executionArn, stateMachineArnOfExecution(req.executionArn)];
  const entries = (params.Entries as Record<string, unknown>[]).map((entry) => ({
    ...entry,
    ...(entry.Detail !== undefined ? { Detail: asText(entry.Detail) } : {}),
    Resources: [...(Array.isArray(entry.Resources) ? (entry.Resources as unknown[]) : []), ...ours],
  }));
  let output: Record<string, unknown>;
  try {
    output = (await caller.call('eventbridge', 'PutEvents', { ...params, Entries: entries })).output;
  } catch (e) {
    return serviceFailure(EVENTBRIDGE_NAMES, e);
  }
  const failed = typeof output.FailedEntryCount === 'number' ? output.FailedEntryCount : 0;
  if (failed > 0) return { ok: false, error: 'EventBridge.FailedEntry', cause: JSON.stringify(output) };
  return { ok: true, output: { Entries: output.Entries ?? [], FailedEntryCount: failed } };
}
