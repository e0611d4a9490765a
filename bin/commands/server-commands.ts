/**
 * `stepwright start | describe | list | history | stop | send-success | send-failure`: the REST API
 * of a running server from the shell. Human tables by default, `--json` for scripts (the API's
 * answer as it came). `start --wait` and `history --follow` wait on the server
 * (GET /executions/{arn}?waitSeconds=20) instead of polling the status.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { callApi, CliError, DEFAULT_ENDPOINT, enc, type ApiTarget } from './api-client';
import type { ExecutionView as Execution } from '../../lambda/local/execution-view';
import { duration, keyValues, table } from './table';

interface Common extends ApiTarget {
  json?: boolean;
}

interface HistoryEventLike {
  id: number;
  type: string;
  timestamp: string;
  [details: string]: unknown;
}

/** The longest wait the API allows per request (MAX_WAIT_SECONDS in api-rest-routes.ts). */
const WAIT_SECONDS = 20;

function jsonArg(text: string | undefined, file: string | undefined, what: string): unknown {
  if (text !== undefined && file !== undefined) throw new CliError(`give either --${what} or --${what}-file, not both`);
  const source = file !== undefined ? readText(file, `--${what}-file`) : text;
  if (source === undefined) return undefined;
  try {
    return JSON.parse(source);
  } catch (e) {
    throw new CliError(`--${what}${file !== undefined ? '-file' : ''} is not valid JSON: ${(e as Error).message}`);
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const print = (v: unknown) => console.log(typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** Asks until the execution is no longer RUNNING, one long wait at a time. */
export async function waitForEnd(target: ApiTarget, executionArn: string): Promise<Execution> {
  for (;;) {
    const d = await callApi<Execution>(target, 'GET', `/executions/${enc(executionArn)}?waitSeconds=${WAIT_SECONDS}`);
    if (d.status !== 'RUNNING') return d;
  }
}

function describeText(d: Execution): string {
  return keyValues([
    ['execution', d.executionArn],
    ['status', d.status],
    ['started', d.startDate],
    ['stopped', d.stopDate],
    ['duration', duration(d.startDate, d.stopDate) || undefined],
    ['input', d.input],
    ['output', d.output],
    ['error', d.error],
    ['cause', d.cause],
  ]);
}

/** The state an event is about (entered/exited events name it), for the history table. */
function stateNameOf(e: HistoryEventLike): string {
  const d = (e.stateEnteredEventDetails ?? e.stateExitedEventDetails) as { name?: string } | undefined;
  return d?.name ?? '';
}

async function historyPage(target: ApiTarget, arn: string, nextToken?: string): Promise<{ events: HistoryEventLike[]; nextToken?: string }> {
  return callApi(target, 'GET', `/executions/${enc(arn)}/history?maxResults=1000${nextToken ? `&nextToken=${enc(nextToken)}` : ''}`);
}

async function allHistory(target: ApiTarget, arn: string): Promise<HistoryEventLike[]> {
  const events: HistoryEventLike[] = [];
  let token: string | undefined;
  do {
    const page = await historyPage(target, arn, token);
    events.push(...page.events);
    token = page.nextToken;
  } while (token);
  return events;
}

export function registerServerCommandsOn(program: Command): void {
  const withCommon = (c: Command) =>
    c
      .option('--endpoint <url>', 'the Stepwright API (a running `stepwright serve`, or a deployed API)', DEFAULT_ENDPOINT)
      .option('--region <region>', "a deployed API's region (default: from its execute-api host name); requests to it are SigV4-signed")
      .option('--json', 'print the API answer as JSON');

  withCommon(program.command('start').description('start an execution of a state machine (by name or ARN) on the server'))
    .argument('<machine>', 'state machine name or ARN')
    .option('--input <json>', 'execution input as JSON text')
    .option('--input-file <file>', 'execution input from a JSON file')
    .option('--name <name>', 'execution name')
    .option('--wait', 'wait for the execution to end and print how it ended (exit 1 unless SUCCEEDED)')
    .action(async (machine: string, o: Common & { input?: string; inputFile?: string; name?: string; wait?: boolean }) => {
      const input = jsonArg(o.input, o.inputFile, 'input');
      const started = await callApi<{ executionArn: string; startDate: string }>(o, 'POST', `/state-machines/${enc(machine)}/executions`, { input: input ?? {}, ...(o.name ? { name: o.name } : {}) });
      if (!o.wait) return print(o.json ? started : `started ${started.executionArn}`);
      const d = await waitForEnd(o, started.executionArn);
      print(o.json ? d : describeText(d));
      if (d.status !== 'SUCCEEDED') process.exitCode = 1;
    });

  withCommon(program.command('describe').description('show an execution: status, input, output, error and cause'))
    .argument('<executionArn>')
    .action(async (arn: string, o: Common) => {
      const d = await callApi<Execution>(o, 'GET', `/executions/${enc(arn)}`);
      print(o.json ? d : describeText(d));
    });

  withCommon(program.command('list').description('list state machines (`list` or `list machines`), or the executions of one (`list executions <machine>`)'))
    .argument('[what]', 'machines or executions', 'machines')
    .argument('[machine]', 'for executions: the state machine name or ARN')
    .option('--status <status>', 'executions with this status only (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE)')
    .option('--max <n>', 'at most this many (1..1000)', '100')
    .action(async (what: string, machine: string | undefined, o: Common & { status?: string; max: string }) => {
      if (what === 'machines') {
        const r = await callApi<{ stateMachines: { name: string; stateMachineArn: string; creationDate: string }[] }>(o, 'GET', `/state-machines?maxResults=${enc(o.max)}`);
        return print(o.json ? r : table(['NAME', 'CREATED', 'ARN'], r.stateMachines.map((s) => [s.name, s.creationDate, s.stateMachineArn])));
      }
      if (what !== 'executions') throw new CliError(`list what? 'machines' or 'executions <machine>', not '${what}'`);
      if (!machine) throw new CliError('list executions needs the state machine: stepwright list executions <machine>');
      const q = `maxResults=${enc(o.max)}${o.status ? `&statusFilter=${enc(o.status.toUpperCase())}` : ''}`;
      const r = await callApi<{ executions: Execution[] }>(o, 'GET', `/state-machines/${enc(machine)}/executions?${q}`);
      print(o.json ? r : table(['NAME', 'STATUS', 'STARTED', 'DURATION', 'ARN'], r.executions.map((e) => [e.name, e.status, e.startDate, duration(e.startDate, e.stopDate), e.executionArn]), 60));
    });

  withCommon(program.command('history').description("show an execution's history events; --follow prints new ones until it ends"))
    .argument('<executionArn>')
    .option('--follow', 'keep printing events as they come, until the execution ends')
    .action(async (arn: string, o: Common & { follow?: boolean }) => {
      const show = (events: HistoryEventLike[], header: boolean) => {
        if (o.json) for (const e of events) console.log(JSON.stringify(e));
        else if (events.length) {
          const t = table(['ID', 'TIME', 'TYPE', 'STATE'], events.map((e) => [e.id, e.timestamp, e.type, stateNameOf(e)]));
          console.log(header ? t : t.split('\n').slice(1).join('\n'));
        }
      };
      let seen = 0;
      let first = true;
      for (;;) {
        const events = (await allHistory(o, arn)).filter((e) => e.id > seen);
        show(events, first);
        if (events.length) first = false;
        seen = Math.max(seen, ...events.map((e) => e.id));
        if (!o.follow) return;
        const d = await callApi<Execution>(o, 'GET', `/executions/${enc(arn)}`);
        if (d.status !== 'RUNNING' && events.length === 0) return;
        // history has no long wait of its own: a new page once a second while the execution runs
        if (d.status === 'RUNNING') await new Promise((r) => setTimeout(r, 1000));
      }
    });

  withCommon(program.command('stop').description('stop a running execution (it ends ABORTED)'))
    .argument('<executionArn>')
    .option('--error <code>', 'error code recorded with the stop')
    .option('--cause <text>', 'cause recorded with the stop')
    .action(async (arn: string, o: Common & { error?: string; cause?: string }) => {
      const r = await callApi<{ stopDate: string }>(o, 'POST', `/executions/${enc(arn)}/stop`, { ...(o.error ? { error: o.error } : {}), ...(o.cause ? { cause: o.cause } : {}) });
      print(o.json ? r : `stopped at ${r.stopDate}: ${arn}`);
    });

  withCommon(program.command('send-success').description('answer a .waitForTaskToken task with its output'))
    .argument('<taskToken>')
    .option('--output <json>', 'the task output as JSON text', '{}')
    .option('--output-file <file>', 'the task output from a JSON file')
    .action(async (token: string, o: Common & { output: string; outputFile?: string }) => {
      const output = jsonArg(o.outputFile === undefined ? o.output : undefined, o.outputFile, 'output');
      const r = await callApi(o, 'POST', '/tasks/success', { taskToken: token, output });
      print(o.json ? r : 'task answered: success');
    });

  withCommon(program.command('send-failure').description('fail a .waitForTaskToken task'))
    .argument('<taskToken>')
    .option('--error <code>', 'error code (a Catch or Retry matches on it)')
    .option('--cause <text>', 'a description of the failure')
    .action(async (token: string, o: Common & { error?: string; cause?: string }) => {
      const r = await callApi(o, 'POST', '/tasks/failure', { taskToken: token, ...(o.error ? { error: o.error } : {}), ...(o.cause ? { cause: o.cause } : {}) });
      print(o.json ? r : 'task answered: failure');
    });
}
