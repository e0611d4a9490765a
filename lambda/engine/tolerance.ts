/**
 * The Map failure-tolerance rule, in one place: the interpreter applies it as children fail, and the
 * Map Run API (lambda/runtime/map-runs.ts) derives a finished Map Run's status from it.
 *
 * AWS: the Map fails when its failures exceed ToleratedFailureCount, or exceed
 * ToleratedFailurePercentage of the item count; within either threshold it goes on. With neither set,
 * one failure fails it. No failure is always tolerated, so an empty Map never fails for tolerance
 * (and its percentage is never a division by zero).
 */

export interface FailureTolerance {
  /** ToleratedFailureCount as evaluated when the Map began */
  count?: number;
  /** ToleratedFailurePercentage (0-100, may be fractional) as evaluated when the Map began */
  percentage?: number;
}

/** Are `failed` failures out of `total` items within the Map's tolerance? */
export function failureTolerated(failed: number, total: number, tolerance: FailureTolerance): boolean {
  if (failed === 0) return true;
  if (tolerance.count !== undefined && failed <= tolerance.count) return true;
  if (tolerance.percentage !== undefined && total > 0 && (failed / total) * 100 <= tolerance.percentage) return true;
  return false;
}
