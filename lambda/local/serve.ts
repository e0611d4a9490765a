/**
 * `stepwright serve`: the local engine plus its HTTP server, with the demo state machines from the
 * config, a printed cheat sheet, and a clean stop on Ctrl-C.
 */
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from './config';
import { startLocalEngine } from './local-engine';
import { killSwitchFromEnv } from './kill-switch';
import { startHttpServer } from './http-server';
import { LocalTaskInvoker } from './local-invoker';
import { startUserQueues, type UserQueues } from './user-queues';
import { stateMachineArnFor } from '../runtime/service';
import type { FanOutMode } from '../engine/interpreter';
import type { EngineDeps } from '../runtime/deps';
import { attachExecutionEvents } from './execution-events';
import { startExecutionLog, type ExecutionLogLevel } from './execution-log';
import { lineLogWriter, machineLogListener, observeHistory } from '../runtime/execution-logging';
import { setLogLevel } from '../runtime/logger';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir?: string;
  configFile: string;
  timeScale: number;
  fanOut?: FanOutMode;
  /** web origins allowed to call the server from a browser (CORS); none by default */
  corsOrigins?: string[];
  /** the execution log's level (default INFO); lines are readable on a terminal, JSON otherwise */
  logLevel?: ExecutionLogLevel;
}

/** A reason `serve` cannot start, for the user: printed as one line, exit 1. */
export class ServeError extends Error {
  name = 'ServeError';
}

export async function serve(opts: ServeOptions): Promise<void> {
  // Everything this process creates (LevelDB files, the queue file, the lock, secrets) is readable by
  // the user alone: the data holds execution inputs and outputs, and task tokens.
  process.umask(0o077);
  const config = existsSync(opts.configFile) ? loadConfig(opts.configFile) : undefined;
  const release = opts.dataDir ? lockDataDir(opts.dataDir) : () => undefined;
  process.on('exit', release);
  // The port is bound before the engine starts: on a busy port nothing may resume or run.
  let engineStarted!: (deps: EngineDeps) => void;
  let engineFailed!: (e: unknown) => void;
  const deps = new Promise<EngineDeps>((resolve, reject) => ((engineStarted = resolve), (engineFailed = reject)));
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer(deps, opts.port, opts.host, { corsOrigins: opts.corsOrigins });
  } catch (e) {
    release();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ServeError(`port ${opts.port} is in use (try --port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') throw new ServeError(`cannot listen on ${opts.host}:${opts.port}: ${code} (check --host and --port)`);
    throw e;
  }
  let engine: Awaited<ReturnType<typeof startLocalEngine>>;
  let userQueues: UserQueues | undefined;
  try {
    // SQS for definitions' own queues (sqs:sendMessage) when the config asks for it: it is one more open
    // port on loopback, which answers anyone on this machine (as SQS emulators do: no signature checks)
    const endpoints = config?.integrations?.endpoints ?? {};
    userQueues = endpoints.sqs || !config?.integrations?.sqs ? undefined : await startUserQueues({ host: opts.host, ...config?.integrations?.sqs }).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'EADDRINUSE' ? new ServeError(`integrations.sqs.port ${config?.integrations?.sqs?.port} is in use (change it in ${opts.configFile})`) : e;
    });
    engine = await startLocalEngine({
      services: { sqsEndpoint: userQueues?.endpoint, endpoints },
      dataDir: opts.dataDir,
      invoker: config?.invoker ?? new LocalTaskInvoker(undefined),
      stateMachines: config?.stateMachines ?? [],
      timeScale: opts.timeScale,
      fanOut: opts.fanOut,
      // the fault-injection suite's crash on cue (STEPWRIGHT_KILL_AT); undefined otherwise
      fault: killSwitchFromEnv(),
    });
  } catch (e) {
    engineFailed(e);
    await userQueues?.stop();
    await http.close();
    release();
    throw e;
  }
  // the log listens before the HTTP side hands out the engine: no execution started through it is missed
  setLogLevel(opts.logLevel ?? 'INFO');
  startExecutionLog(attachExecutionEvents(engine.deps), { level: opts.logLevel ?? 'INFO', format: process.stdout.isTTY ? 'pretty' : 'json', write: (line) => console.log(line) });
  // each machine's own loggingConfiguration (ALL / ERROR / FATAL): its events as JSON lines naming the
  // log group they would go to on AWS (where the worker writes them to CloudWatch Logs)
  const store = engine.deps.store;
  engine.deps.store = observeHistory(store, [machineLogListener(() => store, lineLogWriter((line) => console.log(line)))], (e, executionArn) =>
    console.error(`could not write the execution log of ${executionArn}: ${(e as Error)?.message ?? String(e)}`),
  );
  // task modules (examples/tasks.js prints a curl for the approval) learn where they are served
  process.env.STEPWRIGHT_ENDPOINT = http.url;
  engineStarted(engine.deps);
  const first = config?.stateMachines[0];
  const arn = first ? stateMachineArnFor(engine.deps, first.name) : undefined;
  console.log(`Stepwright is listening on ${http.url}  (data: ${opts.dataDir ?? 'in memory'}, time scale: ${opts.timeScale})`);
  if (userQueues) console.log(`SQS for your queues (sqs:sendMessage tasks, in memory): ${userQueues.endpoint}${config?.integrations?.sqs?.queues?.length ? `  queues: ${config.integrations.sqs.queues.join(', ')}` : ''}`);
  console.log(`console: ${http.url}/   metrics: ${http.url}/metrics`);
  if (opts.corsOrigins?.length) console.log(`web pages allowed to call it (CORS): ${opts.corsOrigins.join(', ')}`);
  if (config) console.log(`state machines from ${opts.configFile}: ${config.stateMachines.map((s) => s.name).join(', ') || 'none'}`);
  else console.log(`no ${opts.configFile}: create state machines through the API`);
  if (first && arn) {
    console.log(`\nTry it:`);
    const inputs = exampleInputs(opts.configFile);
    for (const sm of config?.stateMachines ?? []) {
      const example = inputs.get(sm.name);
      const input = example === undefined ? '' : ` \\\n       -d '${JSON.stringify({ input: example }).replace(/'/g, "'\\''")}'`;
      console.log(`  curl -s -X POST ${http.url}/state-machines/${sm.name}/executions -H 'content-type: application/json'${input}`);
    }
    console.log(`  curl -s ${http.url}/executions/<executionArn from the answer>?waitSeconds=20
  curl -s ${http.url}/executions/<executionArn>/history

With the AWS SDK (Step Functions JSON protocol), as an ES module (e.g. try.mjs, for the top-level await):
  import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
  const sfn = new SFNClient({ endpoint: '${http.url}', region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await sfn.send(new StartExecutionCommand({ stateMachineArn: '${arn}', input: ${JSON.stringify(JSON.stringify(inputs.get(first.name) ?? {}))} }));
`);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping...');
    await http.close();
    await engine.close();
    await userQueues?.stop();
    release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/**
 * An input that fits each configured machine, for the start message: the `input.json` beside a
 * definition given as a file (as examples/<name>/ has), read relative to the config file as the
 * config's paths are. Machines without one get none (an empty body starts them with {}).
 */
function exampleInputs(configFile: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  try {
    const raw = JSON.parse(readFileSync(configFile, 'utf8')) as { stateMachines?: { name?: unknown; definition?: unknown }[] };
    for (const sm of raw.stateMachines ?? []) {
      if (typeof sm.name !== 'string' || typeof sm.definition !== 'string') continue;
      const file = join(dirname(resolve(dirname(configFile), sm.definition)), 'input.json');
      if (existsSync(file)) found.set(sm.name, JSON.parse(readFileSync(file, 'utf8')));
    }
  } catch {
    // loadConfig has read this file already; an input that is not JSON is simply not suggested
  }
  return found;
}

/**
 * Takes the data folder for this process: one LevelDB can have one owner, and a second server on
 * the same folder would crash inside the database. The lock file holds the owner's pid; a lock whose
 * process is gone (a crash, a kill -9) is taken over. Also makes the folder private (0700), including
 * one an older version created with 755 and 644 files. Returns the release function.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    tightenModes(dir);
  } catch (e) {
    throw new ServeError(`cannot make the data folder ${dir} private (chmod 700): ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const lock = join(dir, 'serve.lock');
  const mine = `${process.pid}\n`;
  // written aside and hard-linked into place: the lock appears with its pid in one step, so no
  // other process can read it empty; link fails when the lock exists
  const draft = join(dir, `serve.lock.${process.pid}`);
  writeFileSync(draft, mine);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
        const owner = lockOwner(lock);
        if (owner !== undefined) throw new ServeError(`data folder ${dir} is in use by another stepwright serve (pid ${owner}); stop it, or start with --data <another folder> or --in-memory`);
        unlinkSync(lock); // stale: its process is gone
      }
    }
  } finally {
    unlinkSync(draft);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(lock, 'utf8') === mine) unlinkSync(lock);
    } catch {
      // already gone
    }
  };
}

/** The pid of a live process holding the lock, or undefined when the lock is stale. */
function lockOwner(lock: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return undefined;
  }
  // our own pid in an old lock: a container restarted with the same pid (it was never us)
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined; // EPERM: alive, another user's
  }
}

/** 0700 for the folder and its subfolders, no group or other bits on the files. */
function tightenModes(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    if (entry.isDirectory()) chmodSync(path, 0o700);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}
