/**
 * The worker's start of an execution whose record the API (or a parent's fan-out) has written: the
 * StartExecution event applied to it. Its own module because both the worker (process-message.ts, the
 * `start` and `startChild` messages) and the API (service.stopExecution, which starts an execution not
 * yet started so that its history tells the whole story) need it: service.ts importing the worker would
 * close the cycle service -> process-message -> integrations -> service.
 */
import { LRUCache } from 'lru-cache';
import type { ExecutionRecord, StateMachineRecord } from '../ports';
import { applyEvent, rootInput, type InlineTasks } from './advance-execution';
import type { EngineDeps } from './deps';
import { roleArnIn } from '../engine/arns';

interface MachineSettings { roleArn?: string; limits?: NonNullable<StateMachineRecord['settings']>['limits'] }

/**
 * A state machine's role and limits by revision, per store: every UpdateStateMachine writes a new
 * revision id, so what one revision says never changes, and the start of each execution need not read
 * the machine again (one GetItem per execution). Bounded, least recently used out first.
 */
const settingsByStore = new WeakMap<object, LRUCache<string, MachineSettings>>();

async function machineSettings(deps: EngineDeps, rec: ExecutionRecord): Promise<MachineSettings | undefined> {
  let cache = settingsByStore.get(deps.store);
  if (!cache) settingsByStore.set(deps.store, (cache = new LRUCache({ max: 1000 })));
  const key = `${rec.stateMachineArn}#${rec.revisionId}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const sm = await deps.store.getStateMachine(rec.stateMachineArn);
  if (!sm) return undefined;
  const settings: MachineSettings = { roleArn: sm.roleArn, limits: sm.settings?.limits };
  // only the revision the execution started with is remembered (the machine may have been updated since)
  if (sm.revisionId === rec.revisionId) cache.set(key, settings);
  return settings;
}

/** `known`: the record, when the caller has just read it; `inline`: the worker's inline task runs (none for the API). */
export async function startRun(deps: EngineDeps, executionArn: string, known?: ExecutionRecord, inline?: InlineTasks): Promise<void> {
  const rec = known ?? (await deps.store.getExecution(executionArn));
  if (!rec) return;
  // Already started: applyEvent still finishes an outbox that a crash after the start's commit left behind
  // (this message is the only one that can), then ignores the start.
  // $$.Execution.RoleArn and the ExecutionStarted event carry the state machine's role, as on AWS.
  if (rec.child && !rec.snapshot) {
    // A spread child runs its part of the parent's definition; $$.Execution is the parent's.
    const link = rec.child;
    await applyEvent(deps, executionArn, {
      type: 'StartExecution',
      execution: { ...link.execution, input: await rootInput(deps, link.execution.arn) },
      limits: link.limits,
      traceId: rec.traceId,
      child: { recordArn: executionArn, machinePath: link.machinePath, ...(link.outerVariables ? { outerVariables: link.outerVariables } : {}) },
      childInput: JSON.parse(rec.input),
    }, { known: rec, inline });
    return;
  }
  const sm = rec.snapshot ? undefined : await machineSettings(deps, rec);
  await applyEvent(deps, executionArn, {
    type: 'StartExecution',
    execution: {
      arn: rec.executionArn,
      name: rec.name,
      input: JSON.parse(rec.input),
      startTime: rec.startDate,
      roleArn: sm?.roleArn ?? roleArnIn(deps.region, deps.accountId, 'stepwright-execution'),
      stateMachineArn: rec.stateMachineArn,
      stateMachineName: rec.stateMachineName,
    },
    limits: sm?.limits,
    traceId: rec.traceId,
  }, { known: rec, inline });
}
