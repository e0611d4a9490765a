/**
 * Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first failure.
 * Hand-written rather than p-limit: a dozen lines, no dependency, and the store and the fan-out both
 * need exactly this (index included) and nothing more.
 */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
