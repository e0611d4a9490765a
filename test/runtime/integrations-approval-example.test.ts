/**
 * The README's approval example as a user runs it: `stepwright serve` with the example's config (its
 * SQS on a free port instead of 9324), an execution started over HTTP, the request with its task token
 * read from the queue by examples/manual-approval/approve.js, which answers SendTaskSuccess (or
 * SendTaskFailure) through the AWS SDK; the execution then finishes accordingly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from './harness';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/manual-approval');
const work = mkdtempSync(join(tmpdir(), 'stepwright-approval-'));
let serve: ChildProcess;
let out = '';
let url: string;
let sqsEndpoint: string;

beforeAll(async () => {
  const config = JSON.parse(readFileSync(join(EXAMPLE, 'stepwright.config.json'), 'utf8')) as { stateMachines: { definition: string }[]; integrations: { sqs: { port: number } } };
  config.stateMachines[0].definition = join(EXAMPLE, config.stateMachines[0].definition);
  config.integrations.sqs.port = 0;
  writeFileSync(join(work, 'stepwright.config.json'), JSON.stringify(config));
  serve = spawn(process.execPath, [join(ROOT, 'bin/stepwright.js'), 'serve', '--config', join(work, 'stepwright.config.json'), '--port', '0', '--in-memory'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  serve.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  [url, sqsEndpoint] = await until('the server and its SQS to listen', () => {
    const http = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    const sqs = /SQS for your queues .*?: (http:\/\/\S+)/.exec(out)?.[1];
    if (serve.exitCode !== null) throw new Error(`serve exited: ${out}`);
    return http && sqs ? [http, sqs] : undefined;
  }, 60_000);
});

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
  rmSync(work, { recursive: true, force: true });
});

async function startExecution(input: unknown): Promise<string> {
  const res = await fetch(`${url}/state-machines/sqs-approval/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { executionArn: string }).executionArn;
}

function approve(...args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [join(EXAMPLE, 'approve.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, STEPWRIGHT_ENDPOINT: url, STEPWRIGHT_SQS_ENDPOINT: sqsEndpoint, USER: 'grace' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout })));
}

async function finished(executionArn: string): Promise<{ status: string; output?: unknown; error?: string }> {
  return until(`${executionArn} to finish`, async () => {
    const d = (await (await fetch(`${url}/executions/${encodeURIComponent(executionArn)}`)).json()) as { status: string };
    return d.status === 'RUNNING' ? undefined : d;
  }, 30_000);
}

it('an approval: the queued request carries the token, SendTaskSuccess continues the execution', async () => {
  const arn = await startExecution({ item: 'laptop', requester: 'ada' });
  const answered = await approve();
  expect(answered.code).toBe(0);
  expect(answered.stdout).toContain('request: {"item":"laptop","requester":"ada"}');
  expect(await finished(arn)).toMatchObject({ status: 'SUCCEEDED', output: { shipped: 'laptop', approvedBy: 'grace' } });
});

it('a rejection: SendTaskFailure fails the task, and the execution with it', async () => {
  const arn = await startExecution({ item: 'yacht', requester: 'ada' });
  expect((await approve('--reject')).code).toBe(0);
  expect(await finished(arn)).toMatchObject({ status: 'FAILED', error: 'Rejected' });
});
