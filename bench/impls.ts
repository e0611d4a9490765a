/**
 * The implementations each workload runs on: Stepwright (in-process runner), the hand-written
 * ceiling (from the workload), and the peer `aws-local-stepfunctions` when it is installed.
 *
 * Both are timed as they ship. The peer is its published bundle; Stepwright's timed runner is
 * lambda/local/runner.ts compiled by esbuild into one file (as the Lambda bundles of dist/assets are),
 * not the sources as tsx compiles them on load: tsx keeps function names (a defineProperty call for
 * every closure made) and exports each binding through a getter (a call for every use of an imported
 * function), which took half of Stepwright's time in these workloads and are in no shipped build.
 * STEPWRIGHT_BENCH_SOURCE=tsx times the sources through tsx instead. Verification and the memory
 * figures use the sources (bench/memory.ts instruments their HistoryWriter).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExecution, type RunResult } from '../lambda/local/runner';
import type { StateMachineDefinition } from '../lambda/engine/definition';
import { jsonDiff, type RunOnce } from './harness';

export interface Impl {
  name: string;
  /** prepares a runner for one definition (outside the timed loop) */
  prepare(definition: StateMachineDefinition): RunOnce;
}

export const stepwright: Impl = {
  name: 'Stepwright',
  prepare(definition) {
    const run = timedRunner();
    let checked = run === runExecution;
    return async (input) => {
      const r = await run({ definition, input, fastTimers: true });
      if (r.status !== 'SUCCEEDED') throw new Error(`Stepwright: execution ${r.status}: ${r.error}: ${r.cause}`);
      if (!checked) {
        // once (in the warm-up): the compiled runner gives the sources' output
        checked = true;
        const d = jsonDiff(r.output, (await runExecution({ definition, input, fastTimers: true })).output);
        if (d) throw new Error(`Stepwright: the compiled runner's output differs from the sources': ${d}`);
      }
      return r.output;
    };
  },
};

let compiled: typeof runExecution | undefined;

/** The runner the timed loops call: compiled once per process (see the top of this file), or the sources. */
function timedRunner(): typeof runExecution {
  if (process.env.STEPWRIGHT_BENCH_SOURCE === 'tsx') return runExecution;
  if (compiled) return compiled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepwright-bench-'));
  try {
    const outfile = path.join(dir, 'runner.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a dev dependency, loaded only here
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({ entryPoints: [path.join(__dirname, '..', 'lambda', 'local', 'runner.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', target: `node${process.versions.node.split('.')[0]}`, logLevel: 'error' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    compiled = (require(outfile) as { runExecution: typeof runExecution }).runExecution;
    console.log('Stepwright: timed as lambda/local/runner.ts compiled by esbuild into one file (STEPWRIGHT_BENCH_SOURCE=tsx: the sources through tsx)');
    return compiled;
  } catch (e) {
    console.log(`Stepwright: timed through tsx: compiling the runner failed (${(e as Error).message.split('\n')[0]})`);
    return (compiled = runExecution);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One Stepwright run with its whole result (history included), for verification and memory. */
export function runStepwright(definition: StateMachineDefinition, input: unknown): Promise<RunResult> {
  return runExecution({ definition, input, fastTimers: true });
}

/** The peer, or the reason it cannot run here. */
export interface Peer {
  impl?: Impl;
  version?: string;
  unavailable?: string;
  /** notes on what works on this Node version */
  notes: string[];
}

const PEER = 'aws-local-stepfunctions';

export async function loadPeer(): Promise<Peer> {
  const notes: string[] = [];
  let mod: { StateMachine: new (def: unknown, opts?: unknown) => { run(input: unknown, opts?: unknown): { result: Promise<unknown> } } };
  let version: string | undefined;
  // STEPWRIGHT_BENCH_PEER: a folder with its own node_modules/aws-local-stepfunctions (a shared
  // node_modules loses a --no-save install at the next `npm install`)
  const from = process.env.STEPWRIGHT_BENCH_PEER;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(from ? require.resolve(PEER, { paths: [path.resolve(from)] }) : PEER);
  } catch {
    return { unavailable: 'n/a (not installed)', notes: [`npm install --no-save ${PEER} to compare with it`] };
  }
  try {
    // its package.json is not in its "exports": read it beside build/main.node.cjs
    const pkg = path.join(path.dirname(require.resolve(PEER, from ? { paths: [path.resolve(from)] } : undefined)), '..', 'package.json');
    version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    version = '?';
  }
  const major = Number(process.versions.node.split('.')[0]);
  // 3.x declares engines node>=22. Probe: Pass/Choice/Map run on Node 20; Task uses Promise.withResolvers (Node 22).
  try {
    const sm = new mod.StateMachine({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', End: true } } });
    const out = await sm.run({ n: 1 }, { overrides: { taskResourceLocalHandlers: { T: async (i: { n: number }) => ({ ok: i.n }) } } }).result;
    if ((out as { ok?: number })?.ok !== 1) notes.push(`Task probe returned ${JSON.stringify(out)}`);
  } catch (e) {
    notes.push(`Task states fail on Node ${process.versions.node}: ${(e as Error).message}`);
  }
  if (major < 22) notes.push(`${PEER}@${version} declares engines node>=22; this run is Node ${process.versions.node}`);
  const impl: Impl = {
    name: `${PEER}@${version}`,
    prepare(definition) {
      // validation (asl-validator) happens here, once, outside the timed loop
      const sm = new mod.StateMachine(definition);
      return (input) => sm.run(input).result;
    },
  };
  return { impl, version, notes };
}
