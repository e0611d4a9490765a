/**
 * The durable engine on a laptop: the SAME store adapter (DynamoDB, against dynalite in this
 * process), the SAME worker handler (fed SQS-shaped batches by an in-process queue) and the SAME
 * API router as on AWS; only the task invoker is local (modules from the config, or real Lambda in
 * hybrid mode). With a data folder, executions and pending messages survive a restart.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalDynamo, type LocalDynamo } from './embedded-dynamo';
import { LocalQueue } from './memory-queue';
import { DynamoExecutionStore } from '../aws/dynamo-store';
import { retentionPolicy } from '../runtime/retention';
import { createWorkerHandler } from '../handlers/worker';
import { startPeriodicSweep } from '../runtime/reconciler';
import { systemClock, type TaskInvoker, type Clock } from '../ports';
import type { EngineDeps, FaultPoint } from '../runtime/deps';
import { checkSettings, createStateMachine, stateMachineArnFor, updateStateMachine } from '../runtime/service';
import type { ConfiguredStateMachine } from './config';
import type { FanOutMode } from '../engine/interpreter';
import { dataDirTaskTokens, randomTaskTokens } from './task-token-secret';
import { ServiceIntegrationInvoker } from '../runtime/integrations/service-invoker';
import { localServiceCaller } from './local-services';

export interface LocalEngineOptions {
  /** folder for DynamoDB data and the queue file; omitted = in memory */
  dataDir?: string;
  invoker: TaskInvoker;
  stateMachines?: ConfiguredStateMachine[];
  /** multiplies Waits, retry intervals, timeouts, heartbeats (1 real time, 0 no waiting) */
  timeScale?: number;
  clock?: Clock;
  /** queue settings (tests shorten the visibility timeout to see redelivery quickly) */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  concurrency?: number;
  taskLeaseSeconds?: number;
  /** false: every task goes through an invoke message (runtime/inline-task.ts; default true) */
  inlineTasks?: boolean;
  fault?: (point: FaultPoint) => void;
  /** how Map items and Parallel branches run (default 'auto': spread where they contain a Task) */
  fanOut?: FanOutMode;
  /**
   * The reconciler (runtime/reconciler.ts): an execution not written for this long while it owes work
   * is resumed (default 30 s; a sweep runs at start and every `reconcileAfterSeconds`, so a stranded
   * execution resumes within twice that). 0 turns the periodic sweep off (the start-up one still runs).
   */
  reconcileAfterSeconds?: number;
  /**
   * Where service integrations go (see local-services.ts): the SQS emulator's endpoint, and endpoints
   * per service from the config. DynamoDB tasks always have the embedded database.
   */
  services?: { sqsEndpoint?: string; endpoints?: Record<string, string> };
}

export interface LocalEngine {
  deps: EngineDeps;
  queue: LocalQueue;
  dynamo: LocalDynamo;
  /** resolves when no message is pending, delayed or in flight */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
/** resumed within 60 s of a crash: stale after 30 s, swept every 30 s */
export const LOCAL_RECONCILE_AFTER_SECONDS = 30;

export async function startLocalEngine(opts: LocalEngineOptions): Promise<LocalEngine> {
  const startedAt = Date.now();
  const dynamo = await startLocalDynamo({ path: opts.dataDir ? join(opts.dataDir, 'dynamodb') : undefined });
  const queue = new LocalQueue({
    persistFile: opts.dataDir ? join(opts.dataDir, 'queue.json') : undefined,
    visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 30,
    maxReceiveCount: opts.maxReceiveCount ?? 10,
    concurrency: opts.concurrency ?? 4,
    // the API's delayed watchdogs are housekeeping: idle() does not wait the reconcile bound for them
    isBackground: (body) => body.kind === 'reconcile',
  });
  const deps: EngineDeps = {
    // dynalite keeps expired items (it has no TTL deletion), but they carry the expiry AWS would act on
    store: new DynamoExecutionStore({ client: dynamo.client, tableName: dynamo.tableName, ttlSeconds: retentionPolicy(() => deps.store) }),
    queue,
    // SQS, SNS, DynamoDB, EventBridge and aws-sdk tasks in front of the local (or hybrid) functions
    invoker: new ServiceIntegrationInvoker(opts.invoker, localServiceCaller({ region: LOCAL_REGION, dynamoClient: dynamo.client, ...opts.services })),
    clock: opts.clock ?? systemClock,
    random: { random: Math.random, uuid: randomUUID },
    timeScale: opts.timeScale ?? 1,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    taskLeaseSeconds: opts.taskLeaseSeconds,
    inlineTasks: opts.inlineTasks,
    maxReceiveCount: opts.maxReceiveCount ?? 10,
    fault: opts.fault,
    fanOut: opts.fanOut,
    // kept in the data folder so tokens handed out survive a restart; random for an in-memory engine
    taskTokens: opts.dataDir ? dataDirTaskTokens(opts.dataDir) : randomTaskTokens(),
    reconcileAfterSeconds: opts.reconcileAfterSeconds ?? LOCAL_RECONCILE_AFTER_SECONDS,
    // one process per data folder (serve holds a lock): claims of an earlier process died with it
    soleClaimHolder: randomUUID(),
  };
  for (const sm of opts.stateMachines ?? []) await registerStateMachine(deps, sm);
  queue.start(createWorkerHandler(() => deps));
  // At start, whatever a previous process left half done is done now (all it had in flight died with
  // it: records last written before this moment); then periodically, for what a crash of a task or a
  // lost message leaves.
  const after = deps.reconcileAfterSeconds!;
  const reconciler = startPeriodicSweep(deps, { staleAfterMs: after > 0 ? after * 1000 : Infinity, writtenBefore: startedAt, intervalMs: after > 0 ? after * 1000 : 2 ** 31 - 1 });
  return {
    deps,
    queue,
    dynamo,
    idle: () => queue.drain(),
    close: async () => {
      await reconciler.stop();
      await queue.stop();
      await dynamo.close();
    },
  };
}

/** Creates the machine, or updates it when the config's definition changed since the last start. */
export async function registerStateMachine(deps: EngineDeps, sm: ConfiguredStateMachine): Promise<void> {
  const arn = stateMachineArnFor(deps, sm.name);
  const existing = await deps.store.getStateMachine(arn);
  if (!existing) await createStateMachine(deps, { name: sm.name, definition: sm.definitionText, roleArn: sm.roleArn, settings: sm.settings });
  else if (existing.definition !== sm.definitionText || JSON.stringify(existing.settings ?? {}) !== JSON.stringify(checkSettings(sm.settings) ?? {})) {
    await updateStateMachine(deps, { stateMachineArn: arn, definition: sm.definitionText, settings: sm.settings ?? {} });
  }
}
