/**
 * Fault injection against the real `stepwright serve` process: a mixed workload (Task -> Wait -> Task,
 * a callback task answered over HTTP, a spread Map and Parallel of Tasks) is started over HTTP, the
 * server is killed with SIGKILL at a chosen moment — at the n-th pass of a fault point inside a commit
 * (STEPWRIGHT_KILL_AT, the process kills itself) or when the work reaches a stage (the test kills it) —
 * and restarted on the same data folder. Then every accepted execution must finish, with the output a
 * clean run gives, no task attempt lost, and a history with no transition written twice.
 *
 * Used by test/reliability/kill-serve.test.ts (a dozen kill moments, small rounds) and by
 * `npx tsx test/reliability/kill-rounds.ts <executions per round>` for the figures in the docs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** The machines of the workload; each execution's expected output is computed from its input below. */
const MACHINES = {
  chain: {
    StartAt: 'First',
    States: {
      First: { Type: 'Task', Resource: FN('Double'), ResultPath: '$.first', Next: 'Nap' },
      Nap: { Type: 'Wait', Seconds: 2, Next: 'Second' },
      Second: { Type: 'Task', Resource: FN('Double'), InputPath: '$.first', ResultPath: '$.second', End: true },
    },
  },
  approval: {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'Park', Payload: { 'token.$': '$$.Task.Token', 'n.$': '$.n' } },
        ResultPath: '$.approval',
        Next: 'Done',
      },
      Done: { Type: 'Pass', End: true },
    },
  },
  fan: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 3, ResultPath: '$.doubled',
        ItemProcessor: { StartAt: 'D', States: { D: { Type: 'Task', Resource: FN('Double'), End: true } } },
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel', ResultPath: '$.both', End: true,
        Branches: ['B0', 'B1'].map((b) => ({ StartAt: b, States: { [b]: { Type: 'Task', Resource: FN('Double'), InputPath: '$.p', End: true } } })),
      },
    },
  },
} as const;
type MachineName = keyof typeof MACHINES;

/** The task module the server loads: every invocation is logged (execution, state, input) before it answers. */
const TASKS_MODULE = `
const fs = require('node:fs');
const log = (line) => fs.appendFileSync(process.env.KILL_TEST_LOG, JSON.stringify(line) + '\\n');
module.exports = {
  Double: async (input, ctx) => { log({ e: ctx.executionArn, s: ctx.stateName, n: input.n }); return { n: input.n * 2 }; },
  Park: async (input, ctx) => { fs.appendFileSync(process.env.KILL_TEST_TOKENS, JSON.stringify({ e: ctx.executionArn, token: input.token }) + '\\n'); return {}; },
};
`;

interface Planned {
  name: string;
  machine: MachineName;
  input: Record<string, unknown>;
  expected: unknown;
  /** set once a start request was answered (the execution was accepted) */
  arn?: string;
}

function plan(count: number, round: string): Planned[] {
  const out: Planned[] = [];
  for (let i = 0; i < count; i++) {
    const n = i + 1;
    const name = `${round}-${i}`;
    const kind: MachineName = i % 5 === 3 ? 'approval' : i % 5 === 4 ? 'fan' : 'chain';
    if (kind === 'chain') out.push({ name, machine: kind, input: { n }, expected: { n, first: { n: 2 * n }, second: { n: 4 * n } } });
    else if (kind === 'approval') out.push({ name, machine: kind, input: { n }, expected: { n, approval: { approved: true, n } } });
    else {
      const items = [1, 2, 3, 4, 5, 6].map((k) => ({ n: n * 10 + k }));
      out.push({ name, machine: kind, input: { items, p: { n } }, expected: { items, p: { n }, doubled: items.map((it) => ({ n: it.n * 2 })), both: [{ n: 2 * n }, { n: 2 * n }] } });
    }
  }
  return out;
}

/** How a round kills the server (after a restart with `then`, it may kill it again). */
export type Kill =
  | { kind: 'none' }
  | { kind: 'fault'; at: string; then?: Kill }
  | { kind: 'when'; stage: 'starts' | 'first-tasks' | 'answers' | 'fan-items'; fraction?: number; then?: Kill };

export interface RoundResult {
  round: string;
  accepted: number;
  retriedStarts: number;
  kills: number;
  finished: number;
  stranded: number;
  strandedDetails: string[];
  wrong: string[];
  lostTasks: number;
  duplicateTaskRuns: number;
  duplicatedTransitions: number;
  seconds: number;
  /** event types per machine in this round's histories (a clean round gives the reference) */
  histories: Record<string, string[][]>;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

class Server {
  proc?: ChildProcess;
  url = '';
  stderr = '';
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly dir: string, private readonly env: Record<string, string>) {}

  async start(killAt?: string): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const env = { ...process.env, ...this.env, ...(killAt ? { STEPWRIGHT_KILL_AT: killAt } : {}) };
    if (!killAt) delete env.STEPWRIGHT_KILL_AT;
    const proc = spawn(process.execPath, [join(ROOT, 'bin/stepwright.js'), 'serve', '--data', join(this.dir, 'data'), '--port', String(port), '--config', join(this.dir, 'config.json'), '--time-scale', '1'], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
    proc.stderr.on('data', (d) => (this.stderr += d));
    await new Promise<void>((res, rej) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('listening on')) res();
      });
      proc.on('exit', () => rej(new Error(`stepwright serve exited before listening: ${this.stderr}`)));
    });
  }

  kill(): void {
    this.proc?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    await this.exited;
  }

  alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(this.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

/** Runs `work` on items, `limit` at a time. */
async function limited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

function readLines(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return []; // a line torn by the kill
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the whole set of executions may make no progress at all before the round calls them stranded (follows the work: any finish resets it). */
const STALL_MS = Number(process.env.STEPWRIGHT_KILL_STALL_MS ?? 120_000);

export async function runRound(round: string, count: number, kill: Kill, log: (line: string) => void = () => {}): Promise<RoundResult> {
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `stepwright-kill-${round}-`));
  const taskLog = join(dir, 'tasks.log');
  const tokensFile = join(dir, 'tokens.log');
  writeFileSync(join(dir, 'tasks.js'), TASKS_MODULE);
  for (const [name, def] of Object.entries(MACHINES)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(def));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ stateMachines: Object.keys(MACHINES).map((name) => ({ name, definition: `${name}.json` })), tasks: 'tasks.js' }));
  const server = new Server(dir, { KILL_TEST_LOG: taskLog, KILL_TEST_TOKENS: tokensFile });
  const executions = plan(count, round);
  let kills = 0;
  let retriedStarts = 0;
  try {
    let current: Kill | undefined = kill;
    await server.start(current.kind === 'fault' ? current.at : undefined);

    // Starts, 20 at a time, with a client's retry: an unanswered start is sent again (same name and input: idempotent).
    const startAll = async () => {
      await limited(executions.filter((e) => !e.arn), 20, async (e) => {
        try {
          const r = await server.call('POST', `/state-machines/${e.machine}/executions`, { input: e.input, name: e.name });
          if (r.status === 202 || r.status === 200) e.arn = r.json.executionArn;
        } catch {
          /* the server died under this request: retried after the restart */
        }
      });
    };
    // Answers every token handed out so far (again after a restart; a second answer is refused harmlessly).
    const answered = new Set<string>();
    let answers = 0;
    const answerTokens = async () => {
      for (const { token, e } of readLines(tokensFile)) {
        if (answered.has(token) || !server.alive()) continue;
        const n = executions.find((x) => x.arn && (e === x.arn || e.startsWith(`${x.arn}/`)))?.input.n;
        try {
          const r = await server.call('POST', '/tasks/success', { taskToken: token, output: { approved: true, n } });
          if (r.status === 200 || r.json?.error === 'TaskTimedOut') {
            answered.add(token);
            answers++;
          }
        } catch {
          /* retried */
        }
      }
    };
    const stageReached = (k: Extract<Kill, { kind: 'when' }>): boolean => {
      const f = k.fraction ?? 0.5;
      if (k.stage === 'starts') return executions.filter((e) => e.arn).length >= Math.ceil(count * f);
      if (k.stage === 'answers') return answers >= Math.max(1, Math.ceil(executions.filter((e) => e.machine === 'approval').length * f));
      const lines = readLines(taskLog);
      if (k.stage === 'first-tasks') return lines.filter((l) => l.s === 'First').length >= Math.ceil(executions.filter((e) => e.machine === 'chain').length * f);
      return lines.filter((l) => l.s === 'D').length >= Math.ceil(executions.filter((e) => e.machine === 'fan').length * 6 * f);
    };

    const starting = startAll();
    // Drive the round: answer tokens, watch for the kill moment, restart after each death.
    for (;;) {
      if (current && current.kind === 'when' && server.alive() && stageReached(current)) {
        server.kill();
      }
      if (!server.alive()) {
        const how = await server.exited!;
        if (how.signal !== 'SIGKILL') throw new Error(`the server ended by itself (${JSON.stringify(how)}): ${server.stderr}`);
        kills++;
        log(`${round}: killed (${current?.kind === 'fault' ? current.at : current?.kind === 'when' ? current.stage : '?'}), restarting`);
        await starting.catch(() => undefined);
        current = current && current.kind !== 'none' ? current.then : undefined;
        await server.start(current?.kind === 'fault' ? current.at : undefined);
        const unacked = executions.filter((e) => !e.arn).length;
        retriedStarts += unacked;
        if (unacked) await startAll();
      }
      await answerTokens();
      const pendingKill = current && current.kind !== 'none';
      if (!pendingKill && (await starting.then(() => true))) break;
      await sleep(50);
    }
    await startAll();

    // Wait for every accepted execution to finish; stalled = no execution finished for STALL_MS.
    let lastProgress = Date.now();
    const finished = new Map<string, any>();
    while (finished.size < executions.length && Date.now() - lastProgress < STALL_MS) {
      await answerTokens();
      if (!server.alive()) {
        const how = await server.exited!;
        throw new Error(`the server died (${JSON.stringify(how)}) after the last planned kill: ${server.stderr.slice(-2000)}`);
      }
      const open = executions.filter((e) => e.arn && !finished.has(e.name));
      await limited(open, 10, async (e) => {
        const r = await server.call('GET', `/executions/${encodeURIComponent(e.arn!)}`);
        if (r.status === 200 && r.json.status !== 'RUNNING') {
          finished.set(e.name, r.json);
          lastProgress = Date.now();
        }
      });
      if (finished.size < executions.length) await sleep(200);
    }

    // Check each execution against what a clean run gives.
    const wrong: string[] = [];
    const tasks = readLines(taskLog);
    let lostTasks = 0;
    let duplicateTaskRuns = 0;
    let duplicatedTransitions = 0;
    const histories: Record<string, string[][]> = {};
    for (const e of executions) {
      const d = finished.get(e.name);
      if (!d) continue;
      const output = typeof d.output === 'string' ? JSON.parse(d.output) : d.output;
      if (d.status !== 'SUCCEEDED' || JSON.stringify(output) !== JSON.stringify(e.expected)) wrong.push(`${e.name}: ${d.status} ${JSON.stringify(output ?? d.error ?? '')} ${d.cause ?? ''}`.slice(0, 300));
      const h = await server.call('GET', `/executions/${encodeURIComponent(e.arn!)}/history?maxResults=1000`);
      const events = h.json.events as { id: number; type: string; stateEnteredEventDetails?: { name: string }; mapIterationStartedEventDetails?: { index: number } }[];
      if (events.some((ev, i) => ev.id !== i + 1)) duplicatedTransitions++;
      // no state of these machines is entered twice in a clean run, within one Map item (the history
      // shows an inline Map's items as AWS does: each item's events after its MapIterationStarted)
      let item = '';
      const entered: string[] = [];
      for (const ev of events) {
        if (ev.type === 'MapIterationStarted') item = `${ev.mapIterationStartedEventDetails?.index}/`;
        else if (ev.type.startsWith('MapIteration')) item = '';
        else if (ev.type.endsWith('StateEntered')) entered.push(`${item}${ev.stateEnteredEventDetails?.name}`);
      }
      if (new Set(entered).size !== entered.length) duplicatedTransitions++;
      (histories[e.machine] ??= []).push(events.map((ev) => ev.type));
      // every task attempt the workflow needs ran at least once; more than once only in the crash window
      const mine = tasks.filter((t) => t.e === e.arn || t.e.startsWith(`${e.arn}/`));
      const needed = e.machine === 'chain' ? ['First', 'Second'] : e.machine === 'fan' ? [...(e.input.items as { n: number }[]).map((it) => `D:${it.n}`), 'B0', 'B1'] : [];
      const seen = mine.map((t) => (t.s === 'D' ? `D:${t.n}` : t.s));
      for (const want of new Set(needed)) {
        const times = seen.filter((s) => s === want).length;
        const wanted = needed.filter((s) => s === want).length;
        if (times < wanted) lostTasks += wanted - times;
        if (times > wanted) duplicateTaskRuns += times - wanted;
      }
    }
    // What the stranded ones were doing: the end of their history (for the failure message).
    const strandedDetails: string[] = [];
    for (const e of executions.filter((x) => x.arn && !finished.has(x.name)).slice(0, 5)) {
      const h = await server.call('GET', `/executions/${encodeURIComponent(e.arn!)}/history?reverseOrder=true&maxResults=3`).catch(() => undefined);
      strandedDetails.push(`${e.name} (${e.machine}): last events ${JSON.stringify((h?.json?.events ?? []).map((ev: { type: string }) => ev.type))}`);
    }
    return {
      round,
      strandedDetails,
      accepted: executions.filter((e) => e.arn).length,
      retriedStarts,
      kills,
      finished: finished.size,
      stranded: executions.filter((e) => e.arn && !finished.has(e.name)).length,
      wrong,
      lostTasks,
      duplicateTaskRuns,
      duplicatedTransitions,
      seconds: (Date.now() - began) / 1000,
      histories,
    };
  } finally {
    await server.stop().catch(() => undefined);
    if (server.stderr.trim()) appendFileSync(join(tmpdir(), 'stepwright-kill-stderr.log'), `--- ${round}\n${server.stderr}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The kill moments of the suite, spread over start, task, wait, callback, fan-out and fan-in. */
export const KILL_PLAN: { round: string; kill: Kill }[] = [
  { round: 'starts', kill: { kind: 'when', stage: 'starts', fraction: 0.4 } },
  { round: 'api-put', kill: { kind: 'fault', at: 'after-put:7' } },
  { round: 'read', kill: { kind: 'fault', at: 'after-read:60' } },
  { round: 'commit', kill: { kind: 'fault', at: 'after-commit:40' } },
  { round: 'history', kill: { kind: 'fault', at: 'after-history:60' } },
  { round: 'send', kill: { kind: 'fault', at: 'after-send:80' } },
  { round: 'invoke', kill: { kind: 'fault', at: 'after-invoke:10' } },
  { round: 'wait', kill: { kind: 'when', stage: 'first-tasks', fraction: 0.6 } },
  { round: 'callback', kill: { kind: 'when', stage: 'answers', fraction: 0.3 } },
  { round: 'fan-out', kill: { kind: 'when', stage: 'fan-items', fraction: 0.2 } },
  { round: 'fan-in', kill: { kind: 'fault', at: 'after-count:4' } },
  { round: 'twice', kill: { kind: 'fault', at: 'after-send:30', then: { kind: 'fault', at: 'after-commit:50' } } },
];

if (require.main === module) {
  // npx tsx test/reliability/kill-rounds.ts [executions per round] [round names...]
  const count = Number(process.argv[2] ?? 200);
  const only = process.argv.slice(3);
  void (async () => {
    const totals = { accepted: 0, stranded: 0, lost: 0, duplicated: 0, wrong: 0, kills: 0, dupTasks: 0 };
    for (const { round, kill } of KILL_PLAN.filter((p) => only.length === 0 || only.includes(p.round))) {
      const r = await runRound(round, count, kill, console.log);
      console.log(`${round}: ${r.accepted} accepted (${r.retriedStarts} starts retried), ${r.kills} kill(s), ${r.finished} finished, ${r.stranded} stranded, ${r.lostTasks} tasks lost, ${r.duplicatedTransitions} duplicated transitions, ${r.wrong.length} wrong, ${r.duplicateTaskRuns} task runs repeated (crash window), ${r.seconds.toFixed(1)} s`);
      for (const w of r.wrong.slice(0, 5)) console.log(`  wrong: ${w}`);
      for (const w of r.strandedDetails) console.log(`  stranded: ${w}`);
      totals.accepted += r.accepted; totals.stranded += r.stranded; totals.lost += r.lostTasks; totals.duplicated += r.duplicatedTransitions; totals.wrong += r.wrong.length; totals.kills += r.kills; totals.dupTasks += r.duplicateTaskRuns;
    }
    console.log(`total: ${totals.accepted} executions, ${totals.kills} kills: ${totals.stranded} stranded, ${totals.lost} lost, ${totals.duplicated} duplicated, ${totals.wrong} wrong (${totals.dupTasks} task runs repeated in the crash window)`);
  })();
}
