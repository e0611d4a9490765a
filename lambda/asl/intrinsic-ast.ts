/**
 * A parsed intrinsic function call (`States.Format('{}', $.a)`): what the parser (intrinsics.ts)
 * produces and the functions (intrinsic-functions.ts) receive. Types only.
 */

/** A literal argument. `raw` keeps a string literal's text before unescaping (States.Format needs it). */
export interface IntrinsicLiteral {
  kind: 'literal';
  value: string | number | boolean | null;
  raw?: string;
}

export interface IntrinsicPath {
  kind: 'path';
  path: string;
}

export interface IntrinsicCall {
  kind: 'call';
  /** Full name, e.g. "States.Format". */
  name: string;
  args: IntrinsicArg[];
}

export type IntrinsicArg = IntrinsicLiteral | IntrinsicPath | IntrinsicCall;
