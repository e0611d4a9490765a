/**
 * `npm run bench -- --only=engine`: the durable engine (local runtime: dynalite in memory, in-process
 * queue, timeScale 0) rather than the interpreter.
 *  1. Under load (bench/engine-load.ts): the 10-state reference workflow at 20 and 100 executions in
 *     flight over HTTP, engine and load generator in separate processes, p50/p99, load average.
 *  2. I/O and cost (bench/engine-cost.ts): per reference execution and per spread Map item, DynamoDB
 *     units from the cost model over every recorded request, and the cost beside Step Functions.
 * Every figure is the median of several runs with its spread. Env: ENGINE_RUNS, ENGINE_BUDGET_MS.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { engineLoadBench } from './engine-load';
import { engineCostBench } from './engine-cost';

export { REFERENCE_INPUT, REFERENCE_TASKS, REFERENCE_WORKFLOW } from './reference-workflow';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function runEngineBench(opts: { runs?: number; budgetMs?: number } = {}): Promise<void> {
  const runs = opts.runs ?? Number(process.env.ENGINE_RUNS ?? 3);
  const cpu = cpus();
  console.log(`\nmachine: ${cpu.length} x ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}/${process.arch}; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await engineLoadBench({ inFlight: [20, 100], runs, budgetMs: opts.budgetMs ?? Number(process.env.ENGINE_BUDGET_MS ?? 5000) });
  await engineCostBench({ executions: 20, rounds: runs, mapItems: 50 });
}
