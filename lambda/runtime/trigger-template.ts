/**
 * inputMapping {template}: builds an execution input from a record. Paths reuse the engine's own
 * JSONPath (so "$.a[0]" means exactly what it means in a definition), evaluated on the source's
 * default input as `$` and on the raw record as `$$` (like ASL's context object). Plain "/a/0"
 * strings are RFC 6901 JSON pointers on the default input.
 *
 * A path that matches nothing leaves its key out (or null inside an array) rather than failing:
 * stream records legitimately lack fields (REMOVE has no new image), and failing a stream record
 * would block its shard until the retries run out.
 */
import { queryPath } from '../asl/jsonpath';
import type { PathScope } from '../asl/scope';

export type CompiledTemplate = (view: unknown, raw: unknown) => unknown;

// "$", "$.x", "$[0]", "$$", "$$.x": a JSONPath. "$5.00" or "$name" stay literal text.
const JSON_PATH = /^\$\$?(?:$|[.[])/;

export function compileTemplate(template: unknown): CompiledTemplate {
  const build = compileNode(template);
  return (view, raw) => build(scopeOf(view, raw));
}

type Builder = (scope: PathScope) => unknown;

function compileNode(node: unknown): Builder {
  if (typeof node === 'string') {
    if (JSON_PATH.test(node)) return compilePath(node);
    if (node.startsWith('/')) return compilePointer(node);
    return () => node;
  }
  if (Array.isArray(node)) {
    const items = node.map(compileNode);
    return (scope) => items.map((b) => b(scope) ?? null);
  }
  if (node && typeof node === 'object') {
    const fields = Object.entries(node).map(([k, v]) => [k, compileNode(v)] as const);
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (const [k, b] of fields) {
        const v = b(scope);
        if (v !== undefined) out[k] = v;
      }
      return out;
    };
  }
  if (node === undefined || typeof node === 'function' || typeof node === 'symbol' || typeof node === 'bigint') {
    throw new Error(`template values must be JSON, got ${typeof node}`);
  }
  return () => node;
}

function compilePath(path: string): Builder {
  // Compile (and cache) the path now so a syntax error surfaces when the config is read.
  queryPath(path, scopeOf(undefined, undefined));
  return (scope) => {
    const r = queryPath(path, scope);
    return r.found ? r.value : undefined;
  };
}

function compilePointer(pointer: string): Builder {
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  return (scope) => {
    let v: unknown = scope.input;
    for (const t of tokens) {
      if (Array.isArray(v)) {
        if (!/^(0|[1-9]\d*)$/.test(t)) return undefined;
        v = v[Number(t)];
      } else if (v && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, t)) {
        v = (v as Record<string, unknown>)[t];
      } else {
        return undefined;
      }
    }
    return v;
  };
}

function scopeOf(view: unknown, raw: unknown): PathScope {
  return { input: view, context: raw, variable: () => ({ found: false }) };
}
