/**
 * The deployment's task token signer, as the durable runtime gets it from EngineDeps: ready at once
 * (local engine, tests) or loaded on first use (AWS: one Secrets Manager read per cold start).
 */
import type { TaskTokens } from '../engine/task-tokens';
import type { EngineDeps } from './deps';

export type TaskTokenSource = TaskTokens | (() => Promise<TaskTokens>);

export async function taskTokensOf(deps: Pick<EngineDeps, 'taskTokens'>): Promise<TaskTokens> {
  const source = deps.taskTokens;
  if (!source) throw new Error('this engine has no task token secret (EngineDeps.taskTokens is not set): task tokens can be neither issued nor checked');
  return typeof source === 'function' ? source() : source;
}

/**
 * A loader that reads the secret once and keeps the signer; a failed read is not kept, so the next
 * call (the next message, or the retried request) tries again instead of failing for the container's life.
 */
export function loadOnce(load: () => Promise<TaskTokens>): () => Promise<TaskTokens> {
  let pending: Promise<TaskTokens> | undefined;
  return () => {
    pending ??= load().catch((e) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}
