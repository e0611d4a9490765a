/**
 * The one ASL validator every entry point uses (the CLI's `validate`, the engine before it runs, the API's
 * CreateStateMachine). It reports every problem at once and never throws, whatever it is given.
 */
import { collectStateNames, validateMachine } from './machine';
import { QUERY_LANGUAGES, type QueryLanguage } from './fields';
import type { DefinitionContext } from './context';
import { isObject, Reporter, type ValidationIssue } from './report';

export { formatIssues, type ValidationIssue } from './report';

/**
 * All problems of an ASL definition, as JSON pointers into it with a sentence each; empty when AWS
 * would accept it. `def` is the parsed definition; a string is parsed as JSON text first.
 */
export function validateDefinition(def: unknown): ValidationIssue[] {
  const r = new Reporter();
  let parsed = def;
  if (typeof def === 'string') {
    try {
      parsed = JSON.parse(def);
    } catch (e) {
      r.add([], `the definition is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      return r.issues;
    }
  }
  try {
    const topLanguage = topLevelLanguage(parsed);
    const context: DefinitionContext = {
      r,
      topLanguage,
      seenStateNames: new Map(),
      allStateNames: collectStateNames(parsed),
      validateNested: (node, path, kind, language) => validateMachine(context, node, path, kind, language),
    };
    validateMachine(context, parsed, [], 'root', topLanguage);
  } catch (e) {
    // A bug here must not take down a caller that only wanted a list of issues.
    r.add([], `internal validator error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return r.issues;
}

/** JSONPath unless the definition says JSONata (an invalid value is reported by the root checks). */
function topLevelLanguage(def: unknown): QueryLanguage {
  if (isObject(def) && QUERY_LANGUAGES.includes(def.QueryLanguage as QueryLanguage)) return def.QueryLanguage as QueryLanguage;
  return 'JSONPath';
}
