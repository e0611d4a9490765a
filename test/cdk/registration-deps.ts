import { randomUUID } from 'node:crypto';
import type { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import type { TaskInvoker } from '../../lambda/ports';
import type { EngineDeps } from '../../lambda/runtime/deps';

/**
 * The engine's dependencies as the registration custom resource's handler gets them in these tests:
 * the real store (on dynalite), the given queue, and no task invoker (registering runs no task).
 */
export function registrationDeps(store: DynamoExecutionStore, queue: EngineDeps['queue']): EngineDeps {
  return {
    store,
    queue,
    invoker: {} as TaskInvoker,
    clock: { now: () => new Date() },
    random: { random: Math.random, uuid: randomUUID },
    region: 'us-east-1',
    accountId: '123456789012',
  };
}
