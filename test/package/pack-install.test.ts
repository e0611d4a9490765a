/**
 * The package as a user gets it: `npm pack` (which builds dist/ through prepack), installed into an
 * empty folder with only aws-cdk-lib and constructs beside it (from the npm cache where it can), then
 *   - a plain-JS CDK app synthesizes an engine and a state machine from the prebuilt bundles;
 *   - a jest test in that folder runs a workflow with `stepwright/testing` and a Step Functions Local
 *     mock configuration file;
 *   - `npx stepwright serve` answers the Step Functions JSON protocol.
 * Nothing of this repository is on the fresh folder's module path: a dev-only import, a missing
 * `files` entry or a handler without a prebuilt bundle fails here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(__dirname, 'fixtures');
const FRESH = path.join(__dirname, 'fresh-app');
const versionOf = (pkg: string) => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

jest.setTimeout(240_000);

let work: string;
let app: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'stepwright-pack-'));
  app = path.join(work, 'app');
  // prepack builds dist/ (tsc, esbuild); its errors go to stdout, which the failure shows
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((e: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`npm pack failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  });
  tarball = path.join(work, (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[])[0].filename);

  await run('mkdir', ['-p', app]);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
  // The cache holds every tarball; --prefer-offline asks the registry only for what it lacks (package metadata).
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, `aws-cdk-lib@${versionOf('aws-cdk-lib')}`, `constructs@${versionOf('constructs')}`], {
    cwd: app,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const f of ['app.js', 'orders.test.js', 'tasks.js']) copyFileSync(path.join(FRESH, f), path.join(app, f));
  for (const f of ['order-definition.json', 'MockConfigFile.json']) copyFileSync(path.join(FIXTURES, f), path.join(app, f));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the compiled library, the prebuilt handlers and the CLI, and no sources or tests', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  expect(files).toEqual(expect.arrayContaining(['package.json', 'bin/stepwright.js', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lambda/testing/index.js', 'dist/lambda/testing/index.d.ts', 'dist/bin/cli.js']));
  for (const handler of ['lambda/handlers/api', 'lambda/handlers/worker', 'lambda/handlers/reconciler', 'lambda/handlers/trigger', 'lib/registration/handler']) {
    expect(files).toContain(`dist/assets/${handler}/index.js`);
  }
  expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files.filter((f) => f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);
});

test('a CDK app synthesizes an engine, a state machine and a trigger with the prebuilt bundles, unchanged', async () => {
  const outdir = path.join(work, 'cdk.out');
  await run(process.execPath, ['app.js', outdir], { cwd: app });
  const template = JSON.parse(readFileSync(path.join(outdir, 'UserStack.template.json'), 'utf8')) as { Resources: Record<string, any> };
  const records = Object.values(template.Resources).filter((r) => r.Type === 'Custom::StepwrightStateMachine');
  expect(records).toHaveLength(1);
  expect(JSON.stringify(records[0].Properties)).toContain('PriceOrder');

  const prebuilt = new Map<string, string>(); // hash of index.js -> handler
  const assets = path.join(app, 'node_modules/stepwright/dist/assets');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'index.js') prebuilt.set(sha256(p), path.relative(assets, dir));
    }
  };
  walk(assets);

  // Stepwright's own functions (not the CDK provider framework's, which CDK ships itself)
  const engineFunctions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('Stepwright'));
  expect(engineFunctions).toHaveLength(5);
  const used = engineFunctions.map(([id, r]) => {
    expect({ id, handler: r.Properties.Handler }).toEqual({ id, handler: 'index.handler' });
    const assetDir = path.join(outdir, `asset.${(r.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    return prebuilt.get(sha256(path.join(assetDir, 'index.js')));
  });
  // every engine function is one of the shipped bundles, byte for byte (nothing was bundled at synth)
  expect(used).not.toContain(undefined);
  expect(new Set(used)).toEqual(new Set(['lambda/handlers/api', 'lambda/handlers/worker', 'lambda/handlers/reconciler', 'lambda/handlers/trigger', 'lib/registration/handler']));
});

test('a jest test in the fresh folder runs workflows with stepwright/testing and a mock config file', async () => {
  writeFileSync(path.join(app, 'jest.config.js'), "module.exports = { testEnvironment: 'node', transform: {} };\n");
  const jest = path.join(ROOT, 'node_modules/jest/bin/jest.js');
  const result = await run(process.execPath, [jest, '--ci', '--rootDir', app], { cwd: app }).catch((e: { stdout: string; stderr: string }) => e);
  expect(result.stderr).toContain('Tests:       3 passed, 3 total');
});

test('`npx stepwright serve` from the installed package answers the Step Functions JSON protocol and serves the console', async () => {
  // its own process group: npx starts node under it, and the test stops both
  const server = spawn('npx', ['--no-install', 'stepwright', 'serve', '--in-memory', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    const url = await listeningUrl(server);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stateMachines: [] });
    // the web console comes prebuilt in the package (no ui/ sources, no esbuild there)
    const script = await fetch(new URL('/console/app.js', url));
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
    const styles = await fetch(new URL('/console/style.css', url));
    expect(styles.status).toBe(200);
  } finally {
    const exited = once(server, 'exit');
    process.kill(-server.pid!, 'SIGTERM');
    await exited;
  }
});

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The URL the server prints once it listens; rejects with its output if it exits first. */
function listeningUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => reject(new Error(`stepwright serve exited ${code}:\n${out}`)));
  });
}
