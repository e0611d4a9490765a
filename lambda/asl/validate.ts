/**
 * ASL definition validation: `validateDefinition(def)` lists every problem as `{ pointer, message }`
 * (an RFC 6901 pointer into the definition), `formatIssues` prints them one per line.
 * The checks live in ./validate/; see ./validate/index.ts.
 */
export { validateDefinition, formatIssues, type ValidationIssue } from './validate/index';
