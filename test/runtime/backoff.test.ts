/** The one backoff rule (lambda/backoff.ts): capped exponential, full jitter. */
import { fullJitterBackoff } from '../../lambda/backoff';
import { retryDelaySeconds, RETRY_BASE_SECONDS, RETRY_CAP_SECONDS } from '../../lambda/handlers/worker';

it('is uniform in [0, min(cap, base * 2^retry)): the ceiling doubles from base up to the cap', () => {
  const top = () => 0.999999;
  expect([0, 1, 2, 3, 4, 10].map((n) => Math.round(fullJitterBackoff(n, 50, 2000, top)))).toEqual([50, 100, 200, 400, 800, 2000]);
  expect(fullJitterBackoff(3, 50, 2000, () => 0)).toBe(0);
  expect(fullJitterBackoff(2, 50, 2000, () => 0.5)).toBe(100);
});

it("the worker's message retries: retry n of a message waits up to 2^n s (receive count n), at most 5 minutes", () => {
  expect(retryDelaySeconds(1, () => 1)).toBe(RETRY_BASE_SECONDS);
  expect(retryDelaySeconds(4, () => 1)).toBe(16);
  expect(retryDelaySeconds(100, () => 1)).toBe(RETRY_CAP_SECONDS);
  expect(retryDelaySeconds(Number.NaN, () => 1)).toBe(RETRY_BASE_SECONDS);
});
