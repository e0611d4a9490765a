/**
 * The engine side of the throughput bench, in a process of its own (bench/engine-load.ts spawns it and
 * is the load generator): the local engine (dynalite in memory, in-process queue, timeScale 0) with the
 * reference workflow, behind the HTTP server of `stepwright serve`. Prints its URL as
 * one JSON line on stdout, then serves until stdin closes.
 */
import { startLocalEngine } from '../lambda/local/local-engine';
import { startHttpServer } from '../lambda/local/http-server';
import { LocalTaskInvoker } from '../lambda/local/local-invoker';
import { resolverFromTable } from '../lambda/local/tasks';
import { REFERENCE_TASKS, REFERENCE_WORKFLOW } from './reference-workflow';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const engine = await startLocalEngine({
    invoker: new LocalTaskInvoker(resolverFromTable(REFERENCE_TASKS)),
    timeScale: 0,
    stateMachines: [{ name: 'reference', definition: REFERENCE_WORKFLOW as never, definitionText: JSON.stringify(REFERENCE_WORKFLOW) }],
  });
  const http = await startHttpServer(engine.deps, 0, '127.0.0.1');
  process.stdout.write(JSON.stringify({ url: http.url }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void http.close().then(() => engine.close()).then(() => process.exit(0));
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
