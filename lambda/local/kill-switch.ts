/**
 * A crash on cue, for the fault-injection suite (test/reliability): with
 * STEPWRIGHT_KILL_AT=<fault point>:<n> (e.g. `after-commit:150`), `stepwright serve` kills its own
 * process with SIGKILL the n-th time the engine passes that point — a real, uncatchable death at an
 * exact step of a commit, which a timer-driven kill from outside could only hit by luck. Unset, it
 * does nothing and costs nothing.
 */
import type { FaultPoint } from '../runtime/deps';

const POINTS: readonly FaultPoint[] = ['after-put', 'after-read', 'after-commit', 'after-history', 'after-send', 'after-invoke', 'after-count'];

export function killSwitchFromEnv(env: NodeJS.ProcessEnv = process.env): ((point: FaultPoint) => void) | undefined {
  const spec = env.STEPWRIGHT_KILL_AT;
  if (!spec) return undefined;
  const m = /^([a-z-]+):(\d+)$/.exec(spec);
  if (!m || !(POINTS as readonly string[]).includes(m[1]) || Number(m[2]) < 1) {
    throw new Error(`STEPWRIGHT_KILL_AT must be <point>:<n> with point one of ${POINTS.join(', ')} and n >= 1, not '${spec}'`);
  }
  const point = m[1] as FaultPoint;
  let left = Number(m[2]);
  return (at) => {
    if (at === point && --left === 0) process.kill(process.pid, 'SIGKILL');
  };
}
