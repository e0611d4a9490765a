/**
 * `stepwright serve` as a user runs it, in real processes on loopback ports: a busy port and a data
 * folder held by another server are one clear line and exit 1; a stale lock is taken over; the data
 * it writes is the user's alone (0700 / 0600); and the only TCP port it opens is its HTTP server's
 * (the embedded DynamoDB is on a private Unix socket).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { until } from '../runtime/harness';

jest.setTimeout(90_000);

const ROOT = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'stepwright-serve-'));
const NO_CONFIG = join(work, 'no-config.json'); // absent: the server starts with no state machines
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  proc: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

function start(...args: string[]): Run {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/stepwright.js'), 'serve', '--config', NO_CONFIG, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { proc, out: '', err: '', exited: new Promise((res) => proc.on('exit', (code) => res(code))) };
  proc.stdout.on('data', (c) => (run.out += c));
  proc.stderr.on('data', (c) => (run.err += c));
  return run;
}

/** A server that must come up: its URL once it says it listens. */
async function startServer(...args: string[]): Promise<Run & { url: string; stop(): Promise<number | null> }> {
  const run = start(...args);
  let ended = false;
  void run.exited.then(() => (ended = true));
  const url = await until('the server to listen', () => {
    if (ended) throw new Error(`serve exited before listening: ${run.err}`);
    return /listening on (http:\/\/\S+)/.exec(run.out)?.[1];
  }, 60_000);
  return { ...run, url, stop: () => (run.proc.kill('SIGTERM'), run.exited) };
}

/** A server that must refuse to start: exit code and stderr lines (killed if it listens instead). */
async function refused(...args: string[]): Promise<{ code: number | string | null; lines: string[]; out: string }> {
  const run = start(...args);
  let listened = false;
  run.proc.stdout!.on('data', () => {
    if (/listening on/.test(run.out) && !listened) {
      listened = true; // it should not have: stop it, and report it as such
      run.proc.kill('SIGKILL');
    }
  });
  const exitCode = await run.exited;
  const code = listened ? 'listened instead' : exitCode;
  return { code, lines: run.err.trim().split('\n').filter((l) => !/NodeVersionSupportWarning|versions published after|will require node|You are running node/.test(l)), out: run.out };
}

const lockOf = (dir: string) => join(dir, 'serve.lock');

describe('stepwright serve: one clear line when it cannot start', () => {
  let blocker: Server;
  afterAll(() => new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r())));

  it('a busy port: "port N is in use (try --port)", exit 1', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const r = await refused('--port', String(port), '--in-memory');
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`stepwright: port ${port} is in use (try --port)`]);
  });

  it('a data folder held by a running server: names the folder and its pid, exit 1; the owner keeps running', async () => {
    const data = join(work, 'held');
    const owner = await startServer('--port', '0', '--data', data);
    try {
      expect(readFileSync(lockOf(data), 'utf8').trim()).toBe(String(owner.proc.pid));
      const r = await refused('--port', '0', '--data', data);
      expect(r.code).toBe(1);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toContain(`data folder ${data} is in use by another stepwright serve (pid ${owner.proc.pid})`);
      expect((await fetch(`${owner.url}/state-machines`)).status).toBe(200);
    } finally {
      expect(await owner.stop()).toBe(0);
    }
    expect(existsSync(lockOf(data))).toBe(false); // a clean stop releases the folder
  });

  it('--cors-origin refuses what is not an origin', async () => {
    for (const bad of ['*', 'localhost:3000', 'http://localhost:3000/app']) {
      const r = await refused('--port', '0', '--in-memory', '--cors-origin', bad);
      expect(r.code).toBe(1);
      expect(r.lines).toEqual([`stepwright: --cors-origin must be an origin like http://localhost:3000 (scheme, host and port only; no '*', path or query), got '${bad}'`]);
    }
  });
});

/** Listening TCP ports of a process (Linux: its socket fds matched against /proc/net/tcp{,6}). */
function tcpListeners(pid: number): number[] {
  const inodes = socketInodes(pid);
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/); // sl local_address rem_address st ... inode(9)
      if (cols[3] === '0A' && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(':').pop()!, 16));
    }
  }
  return ports;
}

/** Paths of the Unix sockets a process listens on. */
function unixListeners(pid: number): string[] {
  const inodes = socketInodes(pid);
  return readFileSync('/proc/net/unix', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[5] === '01' && inodes.has(c[6]) && c[7]) // st 01: listening
    .map((c) => c[7]);
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Every folder and file under dir with its permission bits, e.g. {"dynamodb/LOG": "600"}. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': (statSync(dir).mode & 0o777).toString(8) };
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out[path.slice(dir.length + 1)] = (statSync(path).mode & 0o777).toString(8);
  }
  return out;
}

function preflight(url: string, origin: string): Promise<{ status: number; allowOrigin: unknown }> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    request({ host: u.hostname, port: u.port, path: '/', method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }, (r) => {
      r.resume();
      r.on('end', () => res({ status: r.statusCode!, allowOrigin: r.headers['access-control-allow-origin'] }));
    })
      .on('error', rej)
      .end();
  });
}

describe('stepwright serve: a data folder of its own', () => {
  it('takes over a stale lock, makes an old 755 folder private, writes 0600 files, and opens no TCP port but its own', async () => {
    const data = join(work, 'old');
    mkdirSync(join(data, 'notes'), { recursive: true, mode: 0o755 });
    chmodSync(data, 0o755);
    writeFileSync(join(data, 'notes/old.txt'), 'from an older version', { mode: 0o644 });
    // the pid of a process that has exited: its lock is stale
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(lockOf(data), `${dead}\n`);

    const s = await startServer('--port', '0', '--data', data, '--time-scale', '0', '--cors-origin', 'http://localhost:3000,http://127.0.0.1:5173');
    try {
      expect(readFileSync(lockOf(data), 'utf8').trim()).toBe(String(s.proc.pid));
      // real data: a state machine and an execution, which write LevelDB files and the queue file
      const post = (path: string, body: unknown) => fetch(s.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/state-machines', { name: 'p', definition: { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, Next: 'P' }, P: { Type: 'Pass', End: true } } } })).status).toBe(201);
      const { executionArn } = (await (await post('/state-machines/p/executions', { input: { a: 1 } })).json()) as { executionArn: string };
      await until('the execution to succeed', async () => ((await (await fetch(`${s.url}/executions/${encodeURIComponent(executionArn)}`)).json()) as { status: string }).status === 'SUCCEEDED' || undefined);

      expect(await preflight(s.url, 'http://127.0.0.1:5173')).toEqual({ status: 204, allowOrigin: 'http://127.0.0.1:5173' });
      expect((await preflight(s.url, 'http://localhost:3001')).status).toBe(403);

      if (process.platform === 'linux') {
        expect(tcpListeners(s.proc.pid!)).toEqual([Number(new URL(s.url).port)]);
        const sockets = unixListeners(s.proc.pid!);
        expect(sockets).toHaveLength(1); // the embedded DynamoDB, in a folder only this user can enter
        expect(statSync(dirname(sockets[0])).mode & 0o777).toBe(0o700);
      }
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const found = modes(data);
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['dynamodb', 'queue.json', 'notes/old.txt']));
    for (const [path, mode] of Object.entries(found)) {
      const dir = statSync(join(data, path)).isDirectory();
      expect({ path, mode }).toEqual({ path, mode: dir ? '700' : '600' });
    }
  });
});
