/**
 * `npm run bench -- --only=engine`: the durable engine (local runtime: dynalite in memory, in-process
 * queue, timeScale 0) rather than the interpreter.
 *  1. HTTP throughput/latency: exam-results started over REST with a few executions in flight, each
 *     polled with GET /executions/{arn} until done.
 *  2. I/O per execution of a 10-state reference workflow (4 Lambda tasks, 6 Pass/Choice) and what it
 *     would cost on AWS at public us-east-1 on-demand prices, beside Step Functions Standard/Express.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startLocalEngine, type LocalEngine } from '../lambda/local/local-engine';
import { startHttpServer } from '../lambda/local/http-server';
import { LocalTaskInvoker } from '../lambda/local/local-invoker';
import { resolverFromTable } from '../lambda/local/tasks';
import type { TaskFunction } from '../lambda/local/runner';
import { describeExecution, getExecutionHistory, startExecution, stateMachineArnFor } from '../lambda/runtime/service';
import { median, table } from './harness';
import { instrumentEngine, type IoCounts } from './io-count';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Json = Record<string, unknown>;
const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** 10 states, all entered on the path the input takes: 4 Lambda Tasks, 4 Pass, 2 Choice. */
export const REFERENCE_WORKFLOW: Json = {
  Comment: 'bench reference: 4 Lambda tasks, 6 Pass/Choice',
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Parameters: { 'order.$': '$', status: 'new' }, Next: 'Validate' },
    Validate: { Type: 'Task', Resource: fn('Validate'), ResultPath: '$.valid', Next: 'IsValid' },
    IsValid: { Type: 'Choice', Choices: [{ Variable: '$.valid', BooleanEquals: false, Next: 'Done' }], Default: 'Enrich' },
    Enrich: { Type: 'Task', Resource: fn('Enrich'), ResultPath: '$.customer', Next: 'Shape' },
    Shape: { Type: 'Pass', Parameters: { 'order.$': '$.order', 'tier.$': '$.customer.tier' }, Next: 'Score' },
    Score: { Type: 'Task', Resource: fn('Score'), ResultPath: '$.score', Next: 'Route' },
    Route: { Type: 'Choice', Choices: [{ Variable: '$.score', NumericGreaterThan: 50, Next: 'Notify' }], Default: 'Summarize' },
    Notify: { Type: 'Task', Resource: fn('Notify'), ResultPath: '$.notified', Next: 'Summarize' },
    Summarize: { Type: 'Pass', Parameters: { 'id.$': '$.order.id', 'score.$': '$.score' }, Next: 'Done' },
    Done: { Type: 'Pass', End: true },
  },
};
export const REFERENCE_TASKS: Record<string, TaskFunction> = {
  Validate: async (o) => typeof (o as Json).order === 'object',
  Enrich: async () => ({ tier: 'gold', since: 2019 }),
  Score: async (o) => ((o as { order: { amount: number } }).order.amount % 100) + 1,
  Notify: async () => true,
};
export const REFERENCE_INPUT = { id: 'o-1', amount: 90, lines: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }] };

// Public on-demand prices, us-east-1 (no free tier).
const PRICE = {
  dynamoWru: 0.625 / 1e6, // per write request unit (after the Nov 2024 cut)
  dynamoRru: 0.125 / 1e6, // per read request unit
  sqsRequest: 0.4 / 1e6, // standard queue, per 64 KB request chunk
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  sfnStandardTransition: 0.025 / 1000,
  sfnExpressRequest: 1.0 / 1e6,
  sfnExpressGbSecond: 0.00001667,
};
const POLL_MS = Number(process.env.POLL_MS ?? 5);
const WORKER_GB = 0.5; // the worker Lambda's 512 MB
/** assumed AWS latencies, for a second worker-duration figure (the local ones are in-process) */
const AWS_MS = { dynamo: 5, sqsSend: 10, lambdaInvoke: 15 };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;

// ---------------------------------------------------------------- 1. HTTP

async function httpThroughput(opts: { inFlight: number; budgetMs: number; maxExecutions: number }): Promise<void> {
  const definitionText = readFileSync(path.join(__dirname, '../examples/exam-results/definition.json'), 'utf8');
  const engine = await startLocalEngine({
    invoker: new LocalTaskInvoker(path.join(__dirname, '../examples/tasks.js')),
    timeScale: 0,
    stateMachines: [{ name: 'exam-results', definition: JSON.parse(definitionText), definitionText }],
  });
  const http = await startHttpServer(engine.deps, 0, '127.0.0.1');
  const input = { lambda: { math: 80, eng: 93 } };
  const failures: string[] = [];
  const one = async (): Promise<number> => {
    const t = performance.now();
    const r = await fetch(`${http.url}/state-machines/exam-results/executions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
    if (r.status !== 202) throw new Error(`start: HTTP ${r.status} ${await r.text()}`);
    const { executionArn } = (await r.json()) as { executionArn: string };
    for (;;) {
      const d = (await (await fetch(`${http.url}/executions/${encodeURIComponent(executionArn)}`)).json()) as { status: string; output?: { total?: number } };
      if (d.status !== 'RUNNING') {
        if (d.status !== 'SUCCEEDED' || d.output?.total !== 173) failures.push(`${d.status} ${JSON.stringify(d.output)}`);
        return performance.now() - t;
      }
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  };
  const run = async (count: number, budgetMs: number) => {
    const lat: number[] = [];
    const t0 = performance.now();
    let started = 0;
    await Promise.all(
      Array.from({ length: opts.inFlight }, async () => {
        while (started < count && performance.now() - t0 < budgetMs) {
          started++;
          lat.push(await one());
        }
      }),
    );
    return { lat, seconds: (performance.now() - t0) / 1000 };
  };
  try {
    await run(50, 5000); // warm-up
    const { lat, seconds } = await run(opts.maxExecutions, opts.budgetMs);
    console.log(`\nengine over HTTP: exam-results (1 Task, examples/tasks.js AddTotal), local engine (dynalite in memory, in-process queue, timeScale 0), ${opts.inFlight} executions in flight, polling GET /executions/{arn} every ~${POLL_MS} ms`);
    console.log(
      table(
        ['executions', 'executions/s', 'p50 start-to-finish', 'p99 start-to-finish', 'failures'],
        [[String(lat.length), (lat.length / seconds).toFixed(0), ms(pct(lat, 50)), ms(pct(lat, 99)), String(failures.length)]],
      ),
    );
    if (failures.length) console.log(`!!! failures, e.g. ${failures[0]}`);
    console.log('latency = POST start until the poll first sees a final status (includes HTTP and the polling interval); measured on this machine, not AWS');
  } finally {
    await http.close();
    await engine.close();
  }
}

// ---------------------------------------------------------------- 2. I/O and cost

async function ioAndCost(runs: number): Promise<void> {
  const engine: LocalEngine = await startLocalEngine({
    invoker: new LocalTaskInvoker(resolverFromTable(REFERENCE_TASKS)),
    timeScale: 0,
    stateMachines: [{ name: 'reference', definition: REFERENCE_WORKFLOW as never, definitionText: JSON.stringify(REFERENCE_WORKFLOW) }],
  });
  const io = instrumentEngine(engine);
  const smArn = stateMachineArnFor(engine.deps, 'reference');
  const input = JSON.stringify(REFERENCE_INPUT);
  try {
    // warm-up, uncounted
    for (let i = 0; i < 10; i++) await startExecution(engine.deps, { stateMachineArn: smArn, input });
    await engine.idle();
    io.reset();
    // One execution at a time, so a batch holds one execution's messages and the durations are its own.
    const durations: number[] = [];
    const arns: string[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      arns.push((await startExecution(engine.deps, { stateMachineArn: smArn, input })).executionArn);
      await engine.idle();
      durations.push(performance.now() - t);
    }
    const c: IoCounts = { ...io.counts };
    const statuses = new Set(await Promise.all(arns.map(async (a) => (await describeExecution(engine.deps, a)).status)));
    const history = await getExecutionHistory(engine.deps, { executionArn: arns[0], maxResults: 1000 });
    const transitions = history.items.filter((e: { type: string }) => e.type.endsWith('StateEntered')).length;

    const per = (n: number) => n / runs;
    const sqsRequests = per(c.sqsSendRequests) + 2 * per(c.workerBatches); // + ReceiveMessage and DeleteMessageBatch per batch (assumed)
    const workerSecondsMeasured = per(c.workerMs) / 1000;
    const workerSecondsAws = (per(c.reads + c.writes) * AWS_MS.dynamo + per(c.sends) * AWS_MS.sqsSend + per(c.taskInvocations) * AWS_MS.lambdaInvoke) / 1000 + workerSecondsMeasured;
    const k = 1000; // per 1,000 executions
    const dynamo = k * (per(c.wru) * PRICE.dynamoWru + per(c.rru) * PRICE.dynamoRru);
    const sqs = k * sqsRequests * PRICE.sqsRequest;
    const workerReq = k * per(c.workerBatches) * PRICE.lambdaRequest;
    const workerGbsMeasured = k * workerSecondsMeasured * WORKER_GB * PRICE.lambdaGbSecondArm;
    const workerGbsAws = k * workerSecondsAws * WORKER_GB * PRICE.lambdaGbSecondArm;
    const tasksReq = k * per(c.taskInvocations) * PRICE.lambdaRequest;
    const stepwrightMeasured = dynamo + sqs + workerReq + workerGbsMeasured;
    const stepwrightAws = dynamo + sqs + workerReq + workerGbsAws;
    const standard = k * transitions * PRICE.sfnStandardTransition;
    const durMedian = median(durations);
    const expressBilledS = Math.ceil(durMedian / 100) / 10; // rounded up to the next 100 ms
    const express = k * (PRICE.sfnExpressRequest + expressBilledS * (64 / 1024) * PRICE.sfnExpressGbSecond);

    const requests = Object.entries(c.requests).map(([n, v]) => `${n} ${per(v) < 1 ? per(v).toFixed(2) : per(v).toFixed(1)}`).join(', ');
    console.log(`\nengine I/O per execution: reference workflow (10 states: 4 Lambda Tasks, 6 Pass/Choice; ${transitions} states entered), ${runs} executions one at a time, status ${[...statuses].join('/')} (measured on the local engine, same store/worker code as on AWS)`);
    console.log(
      table(
        ['measured per execution', 'value'],
        [
          ['DynamoDB requests (reads / writes)', `${per(c.reads + c.writes).toFixed(1)} (${per(c.reads).toFixed(1)} / ${per(c.writes).toFixed(1)}): ${requests}${c.failed ? `; ${per(c.failed).toFixed(2)} failed` : ''}`],
          ['DynamoDB WRU / RRU (dynalite ConsumedCapacity, AWS per-request minimum)', `${per(c.wru).toFixed(1)} / ${per(c.rru).toFixed(1)}`],
          ['  same, estimated from item sizes', `${per(c.wruEstimate).toFixed(1)} / ${per(c.rruEstimate).toFixed(1)}`],
          ['queue send() calls / messages', `${per(c.sends).toFixed(1)} / ${per(c.messages).toFixed(1)}`],
          ['worker invocations (queue batches) / wall time', `${per(c.workerBatches).toFixed(1)} / ${ms(per(c.workerMs))}`],
          ['task (Lambda) invocations / wall time', `${per(c.taskInvocations).toFixed(1)} / ${ms(per(c.taskMs))}`],
          ['start-to-finish (median)', ms(durMedian)],
        ],
      ),
    );
    const ratio = (x: number) => `${(x / standard).toFixed(3)}x${x / standard <= 0.1 ? ' ok' : ' ABOVE 0.1'}`;
    console.log(`\ncost per 1,000 executions, us-east-1 on-demand list prices, no free tier:`);
    console.log(
      table(
        ['item', 'basis', 'per 1,000 exec', 'vs Standard (target <= 0.1x)'],
        [
          ['DynamoDB on-demand', `${per(c.wru).toFixed(1)} WRU x $0.625/M + ${per(c.rru).toFixed(1)} RRU x $0.125/M (measured)`, usd(dynamo), ''],
          ['SQS standard', `${per(c.sqsSendRequests).toFixed(1)} SendMessageBatch (measured) + 2 x ${per(c.workerBatches).toFixed(1)} receive/delete per batch (assumed) x $0.40/M`, usd(sqs), ''],
          ['worker Lambda requests', `${per(c.workerBatches).toFixed(1)} x $0.20/M (batches measured locally; on SQS batching may differ)`, usd(workerReq), ''],
          ['worker Lambda GB-s, local duration', `${ms(per(c.workerMs))} x 0.5 GB x $0.0000133334 arm64 (measured, in-process dynalite)`, usd(workerGbsMeasured), ''],
          ['worker Lambda GB-s, AWS latency', `${ms(workerSecondsAws * 1000)} = local + assumed ${AWS_MS.dynamo} ms/DynamoDB req, ${AWS_MS.sqsSend} ms/send, ${AWS_MS.lambdaInvoke} ms/task invoke overhead`, usd(workerGbsAws), ''],
          ['Stepwright total, local duration', 'DynamoDB + SQS + worker (measured counts)', usd(stepwrightMeasured), ratio(stepwrightMeasured)],
          ['Stepwright total, AWS-latency duration', 'same, worker GB-s with assumed AWS latencies', usd(stepwrightAws), ratio(stepwrightAws)],
          ['Step Functions Standard', `${transitions} transitions x $0.025/1,000`, usd(standard), '1x'],
          ['Step Functions Express', `$1.00/M requests + ${expressBilledS.toFixed(1)} s (measured local median ${ms(durMedian)}, rounded up to 100 ms) x 64 MB x $0.00001667/GB-s (assumed)`, usd(express), `${(express / standard).toFixed(3)}x`],
          ['task Lambdas (all engines alike)', `${per(c.taskInvocations).toFixed(1)} requests x $0.20/M + their own duration; not in the totals`, usd(tasksReq), ''],
        ],
      ),
    );
    console.log('not in the totals: starting executions (API Gateway/API Lambda or a trigger), storage ($0.25/GB-month, items expire by TTL), the SQS event source\'s idle long polls (a fixed cost, not per execution), data transfer, CloudWatch logs.');
  } finally {
    await engine.close();
  }
}

export async function runEngineBench(opts: { httpBudgetMs?: number; ioRuns?: number } = {}): Promise<void> {
  await httpThroughput({ inFlight: Number(process.env.IN_FLIGHT ?? 4), budgetMs: opts.httpBudgetMs ?? 10_000, maxExecutions: 5000 });
  await ioAndCost(opts.ioRuns ?? 50);
}
