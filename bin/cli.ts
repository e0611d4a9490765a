/**
 * The `stepwright` command line: run, validate, conformance (serve comes with the durable engine).
 * Each command is a thin shell over lambda/: parsing arguments, reading files, printing results.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateDefinition, formatIssues } from '../lambda/asl/validate';
import { unsupportedTaskResources } from '../lambda/runtime/integrations/support';
import { sdkPackageInstalled } from '../lambda/aws/sdk-service-caller';
import { runExecution } from '../lambda/local/runner';
import { loadTaskModule } from '../lambda/local/task-module';
import { runConformance, ConformanceDirError } from '../lambda/conformance/run';
import { runConformanceDurable } from '../lambda/conformance/durable-run';
import type { StateMachineDefinition } from '../lambda/engine/definition';
import { serve } from '../lambda/local/serve';
import { fanOutModeOf } from '../lambda/runtime/deps';
import { executionLogLevelOf } from '../lambda/local/execution-log';
import { registerServerCommands } from './commands';
import { startLiveLine } from './commands/run-progress';
import { signedFetch } from './signed-fetch';

/** An error meant for the user: printed as one line, no stack trace, exit 1. */
class UsageError extends Error {}

function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function loadDefinition(file: string): StateMachineDefinition {
  const def = readJsonFile(file, 'definition');
  const issues = validateDefinition(def);
  if (issues.length > 0) throw new UsageError(`${file}: invalid definition (${issues.length} problem${issues.length > 1 ? 's' : ''}):\n${formatIssues(issues)}`);
  return def as StateMachineDefinition;
}

function parseInput(opts: { input?: string; inputFile?: string }): unknown {
  if (opts.input !== undefined && opts.inputFile !== undefined) throw new UsageError('give either --input or --input-file, not both');
  if (opts.inputFile !== undefined) return readJsonFile(opts.inputFile, 'input file');
  if (opts.input === undefined) return {};
  try {
    return JSON.parse(opts.input);
  } catch (e) {
    throw new UsageError(`--input is not valid JSON: ${(e as Error).message}`);
  }
}

/** An origin exactly as browsers send it (scheme://host[:port], no path); never '*' or 'null'. */
function corsOriginOf(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // refused below
  }
  const origin = url && /^https?:$/.test(url.protocol) ? url.origin : undefined;
  if (!origin || text.replace(/\/$/, '').toLowerCase() !== origin.toLowerCase()) {
    throw new UsageError(`--cors-origin must be an origin like http://localhost:3000 (scheme, host and port only; no '*', path or query), got '${text}'`);
  }
  return origin;
}

/** The options commander parses for each command (every flag is a string or a boolean switch). */
interface RunOptions {
  input?: string;
  inputFile?: string;
  tasks?: string;
  name?: string;
  json?: boolean;
  history?: boolean;
  fastTimers?: boolean;
}
interface ServeOptions {
  port: string;
  host: string;
  data: string;
  config: string;
  timeScale: string;
  inMemory?: boolean;
  fanOut: string;
  corsOrigin?: string[];
  logLevel: string;
}
interface RedriveOptions {
  endpoint: string;
  region?: string;
  latestDefinition?: boolean;
}
interface ConformanceOptions {
  expectations: string;
  filter?: string;
  engine: string;
  fanOut?: string;
}

const program = new Command();
program.name('stepwright').description('Run Amazon States Language state machines: locally, or on your own AWS account.');
// the package's own version (package.json sits beside bin/ in the source tree and in the package)
program.version((JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8')) as { version: string }).version);

program
  .command('run')
  .description('run a state machine in this process and print its output (or error and cause)')
  .argument('<definition>', 'ASL definition (JSON file)')
  .option('--input <json>', 'execution input as JSON text')
  .option('--input-file <file>', 'execution input from a JSON file')
  .option('--tasks <module>', 'JS/TS module mapping resource ARNs or function names to async functions')
  .option('--name <name>', 'execution name')
  .option('--json', 'print one JSON object {status, output, error, cause}')
  .option('--history', 'print the execution history events')
  .option('--fast-timers', 'do not really wait: Waits and retry intervals end at once, in order')
  .action(async (file: string, opts: RunOptions) => {
    const definition = loadDefinition(file);
    const input = parseInput(opts);
    const tasks = opts.tasks ? loadTaskModule(resolve(opts.tasks)) : undefined;
    // the live line (state, elapsed time, Map progress) on a terminal; nothing under --json or a pipe
    const live = startLiveLine(process.stdout, { json: opts.json === true });
    let result;
    try {
      result = await runExecution({ definition, input, tasks, name: opts.name, fastTimers: opts.fastTimers === true, historyPayloads: opts.history === true, onEvents: live.onEvents });
    } finally {
      live.stop();
    }
    if (opts.history) for (const e of result.history) console.log(JSON.stringify(e));
    if (opts.json) console.log(JSON.stringify({ status: result.status, output: result.output, error: result.error, cause: result.cause }));
    else if (result.status === 'SUCCEEDED') console.log(JSON.stringify(result.output, null, 2));
    else {
      console.log(`${result.status}`);
      if (result.error !== undefined) console.log(`error: ${result.error}`);
      if (result.cause !== undefined) console.log(`cause: ${result.cause}`);
    }
    process.exitCode = result.status === 'SUCCEEDED' ? 0 : 1;
  });

program
  .command('validate')
  .description('check a definition; prints every problem with a JSON pointer, exit 1 when invalid')
  .argument('<definition>', 'ASL definition (JSON file)')
  .action((file: string) => {
    const def = loadDefinition(file);
    // what AWS would accept but Stepwright cannot run (issue #15 item 10), as CreateStateMachine refuses it
    const unsupported = unsupportedTaskResources(def, { sdkClientInstalled: sdkPackageInstalled });
    if (unsupported.length > 0) throw new UsageError(`${file}: Task resources Stepwright cannot run (${unsupported.length}):\n${formatIssues(unsupported)}`);
    console.log(`${file}: valid`);
  });

program
  .command('serve')
  .description('run the engine locally: API (REST and the Step Functions JSON protocol), worker, embedded DynamoDB and queue')
  .option('--port <port>', 'port to listen on', '8083')
  .option('--host <host>', 'address to bind (loopback unless told otherwise)', '127.0.0.1')
  .option('--data <dir>', 'data folder (executions survive restarts)', '.stepwright')
  .option('--config <file>', 'state machines and task modules', 'stepwright.config.json')
  .option('--time-scale <factor>', 'multiply every Wait, retry interval, timeout and heartbeat (1 real time, 0.01 a hundred times faster, 0 no waiting)', '1')
  .option('--in-memory', 'keep nothing on disk')
  .option('--fan-out <mode>', 'how Map items and Parallel branches run: auto (spread those holding a Task), spread, inline', 'auto')
  .option('--cors-origin <origin>', 'let web pages from this origin (e.g. http://localhost:3000) call the server; repeatable or a comma list. Other origins are refused', (v: string, prev: string[] = []) => [...prev, ...v.split(',')])
  .option('--log-level <level>', 'execution log: debug (also every state entered), info (starts and ends), warn (also failed task attempts), error, silent', 'info')
  .action(async (opts: ServeOptions) => {
    let logLevel;
    try {
      logLevel = executionLogLevelOf(opts.logLevel);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const corsOrigins = (opts.corsOrigin ?? []).map((o) => o.trim()).filter(Boolean).map(corsOriginOf);
    const port = Number(opts.port);
    let fanOut;
    try {
      fanOut = fanOutModeOf(opts.fanOut, '--fan-out');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const timeScale = Number(opts.timeScale);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got '${opts.port}'`);
    if (!Number.isFinite(timeScale) || timeScale < 0) throw new UsageError(`--time-scale must be a number >= 0, got '${opts.timeScale}'`);
    await serve({ port, host: opts.host, dataDir: opts.inMemory ? undefined : resolve(opts.data), configFile: resolve(opts.config), timeScale, fanOut, corsOrigins, logLevel });
  });

program
  .command('redrive')
  .description('resume a FAILED, TIMED_OUT or ABORTED execution from the state that stopped it (on a running `stepwright serve` or deployed API)')
  .argument('<executionArn>', 'the execution to redrive')
  .option('--endpoint <url>', 'the Stepwright API', 'http://127.0.0.1:8083')
  .option('--latest-definition', "continue on the state machine's current definition (after you corrected it)")
  .option('--region <region>', 'the deployed API\'s region (default: from its execute-api host name); requests to it are SigV4-signed with the standard AWS credentials')
  .action(async (executionArn: string, opts: RedriveOptions) => {
    let res: Response;
    try {
      res = await signedFetch(`${opts.endpoint.replace(/\/$/, '')}/executions/${encodeURIComponent(executionArn)}/redrive`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ useLatestDefinition: opts.latestDefinition === true }),
      }, { region: opts.region });
    } catch (e) {
      throw new UsageError(`cannot reach ${opts.endpoint}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string; redriveDate?: string };
    if (!res.ok) throw new UsageError(`${body.error ?? res.status}: ${body.message ?? res.statusText}`);
    console.log(`redriven at ${body.redriveDate}: ${executionArn}`);
  });

program
  .command('conformance')
  .description('run the conformance corpus (cases recorded against AWS) and compare results')
  .argument('<dir>', 'corpus folder, e.g. ../shared/conformance')
  .addOption(new Option('--expectations <file>', 'known failures, one "<case>  # reason" per line').default(resolve(__dirname, '../test/conformance/known-failures.txt')))
  .option('--filter <text>', 'only cases whose name contains text, or whose group equals it')
  .addOption(new Option('--engine <engine>', 'in-process: the interpreter with virtual timers; durable: the local durable engine (store, queue, worker, API), time scale 0').choices(['in-process', 'durable']).default('in-process'))
  .option('--fan-out <mode>', 'with --engine durable: how Map items and Parallel branches run (auto, spread, inline; default auto)')
  .action(async (dir: string, opts: ConformanceOptions) => {
    let fanOut;
    try {
      fanOut = fanOutModeOf(opts.fanOut, '--fan-out');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (fanOut !== undefined && opts.engine !== 'durable') throw new UsageError('--fan-out applies to --engine durable only');
    let summary;
    try {
      summary =
        opts.engine === 'durable'
          ? await runConformanceDurable(dir, { fanOut, expectationsFile: opts.expectations, filter: opts.filter })
          : await runConformance(dir, { expectationsFile: opts.expectations, filter: opts.filter });
    } catch (e) {
      if (!(e instanceof ConformanceDirError)) throw e;
      // nothing to run is not a pass: exit 2, apart from failing cases (1)
      console.error(`stepwright: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = summary.unexpected.length > 0 ? 1 : 0;
  });

registerServerCommands(program);

program.parseAsync(process.argv).catch((e) => {
  if (e instanceof UsageError || (e as Error)?.name === 'ConfigError' || (e as Error)?.name === 'ServeError' || (e as Error)?.name === 'CliError') console.error(`stepwright: ${(e as Error).message}`);
  else console.error(e);
  process.exitCode = 1;
});
