/** The `stepwright` command as a user runs it: a real process, its output and exit code. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/stepwright.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'stepwright-cli-'));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('stepwright run', () => {
  it('runs the README example and prints the output (exit 0)', () => {
    const r = cli('run', 'examples/exam-results/definition.json', '--input-file', 'examples/exam-results/input.json', '--tasks', 'examples/exam-results/tasks.js');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ math: 80, eng: 93, total: 173 });
  });

  it('--json prints one object; a failed execution exits 1 with error and cause', () => {
    const def = file('fail.json', { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'because' } } });
    const r = cli('run', def, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ status: 'FAILED', error: 'Nope', cause: 'because' });
  });

  it('--history prints the events with their payloads', () => {
    const def = file('pass.json', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const r = cli('run', def, '--input', '{"a":1}', '--history');
    const events = r.out.trim().split('\n').slice(0, 4).map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(events[1].stateEnteredEventDetails.input).toBe('{"a":1}');
  });

  it('bad input JSON: one clear line, exit 1, no stack trace', () => {
    const r = cli('run', 'examples/exam-results/definition.json', '--input', '{oops');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^stepwright: --input is not valid JSON/);
  });

  it('an invalid definition prints every problem with its pointer, exit 1', () => {
    const def = file('bad.json', { StartAt: 'Check', States: { Check: { Type: 'Choice', Choices: [{ Variable: '$.x', StringEquals: 'a', Next: 'Nope' }] }, Lonely: { Type: 'Pass', End: true } } });
    const r = cli('run', def);
    expect(r.code).toBe(1);
    expect(r.err).toContain('/States/Check/Choices/0/Next: no state named "Nope"');
    expect(r.err).toContain('/States/Lonely');
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('stepwright validate', () => {
  it('says valid and exits 0 for a good definition', () => {
    const r = cli('validate', 'examples/manual-approval/definition.json');
    expect(r.code).toBe(0);
    expect(r.out).toContain('valid');
  });

  it('exits 1 on a file that is not JSON', () => {
    const r = cli('validate', file('broken.json', '{"StartAt": '));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not valid JSON/);
  });
});

describe('stepwright conformance', () => {
  it('a missing folder: one line naming it, exit 2', () => {
    const missing = join(dir, 'no-such-corpus');
    const r = cli('conformance', missing);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`stepwright: conformance folder not found: ${missing}`);
    expect(r.out).not.toMatch(/passed/);
  });

  it('a folder with no case files (only other JSON): "no conformance cases under <dir>", exit 2', () => {
    const empty = join(dir, 'empty-corpus');
    mkdirSync(join(empty, 'cases', 'group'), { recursive: true });
    writeFileSync(join(empty, 'cases', 'group', 'not-a-case.json'), JSON.stringify({ name: 'x' }));
    const r = cli('conformance', empty);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`stepwright: no conformance cases under ${empty}`);
    expect(r.out).not.toMatch(/0 passed, 0 failed/);
  });

  it('a folder with a passing case still runs it and exits 0', () => {
    const corpus = join(dir, 'one-case');
    mkdirSync(join(corpus, 'cases', 'pass'), { recursive: true });
    const c = { name: 'pass.one', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, input: { a: 1 }, expected: { status: 'SUCCEEDED', output: { a: 1 } } };
    writeFileSync(join(corpus, 'cases', 'pass', 'one.json'), JSON.stringify(c));
    const r = cli('conformance', corpus);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toBe('1 passed, 0 failed');
  });
});

describe('stepwright serve', () => {
  it('refuses an unknown --fan-out mode before starting anything, naming the option', () => {
    const r = cli('serve', '--in-memory', '--port', '0', '--fan-out', 'sideways');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("--fan-out must be one of auto, spread, inline, not 'sideways'");
  });
});
