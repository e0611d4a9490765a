/**
 * Closes the LevelDB iterators that the embedded DynamoDB (dynalite) opens and never closes.
 *
 * dynalite reads every Query and Scan through a stream over an abstract-level iterator, and when the
 * stream ends, or is cut short at the page's Limit, it closes the iterator with `iterator.return()`.
 * abstract-level 3 (under classic-level and memory-level, the stores dynalite 4 uses) has no
 * return(): its iterators close with close(). So no iterator was ever closed. Each open one keeps
 * its JS object (held by the database in its set of open resources until the database closes), and,
 * on LevelDB, a native iterator with its snapshot, which pins memtables and table files (about 40 KB
 * outside the V8 heap each, measured; files that compaction made obsolete cannot be deleted either).
 * The engine runs a Query or two per execution, so a long-running `stepwright serve` grew by hundreds
 * of MB per few thousand executions and never gave it back.
 *
 * Giving the iterator classes the return() that dynalite calls closes them. It is added only where
 * missing, so a dynalite or abstract-level that fixes this itself is left alone.
 */
import { createRequire } from 'node:module';

interface IteratorClass {
  prototype: { close(): Promise<void>; return?: () => Promise<void> };
}

/** abstract-level as the store's own dependencies resolve it (level -> classic-level, and memory-level). */
function abstractLevelCopies(): Record<string, unknown>[] {
  const copies = new Set<Record<string, unknown>>();
  const chains = [
    ['dynalite', 'level', 'classic-level', 'abstract-level'],
    ['dynalite', 'memory-level', 'abstract-level'],
  ];
  for (const chain of chains) {
    try {
      let from = __filename;
      for (const name of chain.slice(0, -1)) from = createRequire(from).resolve(name);
      copies.add(createRequire(from)(chain[chain.length - 1]) as Record<string, unknown>);
    } catch {
      // a layout this does not know: nothing to patch there
    }
  }
  return [...copies];
}

let applied = false;

export function closeLevelIteratorsOnReturn(): void {
  if (applied) return;
  applied = true;
  for (const al of abstractLevelCopies()) {
    for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
      const cls = al[name] as IteratorClass | undefined;
      if (!cls?.prototype || typeof cls.prototype.return === 'function') continue;
      Object.defineProperty(cls.prototype, 'return', {
        configurable: true,
        writable: true,
        value: function (this: { close(): Promise<void> }) {
          return this.close();
        },
      });
    }
  }
}
