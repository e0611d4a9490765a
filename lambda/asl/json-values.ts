/**
 * JSON value helpers shared by JSONPath, the intrinsic functions, payload templates and the engine:
 * own-property access that is safe for keys like "__proto__", JSON equality, Java's toString of values.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** Sets an own data property even for keys like "__proto__" (plain assignment would hit the setter). */
export function defineKey(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** JSON equality: key order does not matter, and 1 and 1.0 are the same number (they are in JS). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEquals(item, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => hasOwn(bo, k) && jsonEquals(ao[k], bo[k]));
}

/**
 * A value as Java's `toString()` renders the map/list Jackson parsed it into: `{a=1, b=[x, y]}`,
 * strings unquoted, null as "null". AWS shows values this way in States.Format and in Jayway texts.
 */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return javaNumberToString(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  const entries = Object.keys(value).map((k) => `${k}=${javaToString((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(', ')}}`;
}

/**
 * Integers as Long/BigInteger print their digits; other numbers as Java's Double.toString: plain
 * decimals in [1e-3, 1e7), otherwise "1.5E-7". JSON cannot tell 1.0 from 1, so 1.0 prints as "1".
 */
export function javaNumberToString(n: number): string {
  if (Object.is(n, -0)) return '0';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isSafeInteger(n)) return String(n); // the same digits as below, without a BigInt
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return String(n);
  const [mantissa, exponent] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}
