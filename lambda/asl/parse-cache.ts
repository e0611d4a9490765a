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

/**
 * A plain Map in front of a parse cache, for the texts read on every state (ResultPath, Choice
 * variables): a hit costs one hash lookup instead of the LRU's recency bookkeeping, which was most
 * of a path's cost in a Pass/Choice chain. Bounded: emptied when full, the texts still hot then come
 * back from the cache behind it (or are parsed again, once, if it has let them go).
 */
export function hotFront<T>(lookup: (text: string) => T, size = 1_000): (text: string) => T {
  let front = new Map<string, T>();
  return (text) => {
    const hot = front.get(text);
    if (hot !== undefined) return hot;
    const value = lookup(text); // may throw (bad syntax): nothing is kept then
    if (front.size >= size) front = new Map();
    front.set(text, value);
    return value;
  };
}
