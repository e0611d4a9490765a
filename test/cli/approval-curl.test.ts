/**
 * examples/tasks.js's approval task under `stepwright serve` on a port the system picked (--port 0):
 * the curl it prints names the address actually served, and running that request (its URL and body,
 * as printed) answers the task, so the execution finishes approved.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { until } from '../runtime/harness';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
let proc: ChildProcess;
let out = '';
let url = '';

beforeAll(async () => {
  // the repository's own config: exam-results and manual-approval with examples/tasks.js
  proc = spawn(process.execPath, [join(ROOT, 'bin/stepwright.js'), 'serve', '--port', '0', '--in-memory', '--config', join(ROOT, 'stepwright.config.json')], {
    cwd: ROOT,
    // a STEPWRIGHT_ENDPOINT of the caller's must not leak in: serve sets its own
    env: { ...process.env, STEPWRIGHT_ENDPOINT: 'http://wrong.invalid:1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  url = await until('the server to start', () => {
    if (proc.exitCode !== null) throw new Error(`serve exited: ${out}`);
    return /listening on (http:\/\/\S+)/.exec(out)?.[1];
  });
});

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
});

it('prints a curl for the port actually served, and that curl approves the request', async () => {
  expect(url).not.toBe('http://127.0.0.1:8083');
  const res = await fetch(`${url}/state-machines/manual-approval/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { item: 'laptop', requester: 'ada' } }) });
  expect(res.status).toBe(202);
  const { executionArn } = (await res.json()) as { executionArn: string };

  const curl = await until('the approval curl', () => /curl -s -X POST (\S+) -H 'content-type: application\/json' -d '(.*)'/.exec(out) ?? undefined);
  const [, target, body] = curl;
  expect(target).toBe(`${url}/tasks/success`);

  // what a user pasting the line would send
  const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(answer.status).toBe(200);
  const done = await until('the execution to finish', async () => {
    const d = (await (await fetch(`${url}/executions/${encodeURIComponent(executionArn)}?waitSeconds=5`)).json()) as { status: string; output?: unknown };
    return d.status === 'RUNNING' ? undefined : d;
  }, 20_000);
  expect(done).toMatchObject({ status: 'SUCCEEDED', output: { shipped: 'laptop', approvedBy: 'you' } });
});
