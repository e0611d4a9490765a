/**
 * The validator and the engine read JSONPath with one parser (asl/jsonpath-grammar.ts): a path the
 * validator accepts is one the engine can evaluate, and a path the engine cannot read is refused
 * before anything runs. The validator only adds rules about where a path stands (reference paths,
 * "$$" and variables), checked in test/asl/validate.test.ts.
 *
 * The two used to parse paths separately and disagreed; each disagreement is pinned below, decided by
 * what AWS accepts (Developer Guide, "Using JSONPath paths": bracket notation after a dot is AWS's own
 * example, `$.abc.['def ghi']`; Jayway, which AWS runs, refuses a blank in a dot name but not a tab,
 * and refuses a filter that does not parse; variable names follow UAX #31, as for Assign), or else by
 * what the engine can evaluate.
 */
import { queryPath } from '../../lambda/asl/jsonpath';
import { jsonPathError } from '../../lambda/asl/validate/jsonpath';
import { validateDefinition } from '../../lambda/asl/validate';

const PATHS = [
  '$', '$$', '$.a', '$.a.b', "$['a']", '$["a"]', "$['a','b']", '$.a[0]', '$.a[-1]', '$.a[0,1]', '$.a[1:3]', '$.a[:2]',
  '$.a[1:]', '$.a[::2]', '$.a[*]', '$.*', '$..a', '$..[0]', '$..*', '$.a[?(@.b == 1)]', '$.a[?(@.b)]',
  '$.a[?(@.b =~ /x.*/)]', '$.a[?()]', '$.a[?(@.b ==)]', '$.[0]', "$.['a b']", '$.a.length()', '$.a.b.length()',
  '$.a b', '$.a\tb', '$.delivery-partner', '$.a.', '$.a..', '$..', '$[', '$.a[', '$.a[x]', '$.a[1.5]', "$['a'",
  "$['a\\'b']", 'a.b', '', '$x', '$x.y', '$_x', '$1x', '$x1', '$états.a', '$$.Execution.Input', '$$.Map.Item.Value',
  '$.a]', '$.a(', '$ .a', '$.a[ 0 ]', "$[ 'a' ]", '$.a[0][1]', "$.a['b'].c", '$.é', '$.a.*.b',
  "$.a[?(@.b in ['x','y'])]", '$.a[?(@.b > 1 && @.c < 2)]', '$.a[?(@.b nin [1])]', '$.a[?(@ == 1)]', '$.a[?(!@.b)]',
  '$[0]', '$[-0]', '$.a[01]',
];

const scope = {
  input: { a: [{ b: 1, c: 1 }, { b: 'x' }], 'a b': 1, é: 2 },
  context: { Execution: { Input: {} }, Map: { Item: { Value: 1 } } },
  variable: (name: string) => ({ found: true, value: { name, y: 1, a: 1 } }),
};

function engineReads(path: string): boolean {
  try {
    queryPath(path, scope);
    return true;
  } catch {
    return false;
  }
}

it.each(PATHS)('the validator accepts %j exactly when the engine can evaluate it', (path) => {
  expect(jsonPathError(path) === undefined).toBe(engineReads(path));
});

it.each([
  // accepted: AWS's documented `$.abc.['def ghi']`; a tab is no blank to Jayway
  ['$.[0]', true],
  ["$.['a b']", true],
  ['$.a\tb', true],
  // refused: a filter that does not parse; path functions, which the engine does not evaluate
  // (AWS documents them as unsupported in reference paths)
  ['$.a[?(@.b ==)]', false],
  ['$.a.length()', false],
  // variable names as AWS defines them (UAX #31: ID_Start, then ID_Continue), the same as Assign's
  ['$x\u0301.a', true],
  ['$𝒳.a', true],
  ['$x²', false],
])('the disagreements, decided: %j valid = %s, in a definition too', (path, valid) => {
  expect(jsonPathError(path) === undefined).toBe(valid);
  const issues = validateDefinition({ StartAt: 'S', States: { S: { Type: 'Pass', InputPath: path, End: true } } });
  expect(issues.length === 0).toBe(valid);
});
