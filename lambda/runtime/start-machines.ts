/**
 * The state machine a start names (StartExecution, StartSyncExecution), remembered for a second per
 * process. Every start read the machine's item with a strongly consistent GetItem: one RRU per
 * execution, and at 3,000 starts/s one machine's item alone needed twice what a partition serves. A
 * second is well inside what AWS allows itself ("executions started immediately after calling
 * UpdateStateMachine might use the previous state machine definition and roleArn"). This process's own
 * create, update and delete forget the entry at once, so a caller that changes a machine and starts it
 * through the same process sees the change.
 */
import { LRUCache } from 'lru-cache';
import type { StateMachineRecord } from '../ports';
import type { EngineDeps } from './deps';

export const START_MACHINE_TTL_MS = 1000;

/** By store; the time an entry is good until is on the engine's clock (deps.clock), as every other time. */
const byStore = new WeakMap<object, LRUCache<string, { sm: StateMachineRecord; until: number }>>();

function cacheOf(deps: EngineDeps): LRUCache<string, { sm: StateMachineRecord; until: number }> {
  let cache = byStore.get(deps.store);
  if (!cache) byStore.set(deps.store, (cache = new LRUCache({ max: 1000 })));
  return cache;
}

/** The machine for a start: remembered, else `load` (which throws when it does not exist; nothing is remembered then). */
export async function machineForStart(deps: EngineDeps, arn: string, load: () => Promise<StateMachineRecord>): Promise<StateMachineRecord> {
  const cache = cacheOf(deps);
  const known = cache.get(arn);
  if (known && deps.clock.now().getTime() < known.until) return known.sm;
  const sm = await load();
  cache.set(arn, { sm, until: deps.clock.now().getTime() + START_MACHINE_TTL_MS });
  return sm;
}

/** This process changed the machine: its next start reads it again. */
export function forgetStartMachine(deps: EngineDeps, arn: string): void {
  byStore.get(deps.store)?.delete(arn);
}
