/**
 * Where the local runtimes get their task token secret. With a data folder (`stepwright serve`): a
 * file made at the first start, readable by its owner only, and read again on later starts, so the
 * tokens handed out before a restart still answer afterwards. Without one (in-memory engine,
 * `stepwright run`, the conformance runner): a random secret per process.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TaskTokens } from '../engine/task-tokens';

export const TASK_TOKEN_SECRET_FILE = 'task-token-secret';

const newSecret = () => randomBytes(32).toString('hex');

let perProcess: TaskTokens | undefined;

/** One random secret for this process (tokens of `stepwright run` never leave it). */
export function processTaskTokens(): TaskTokens {
  return (perProcess ??= new TaskTokens(newSecret(), 'a random per-process secret'));
}

/** A fresh random secret (an in-memory engine: its executions die with it, so may its tokens). */
export function randomTaskTokens(): TaskTokens {
  return new TaskTokens(newSecret(), 'a random secret');
}

/** The data folder's secret, made (mode 0600) on first use. */
export function dataDirTaskTokens(dataDir: string): TaskTokens {
  const file = join(dataDir, TASK_TOKEN_SECRET_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // as the rest of the data folder: the owner's only
  try {
    // 'wx': never overwrite, so two engines started at once on one folder agree on the secret
    writeFileSync(file, newSecret() + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the task token secret ${file}: ${(e as Error).message}`);
    // Someone widened its mode (a copy, a restore): narrow it again rather than leave it readable to others.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
  return new TaskTokens(readFileSync(file, 'utf8').trim(), file);
}
