/**
 * Where the tests find the conformance corpus: $STEPWRIGHT_CONFORMANCE_DIR, else ../shared/conformance
 * beside the repository. A missing corpus is an error naming the path looked at, never a silent skip:
 * the suites that import this fail to load rather than pass with 0 cases run.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export const CONFORMANCE_DIR_ENV = 'STEPWRIGHT_CONFORMANCE_DIR';

/** The corpus folder (absolute); throws, naming it, when it is not there. */
export function conformanceDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[CONFORMANCE_DIR_ENV];
  const dir = fromEnv ? resolve(fromEnv) : resolve(__dirname, '../../../shared/conformance');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`conformance corpus not found at ${dir} (${fromEnv ? `from ${CONFORMANCE_DIR_ENV}` : `the default; set ${CONFORMANCE_DIR_ENV} to its folder`})`);
  }
  return dir;
}
