/**
 * `stepwright serve` as a user meets it: started from another folder with a config whose paths are
 * relative to the config file, its start message (the console's address, a curl per machine with an
 * input from the `input.json` beside its definition, none where there is none), and its execution log
 * as JSON lines when standard output is not a terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../runtime/harness';

const CLI = join(__dirname, '../../bin/stepwright.js');
let proc: ChildProcess;
let out = '';
let url = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-msg-'));
  mkdirSync(join(dir, 'flows/greet'), { recursive: true });
  mkdirSync(join(dir, 'flows/plain'), { recursive: true });
  writeFileSync(join(dir, 'flows/greet/definition.json'), JSON.stringify({ StartAt: 'Hi', States: { Hi: { Type: 'Pass', End: true } } }));
  writeFileSync(join(dir, 'flows/greet/input.json'), JSON.stringify({ who: "o'brien" }));
  writeFileSync(join(dir, 'flows/plain/definition.json'), JSON.stringify({ StartAt: 'Go', States: { Go: { Type: 'Pass', End: true } } }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ stateMachines: [{ name: 'greet', definition: 'flows/greet/definition.json' }, { name: 'plain', definition: 'flows/plain/definition.json' }] }));
  // started from the temp folder's parent: the definitions are found relative to the config file
  proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--in-memory', '--config', join(dir, 'config.json')], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  url = await until('the server to start', () => /listening on (http:\/\/\S+)/.exec(out)?.[1]);
  await until('the start message', () => (out.includes('With the AWS SDK') ? true : undefined));
});

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
});

it('suggests an input per machine from the input.json beside its definition, and none without one', () => {
  expect(out).toContain(`console: ${url}/   metrics: ${url}/metrics`);
  expect(out).toContain(`curl -s -X POST ${url}/state-machines/greet/executions -H 'content-type: application/json' \\\n       -d '{"input":{"who":"o'\\''brien"}}'`);
  expect(out).toMatch(new RegExp(`curl -s -X POST ${url.replace(/[.]/g, '\\.')}/state-machines/plain/executions -H 'content-type: application/json'\\n`));
  expect(out).toContain(`input: ${JSON.stringify(JSON.stringify({ who: "o'brien" }))}`);
});

it('logs executions as JSON lines when its output is not a terminal', async () => {
  const res = await fetch(`${url}/state-machines/greet/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { who: 'x' } }) });
  const { executionArn } = (await res.json()) as { executionArn: string };
  const done = await until('the end line', () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.executionArn === executionArn && l.message === 'execution succeeded'));
  expect(done).toMatchObject({ level: 'INFO', service: 'stepwright', stateName: 'Hi', status: 'SUCCEEDED' });
  expect(done.xray_trace_id).toMatch(/^Root=1-/);
});

it("writes a machine's own loggingConfiguration (ERROR) as JSON lines naming its log group, only the failure events", async () => {
  const group = 'arn:aws:logs:us-east-1:123456789012:log-group:/stepwright/fails:*';
  const create = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.CreateStateMachine' },
    body: JSON.stringify({
      name: 'logged-fails',
      roleArn: 'arn:aws:iam::123456789012:role/r',
      definition: JSON.stringify({ StartAt: 'Go', States: { Go: { Type: 'Pass', Next: 'Boom' }, Boom: { Type: 'Fail', Error: 'Broke', Cause: 'on purpose' } } }),
      loggingConfiguration: { level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] },
    }),
  });
  expect(create.status).toBe(200);
  const { stateMachineArn } = (await create.json()) as { stateMachineArn: string };
  const start = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StartExecution' }, body: JSON.stringify({ stateMachineArn, input: '{}' }) });
  const { executionArn } = (await start.json()) as { executionArn: string };
  const machineLines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.logGroup === group && l.execution_arn === executionArn);
  await until('the failure in the machine log', () => (machineLines().some((l) => l.type === 'ExecutionFailed') ? true : undefined));
  const types = machineLines().map((l) => l.type);
  // ERROR: failure events only (FailStateEntered counts); no successful state's events
  expect(types).toContain('ExecutionFailed');
  expect(types).not.toContain('PassStateEntered');
  expect(types).not.toContain('ExecutionStarted');
});
