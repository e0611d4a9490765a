/**
 * Where validation findings are collected. Every check appends to one `Reporter` instead of throwing,
 * so a caller sees every problem of a definition at once (as AWS's CreateStateMachine lists them all).
 */

/** One problem: `pointer` is an RFC 6901 JSON pointer into the definition, `message` a plain sentence. */
export interface ValidationIssue {
  pointer: string;
  message: string;
}

/** A JSON pointer as a list of reference tokens; kept unescaped until it is printed. */
export type Path = readonly (string | number)[];

/** RFC 6901: "~" is written "~0" and "/" is written "~1" inside a reference token. */
export function toPointer(path: Path): string {
  return path.map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export class Reporter {
  readonly issues: ValidationIssue[] = [];

  add(path: Path, message: string): void {
    this.issues.push({ pointer: toPointer(path), message });
  }
}

/** One line per issue, `<pointer>: <message>`; the root (empty pointer) is shown as "(root)". */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.pointer === '' ? '(root)' : issue.pointer}: ${issue.message}`).join('\n');
}

/** What kind of JSON value this is, in the words a message uses ("an object", "a string", ...). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof value;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
