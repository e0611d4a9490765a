/**
 * Every definition of the conformance corpus was accepted by AWS Step Functions, so the validator must
 * report no issue for any of them. Skipped, visibly, when the corpus is not beside the project.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatIssues, validateDefinition } from '../../lambda/asl/validate';

const CONFORMANCE_ROOT = process.env.STEPWRIGHT_CONFORMANCE ?? path.resolve(__dirname, '../../../shared/conformance');
const INDEX = path.join(CONFORMANCE_ROOT, 'index.json');
const available = fs.existsSync(INDEX);

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

if (!available) {
  console.warn(`validate-corpus: conformance corpus not found at ${CONFORMANCE_ROOT}; skipping`);
}

(available ? describe : describe.skip)('validateDefinition on the AWS-accepted conformance corpus', () => {
  const cases = available ? loadDefinitions() : [];

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
