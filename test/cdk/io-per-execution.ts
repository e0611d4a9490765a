/**
 * The I/O behind docs/deploy.md's cost table: runs state machines on the local engine (the same
 * store and worker code as on AWS, on an embedded DynamoDB) and prints, per execution, the DynamoDB
 * requests and approximate request units, and the work-queue messages. `npx tsx test/cdk/io-per-execution.ts`
 *
 * Counting is bench/io-count.ts's (also behind `npm run bench -- --only=engine`): units are dynalite's
 * ConsumedCapacity floored at AWS's per-request minimum; see there for the size-based estimate.
 */
import { startLocalEngine } from '../../lambda/local/local-engine';
import { instrumentEngine } from '../../bench/io-count';
import type { TaskInvoker } from '../../lambda/ports';
import { describeExecution, startExecution, stateMachineArnFor } from '../../lambda/runtime/service';
import examResults from '../../examples/exam-results/definition.json';

type Json = Record<string, unknown>;
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:F';
const chain = (n: number, state: (i: number) => Json): Json => ({
  StartAt: 's0',
  States: Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, { ...state(i), ...(i === n - 1 ? { End: true } : { Next: `s${i + 1}` }) }])),
});
const MACHINES: Record<string, Json> = {
  'exam-results': examResults,
  'pass x1': chain(1, () => ({ Type: 'Pass' })),
  'pass x10': chain(10, () => ({ Type: 'Pass' })),
  'task x1': chain(1, () => ({ Type: 'Task', Resource: LAMBDA })),
  'task x5': chain(5, () => ({ Type: 'Task', Resource: LAMBDA })),
};
const INPUT = JSON.stringify({ lambda: { math: 80, eng: 93 } });
const RUNS = 20;

const invoker: TaskInvoker = { invoke: async (r) => ({ ok: true, output: { ...(r.input as Json), total: 173 } }) };

async function main(): Promise<void> {
  const names = Object.keys(MACHINES).map((n) => n.replace(/\W+/g, '-'));
  const engine = await startLocalEngine({
    invoker,
    timeScale: 0,
    concurrency: 1,
    stateMachines: Object.values(MACHINES).map((definition, i) => ({ name: names[i], definition: definition as never, definitionText: JSON.stringify(definition) })),
  });
  const io = instrumentEngine(engine);

  try {
    for (const name of names) {
      io.reset();
      const arns: string[] = [];
      for (let i = 0; i < RUNS; i++) arns.push((await startExecution(engine.deps, { stateMachineArn: stateMachineArnFor(engine.deps, name), input: INPUT })).executionArn);
      await engine.idle();
      const statuses = new Set(await Promise.all(arns.map(async (a) => (await describeExecution(engine.deps, a)).status)));
      const per = (n: number) => (n / RUNS).toFixed(1);
      const count = io.counts;
      const requests = Object.entries(count.requests).map(([k, v]) => `${k} ${per(v)}`).join(', ');
      console.log(`${name.padEnd(14)} ${[...statuses].join('/').padEnd(10)} WRU ${per(count.wru).padStart(5)}  RRU ${per(count.rru).padStart(5)}  messages ${per(count.messages)}  (${requests})`);
    }
  } finally {
    await engine.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
