/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the wait before retry `n` (0 for the first) is uniform in [0, min(cap, base * 2^n)).
 * Full jitter spreads many callers that failed together (one throttled table, a wide fan-in racing
 * for one record) instead of bringing them back in a wave. The one copy of the rule: the store's
 * batch retries, the queue's send retries, applyEvent's lost races and the worker's message retries
 * all use it, each with its own base and cap. Unit-free: base and cap in ms or in s alike.
 */
export function fullJitterBackoff(retry: number, base: number, cap: number, random: () => number = Math.random): number {
  return random() * Math.min(cap, base * 2 ** retry);
}
