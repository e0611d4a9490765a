/**
 * The task attempts this process is running inline right now, per store (inline-task.ts). Whoever
 * flushes an outbox whose inline task this process committed can then tell a run in progress (leave
 * it be) from one that failed before it answered (send its invoke again). Its own module so that both
 * advance-execution.ts and inline-task.ts can use it without importing each other.
 */
const runningByStore = new WeakMap<object, Set<string>>();

/** Marks the attempt as running here; call the returned function when it is over. */
export function markInlineRun(store: object, executionArn: string, token: string): () => void {
  let running = runningByStore.get(store);
  if (!running) runningByStore.set(store, (running = new Set()));
  const key = `${executionArn}#${token}`;
  running.add(key);
  return () => running.delete(key);
}

export function inlineRunInProgress(store: object, executionArn: string, token: string): boolean {
  return runningByStore.get(store)?.has(`${executionArn}#${token}`) ?? false;
}
