/**
 * Parsed forms of definition texts (paths, intrinsic calls, JSONata expressions), cached by text:
 * they come from definitions, so the set is small and hot. Bounded, least recently used out first
 * (lru-cache, the one bounded cache of the code base), so a process that sees many definitions does
 * not grow without end. (It used to drop everything at the limit: a hot path was then re-parsed.)
 */
import { LRUCache } from 'lru-cache';

export function parseCache<T extends object>(parse: (text: string) => T, limit = 10_000): (text: string) => T {
  const cache = new LRUCache<string, T>({ max: limit });
  return (text) => {
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const parsed = parse(text);
    cache.set(text, parsed);
    return parsed;
  };
}
