/**
 * `stepwright graph <definition>`: the console's graph of a definition as SVG (laid out by elkjs),
 * Mermaid or DOT, for docs and pull requests; `--execution <arn>` colours it by how that execution
 * went (read from the server at --endpoint).
 */
import { Option, type Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildGraph, layoutGraph } from '../../lambda/local/console-graph';
import { renderDot, renderMermaid, renderSvg } from '../../lambda/local/console-graph-render';
import { stateRuns, type StateRun } from '../../lambda/local/console-history';
import { callApi, CliError, DEFAULT_ENDPOINT, enc, type ApiTarget } from './api-client';

interface GraphOptions extends ApiTarget {
  format: 'svg' | 'mermaid' | 'dot';
  execution?: string;
  out?: string;
}

type Event = { id: number; type: string; timestamp: string; [k: string]: unknown };

async function runsOf(target: ApiTarget, executionArn: string): Promise<Map<string, StateRun>> {
  const events: Event[] = [];
  let token: string | undefined;
  do {
    const page = await callApi<{ events: Event[]; nextToken?: string }>(target, 'GET', `/executions/${enc(executionArn)}/history?maxResults=1000${token ? `&nextToken=${enc(token)}` : ''}`);
    events.push(...page.events);
    token = page.nextToken;
  } while (token);
  return stateRuns(events);
}

/** The text of the graph in the format asked. */
export async function graphText(definition: unknown, format: GraphOptions['format'], runs?: Map<string, StateRun>): Promise<string> {
  const graph = buildGraph(definition);
  if (format === 'mermaid') return renderMermaid(graph, runs);
  if (format === 'dot') return renderDot(graph, runs);
  return renderSvg(await layoutGraph(graph), { runs }) + '\n';
}

export function registerGraphCommand(program: Command): void {
  program
    .command('graph')
    .description("draw a state machine's graph (the console's), optionally coloured by an execution")
    .argument('<definition>', 'ASL definition (JSON file)')
    .addOption(new Option('--format <format>', 'output format').choices(['svg', 'mermaid', 'dot']).default('svg'))
    .option('--execution <arn>', "colour the states by this execution's history (succeeded, failed, caught, running, not reached)")
    .option('--endpoint <url>', 'the Stepwright API that ran the execution', DEFAULT_ENDPOINT)
    .option('--region <region>', "the deployed API's region (default: from its execute-api host name)")
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (file: string, o: GraphOptions) => {
      let definition: unknown;
      try {
        definition = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new CliError(`cannot read the definition ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const runs = o.execution ? await runsOf(o, o.execution) : undefined;
      const text = await graphText(definition, o.format, runs);
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
