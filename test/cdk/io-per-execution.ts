/**
 * The I/O behind docs/deploy.md's cost table: runs state machines on the local engine (the same
 * store and worker code as on AWS, on an embedded DynamoDB) and prints, per execution, the DynamoDB
 * requests and approximate request units, and the work-queue messages. `npx tsx test/cdk/io-per-execution.ts`
 *
 * Units are estimated from item sizes (1 WRU per started KB written, 1 RRU per 4 KB read strongly
 * consistent); sizes are measured on the marshalled items, which slightly overstates them.
 */
import { startLocalEngine } from '../../lambda/local/local-engine';
import type { TaskInvoker } from '../../lambda/ports';
import { describeExecution, startExecution, stateMachineArnFor } from '../../lambda/runtime/service';

type Json = Record<string, unknown>;
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:F';
const chain = (n: number, state: (i: number) => Json): Json => ({
  StartAt: 's0',
  States: Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, { ...state(i), ...(i === n - 1 ? { End: true } : { Next: `s${i + 1}` }) }])),
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MACHINES: Record<string, Json> = {
  'exam-results': require('../../examples/exam-results/definition.json'),
  'pass x1': chain(1, () => ({ Type: 'Pass' })),
  'pass x10': chain(10, () => ({ Type: 'Pass' })),
  'task x1': chain(1, () => ({ Type: 'Task', Resource: LAMBDA })),
  'task x5': chain(5, () => ({ Type: 'Task', Resource: LAMBDA })),
};
const INPUT = JSON.stringify({ lambda: { math: 80, eng: 93 } });
const RUNS = 20;

const invoker: TaskInvoker = { invoke: async (r) => ({ ok: true, output: { ...(r.input as Json), total: 173 } }) };
const bytes = (item: unknown) => (item ? Buffer.byteLength(JSON.stringify(item)) : 0);

async function main(): Promise<void> {
  const names = Object.keys(MACHINES).map((n) => n.replace(/\W+/g, '-'));
  const engine = await startLocalEngine({
    invoker,
    timeScale: 0,
    concurrency: 1,
    stateMachines: Object.values(MACHINES).map((definition, i) => ({ name: names[i], definition: definition as never, definitionText: JSON.stringify(definition) })),
  });
  const count = { wru: 0, rru: 0, messages: 0, requests: {} as Record<string, number> };
  engine.dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const res = await next(args);
      const name = (context as { commandName: string }).commandName.replace(/Command$/, '');
      const input = args.input as Json & { Item?: Json; RequestItems?: Record<string, { PutRequest?: { Item: Json }; DeleteRequest?: { Key: Json } }[]>; ConsistentRead?: boolean };
      const output = (res.output ?? {}) as { Item?: Json; Items?: Json[] };
      count.requests[name] = (count.requests[name] ?? 0) + 1;
      if (name === 'PutItem') count.wru += Math.max(1, Math.ceil(bytes(input.Item) / 1024));
      if (name === 'DeleteItem') count.wru += 1;
      if (name === 'BatchWriteItem') {
        for (const reqs of Object.values(input.RequestItems ?? {})) for (const r of reqs) count.wru += Math.max(1, Math.ceil(bytes(r.PutRequest?.Item ?? r.DeleteRequest?.Key) / 1024));
      }
      if (name === 'GetItem') count.rru += Math.max(1, Math.ceil(bytes(output.Item) / 4096)) * (input.ConsistentRead ? 1 : 0.5);
      if (name === 'Query') count.rru += Math.max(1, Math.ceil((output.Items ?? []).reduce((n, i) => n + bytes(i), 0) / 4096));
      return res;
    },
    { step: 'initialize', name: 'stepwrightCountRequests' },
  );
  const send = engine.queue.send.bind(engine.queue);
  engine.queue.send = async (messages) => {
    count.messages += messages.length;
    return send(messages);
  };

  try {
    for (const name of names) {
      Object.assign(count, { wru: 0, rru: 0, messages: 0, requests: {} });
      const arns: string[] = [];
      for (let i = 0; i < RUNS; i++) arns.push((await startExecution(engine.deps, { stateMachineArn: stateMachineArnFor(engine.deps, name), input: INPUT })).executionArn);
      await engine.idle();
      const statuses = new Set(await Promise.all(arns.map(async (a) => (await describeExecution(engine.deps, a)).status)));
      const per = (n: number) => (n / RUNS).toFixed(1);
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
