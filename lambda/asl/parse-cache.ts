/**
 * Parsed forms of definition texts (paths, intrinsic calls, JSONata expressions), cached by text:
 * they come from definitions, so the set is small and hot. Bounded so a process that sees many
 * definitions does not grow without end.
 */
export function parseCache<T>(parse: (text: string) => T, limit = 10_000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const parsed = parse(text);
    if (cache.size >= limit) cache.clear();
    cache.set(text, parsed);
    return parsed;
  };
}
