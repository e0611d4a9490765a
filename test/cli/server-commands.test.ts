/**
 * The CLI's server commands and `graph`, run as the real `stepwright` process against a server on a
 * local port: start (--wait), describe, list, history, stop, send-success / send-failure, --json and
 * the human tables, errors on one line, and graph in its three formats with execution colouring.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startTestServer, until, ROLE, FN } from '../runtime/harness';

const CLI = join(__dirname, '../../bin/stepwright.js');
const approval = JSON.parse(readFileSync(join(__dirname, '../../examples/manual-approval/definition.json'), 'utf8'));
const tokens = new Map<string, string>();
let server: Awaited<ReturnType<typeof startTestServer>>;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args, ...(args[0] === 'graph' && !args.includes('--execution') ? [] : ['--endpoint', server.url])], { env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      Add: (x) => ({ sum: (x as { a: number; b: number }).a + (x as { a: number; b: number }).b }),
      Boom: () => {
        throw Object.assign(new Error('no'), { name: 'Boom' });
      },
      RequestApproval: (input, ctx) => void tokens.set(ctx.executionArn, (input as { taskToken: string }).taskToken),
    },
  });
  const post = (body: unknown) => fetch(`${server.url}/state-machines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post({ name: 'adder', roleArn: ROLE, definition: { StartAt: 'Add', States: { Add: { Type: 'Task', Resource: FN('Add'), End: true } } } });
  await post({ name: 'boom', roleArn: ROLE, definition: { StartAt: 'Try', States: { Try: { Type: 'Task', Resource: FN('Boom'), Catch: [{ ErrorEquals: ['Boom'], Next: 'Recover' }], Next: 'Done' }, Recover: { Type: 'Fail', Error: 'Gave.Up' }, Done: { Type: 'Succeed' } } } });
  await post({ name: 'approval', roleArn: ROLE, definition: approval });
});
afterAll(async () => server?.close());

describe('start, describe, list, history', () => {
  let arn = '';

  it('start --wait --json prints the ended execution', async () => {
    const r = await cli('start', 'adder', '--input', '{"a": 4, "b": 5}', '--wait', '--json');
    expect(r.stderr).toBe('');
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: { sum: 9 } });
    arn = d.executionArn;
  });

  it('describe prints a human summary', async () => {
    const r = await cli('describe', arn);
    expect(r.stdout).toMatch(/^execution: +arn:aws:states:.*:execution:adder:/m);
    expect(r.stdout).toMatch(/^status: +SUCCEEDED$/m);
    expect(r.stdout).toMatch(/^output: +\{"sum":9\}$/m);
  });

  it('list machines and list executions print tables', async () => {
    const machines = await cli('list');
    expect(machines.stdout.split('\n')[0]).toMatch(/^NAME +CREATED +ARN$/);
    expect(machines.stdout).toMatch(/^adder +\S+ +arn:aws:states:us-east-1:123456789012:stateMachine:adder$/m);
    const execs = await cli('list', 'executions', 'adder', '--status', 'succeeded', '--json');
    expect(JSON.parse(execs.stdout).executions.map((e: any) => e.executionArn)).toEqual([arn]);
  });

  it('history prints the events as a table', async () => {
    const r = await cli('history', arn);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +TIME +TYPE +STATE$/);
    expect(lines[1]).toMatch(/^1 +\S+ +ExecutionStarted$/);
    expect(lines.some((l) => /TaskStateEntered +Add$/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/ExecutionSucceeded$/);
  });

  it('start --wait on a failing machine prints the error and exits 1', async () => {
    const r = await cli('start', 'boom', '--wait');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^status: +FAILED$/m);
    expect(r.stdout).toMatch(/^error: +Gave\.Up$/m);
  });

  it('an unknown machine is one line on stderr, exit 1', async () => {
    const r = await cli('start', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^stepwright: StateMachineDoesNotExist: .*nope/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('task callbacks and stop', () => {
  it('send-success lets a waiting execution go on; history --follow prints until it ends', async () => {
    const started = await cli('start', 'approval', '--input', '{"item": "laptop"}', '--json');
    const arn = JSON.parse(started.stdout).executionArn as string;
    const token = await until('the approval token', () => tokens.get(arn));
    const follow = cli('history', arn, '--follow');
    const r = await cli('send-success', token, '--output', '{"approved": true, "by": "ada"}');
    expect(r.stdout.trim()).toBe('task answered: success');
    const followed = await follow;
    expect(followed.code).toBe(0);
    expect(followed.stdout.trim().split('\n').pop()).toMatch(/ExecutionSucceeded$/);
  });

  it('send-failure fails the task with the error given', async () => {
    const arn = JSON.parse((await cli('start', 'approval', '--json')).stdout).executionArn as string;
    const token = await until('the approval token', () => tokens.get(arn));
    expect((await cli('send-failure', token, '--error', 'Nope', '--cause', 'said no')).stdout.trim()).toBe('task answered: failure');
    const described = await until('the failure', async () => {
      const x = JSON.parse((await cli('describe', arn, '--json')).stdout);
      return x.status === 'RUNNING' ? undefined : x;
    });
    expect(described).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'said no' });
  });

  it('stop aborts a running execution', async () => {
    const arn = JSON.parse((await cli('start', 'approval', '--json')).stdout).executionArn as string;
    const r = await cli('stop', arn, '--error', 'Enough');
    expect(r.stdout).toMatch(/^stopped at \S+: arn:/);
    expect(JSON.parse((await cli('describe', arn, '--json')).stdout)).toMatchObject({ status: 'ABORTED', error: 'Enough' });
  });
});

describe('graph', () => {
  const file = join(__dirname, '../../examples/manual-approval/definition.json');

  it('draws mermaid and dot with one node per state and the Choice rule on its edge', async () => {
    const mermaid = (await cli('graph', file, '--format', 'mermaid')).stdout;
    for (const state of Object.keys(approval.States)) expect(mermaid).toContain(`["${state}<br/>`);
    expect(mermaid).toMatch(/-->\|"\$\.approval\.approved == true"\|/);
    const dot = (await cli('graph', file, '--format', 'dot')).stdout;
    expect(dot).toMatch(/^digraph stateMachine \{/);
    expect(dot).toContain('label="$.approval.approved == true"');
  });

  it('colours an SVG by an execution: the caught state orange, the failing one red, the unreached white', async () => {
    const run = JSON.parse((await cli('start', 'boom', '--wait', '--json')).stdout);
    const def = join(mkdtempSync(join(tmpdir(), 'graph-')), 'boom.json');
    writeFileSync(def, JSON.stringify({ StartAt: 'Try', States: { Try: { Type: 'Task', Resource: FN('Boom'), Catch: [{ ErrorEquals: ['Boom'], Next: 'Recover' }], Next: 'Done' }, Recover: { Type: 'Fail', Error: 'Gave.Up' }, Done: { Type: 'Succeed' } } }));
    const svg = (await cli('graph', def, '--execution', run.executionArn)).stdout;
    expect(svg).toMatch(/^<svg /);
    expect(svg).toMatch(/data-state="Try" data-status="caught"/);
    expect(svg).toMatch(/data-state="Recover" data-status="failed"/);
    expect(svg).toMatch(/data-state="Done" data-status="unreached"/);
  });
});
