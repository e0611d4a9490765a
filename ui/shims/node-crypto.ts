/**
 * The browser bundle's stand-in for node:crypto. The validator the editor runs imports modules that
 * hash at run time (States.Hash, the JSONata cache); validating never calls them, so the page needs
 * only the names. Used by esbuild's alias in lambda/local/console-assets.ts.
 */
export function createHash(): never {
  throw new Error('hashing is not available in the console page');
}
export function randomUUID(): string {
  return globalThis.crypto.randomUUID();
}
