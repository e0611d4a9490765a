/**
 * Every definition of the conformance corpus was accepted by AWS Step Functions, so the validator must
 * report no issue for any of them. Fails, naming the path, when the corpus is not found (test/conformance/corpus.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatIssues, validateDefinition } from '../../lambda/asl/validate';
import { conformanceDir } from '../conformance/corpus';

const CONFORMANCE_ROOT = conformanceDir();
const INDEX = path.join(CONFORMANCE_ROOT, 'index.json');

interface IndexEntry {
  name: string;
  group: string;
  path: string;
}

function loadDefinitions(): { name: string; definition: unknown }[] {
  const index = JSON.parse(fs.readFileSync(INDEX, 'utf8')) as IndexEntry[];
  return index.map((entry) => {
    const file = JSON.parse(fs.readFileSync(path.join(CONFORMANCE_ROOT, entry.path), 'utf8')) as { definition: unknown };
    return { name: `${entry.group}/${entry.name}`, definition: file.definition };
  });
}

describe('validateDefinition on the AWS-accepted conformance corpus', () => {
  const cases = loadDefinitions();

  it('has the 903 definitions of the corpus', () => {
    expect(cases.length).toBe(903);
  });

  it('reports zero issues for every definition AWS accepted', () => {
    const failures = cases
      .map(({ name, definition }) => ({ name, issues: validateDefinition(definition) }))
      .filter(({ issues }) => issues.length > 0)
      .map(({ name, issues }) => `${name}\n${formatIssues(issues)}`);
    expect(failures).toEqual([]);
  });
});
