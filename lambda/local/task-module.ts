/**
 * Loads a user's task module for `stepwright run --tasks F`: a JS or TS file whose exports (or
 * default export) map resource ARNs or bare function names to (async) functions.
 */
import { resolverFromTable } from './tasks';
import type { TaskFunction, TaskResolver } from './runner';

export function loadTaskModule(file: string): TaskResolver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the user's task file is named on the command line and loaded synchronously (a .ts one through tsx's require hook)
  const mod: unknown = require(file);
  const hasDefault = (typeof mod === 'object' || typeof mod === 'function') && mod !== null && 'default' in mod && typeof mod.default === 'object';
  const table = (hasDefault ? mod.default : mod) as Record<string, unknown>;
  // a Map: an export named like an Object.prototype member stays an ordinary key
  const functions = new Map<string, TaskFunction>();
  for (const [key, value] of Object.entries(table)) {
    if (typeof value === 'function') functions.set(key, value as TaskFunction);
  }
  if (functions.size === 0) throw new Error(`${file} exports no task functions`);
  return resolverFromTable(functions);
}
