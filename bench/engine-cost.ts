/**
 * I/O and cost per execution of the durable engine, measured on the local engine (the same store and
 * worker code as on AWS): the reference workflow one execution at a time, and a one-Task spread Map
 * per item. DynamoDB units come from the cost model (bench/dynamo-units.ts) over every recorded request,
 * index writes included, not from the embedded store's ConsumedCapacity (shown beside it). Several
 * rounds; each figure is the median with its spread.
 */
import { LocalTaskInvoker } from '../lambda/local/local-invoker';
import { resolverFromTable } from '../lambda/local/tasks';
import { startLocalEngine, type LocalEngine } from '../lambda/local/local-engine';
import { createStateMachine, describeExecution, getExecutionHistory, startExecution, stateMachineArnFor } from '../lambda/runtime/service';
import { startSyncExecution } from '../lambda/runtime/express-api';
import { median, table } from './harness';
import { instrumentEngine, modelUnits, type IoCounts } from './io-count';
import { withSpread } from './engine-load';
import { REFERENCE_INPUT, REFERENCE_TASKS, REFERENCE_WORKFLOW, SPREAD_MAP, SPREAD_TASKS } from './reference-workflow';

// Public on-demand prices, us-east-1 (no free tier).
export const PRICE = {
  dynamoWru: 0.625 / 1e6, // per write request unit (after the Nov 2024 cut)
  dynamoRru: 0.125 / 1e6, // per read request unit
  sqsRequest: 0.4 / 1e6, // standard queue, per 64 KB request chunk
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  httpApiRequest: 1.0 / 1e6, // API Gateway HTTP API, first 300 M
  sfnStandardTransition: 0.025 / 1000,
  sfnExpressRequest: 1.0 / 1e6,
  sfnExpressGbSecond: 0.00001667,
};
const WORKER_GB = 0.5; // the worker Lambda's 512 MB
/** assumed AWS latencies, for the worker-duration figure (the local ones are in-process) */
export const AWS_MS = { dynamo: 5, sqsSend: 10, lambdaInvoke: 15, apiLambda: 20 };

/** Per-execution figures of one round. */
export interface Round {
  requests: number;
  reads: number;
  writes: number;
  byOp: Record<string, number>;
  tableWru: number;
  indexWru: number;
  indexWruWorst: number;
  rru: number;
  dynaliteWru: number;
  dynaliteRru: number;
  messages: number;
  sqsRequests: number;
  workerBatches: number;
  workerMs: number;
  taskInvocations: number;
  durationMs: number;
}

function roundOf(c: IoCounts, per: number, durationMs: number): Round {
  const u = modelUnits(c);
  const d = (n: number) => n / per;
  return {
    requests: d(c.reads + c.writes),
    reads: d(c.reads),
    writes: d(c.writes),
    byOp: Object.fromEntries(Object.entries(c.requests).map(([k, v]) => [k, d(v)])),
    tableWru: d(u.tableWru),
    indexWru: d(u.indexWru),
    indexWruWorst: d(u.indexWruWorst),
    rru: d(u.rru),
    dynaliteWru: d(c.wru),
    dynaliteRru: d(c.rru),
    messages: d(c.messages),
    // + ReceiveMessage and DeleteMessageBatch per batch (the event source's; assumed one each)
    sqsRequests: d(c.sqsSendRequests + 2 * c.workerBatches),
    workerBatches: d(c.workerBatches),
    workerMs: d(c.workerMs),
    taskInvocations: d(c.taskInvocations),
    durationMs,
  };
}

/** The dollar figures of a round, per 1,000 executions. */
export function costOf(r: Round) {
  const k = 1000;
  const dynamo = k * ((r.tableWru + r.indexWru) * PRICE.dynamoWru + r.rru * PRICE.dynamoRru);
  const sqs = k * r.sqsRequests * PRICE.sqsRequest;
  const workerReq = k * r.workerBatches * PRICE.lambdaRequest;
  const workerMsAws = r.workerMs + r.requests * AWS_MS.dynamo + r.messages * AWS_MS.sqsSend + r.taskInvocations * AWS_MS.lambdaInvoke;
  const workerGbs = k * (workerMsAws / 1000) * WORKER_GB * PRICE.lambdaGbSecondArm;
  // the start: one HTTP API request and an API Lambda invocation (~20 ms at 0.5 GB)
  const start = k * (PRICE.httpApiRequest + PRICE.lambdaRequest + (AWS_MS.apiLambda / 1000) * WORKER_GB * PRICE.lambdaGbSecondArm);
  return { dynamo, sqs, workerReq, workerGbs, workerMsAws, start, total: dynamo + sqs + workerReq + workerGbs, allIn: dynamo + sqs + workerReq + workerGbs + start };
}

type Io = ReturnType<typeof instrumentEngine>;

async function measure(engine: LocalEngine, io: Io, name: string, input: string, executions: number, rounds: number, perExecution: number): Promise<{ rounds: Round[]; arn: string }> {
  const smArn = stateMachineArnFor(engine.deps, name);
  {
    for (let i = 0; i < 3; i++) await startExecution(engine.deps, { stateMachineArn: smArn, input }); // warm-up, uncounted
    await engine.idle();
    const out: Round[] = [];
    let arn = '';
    for (let r = 0; r < rounds; r++) {
      io.reset();
      const durations: number[] = [];
      for (let i = 0; i < executions; i++) {
        const t = performance.now();
        arn = (await startExecution(engine.deps, { stateMachineArn: smArn, input })).executionArn;
        await engine.idle();
        durations.push(performance.now() - t);
      }
      out.push(roundOf(io.counts, executions * perExecution, median(durations)));
    }
    const status = (await describeExecution(engine.deps, arn)).status;
    if (status !== 'SUCCEEDED') throw new Error(`bench ${name}: execution ${status}`);
    return { rounds: out, arn };
  }
}

/** EXPRESS through StartSyncExecution: the API Lambda runs it all; `durationMs` is the call's. */
async function measureExpress(engine: LocalEngine, io: Io, executions: number, rounds: number): Promise<Round[]> {
  const { stateMachineArn } = await createStateMachine(engine.deps, { name: 'reference-express', definition: JSON.stringify(REFERENCE_WORKFLOW), type: 'EXPRESS' });
  const input = JSON.stringify(REFERENCE_INPUT);
  for (let i = 0; i < 3; i++) await startSyncExecution(engine.deps, { stateMachineArn, input }); // warm-up
  const out: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    io.reset();
    const durations: number[] = [];
    for (let i = 0; i < executions; i++) {
      const t = performance.now();
      const res = await startSyncExecution(engine.deps, { stateMachineArn, input });
      durations.push(performance.now() - t);
      if (res.status !== 'SUCCEEDED') throw new Error(`bench reference-express: ${res.status} ${res.error ?? ''}`);
    }
    out.push(roundOf(io.counts, executions, median(durations)));
  }
  return out;
}

/** Stepwright EXPRESS per 1,000: the API Lambda's request and GB-s (run time + assumed AWS latencies) and DynamoDB. */
function expressCostOf(r: Round) {
  const k = 1000;
  const dynamo = k * ((r.tableWru + r.indexWru) * PRICE.dynamoWru + r.rru * PRICE.dynamoRru);
  const lambdaMs = r.durationMs + r.requests * AWS_MS.dynamo + r.taskInvocations * AWS_MS.lambdaInvoke;
  const lambda = k * (PRICE.lambdaRequest + (lambdaMs / 1000) * WORKER_GB * PRICE.lambdaGbSecondArm);
  return { dynamo, lambda, lambdaMs, total: dynamo + lambda, allIn: dynamo + lambda + k * PRICE.httpApiRequest };
}

const med = (rs: Round[], f: (r: Round) => number) => median(rs.map(f));
const fig = (rs: Round[], f: (r: Round) => number, digits = 1) => withSpread(rs.map(f), (x) => x.toFixed(digits));
const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;

export async function engineCostBench(opts: { executions: number; rounds: number; mapItems: number }): Promise<void> {
  const engine = await startLocalEngine({
    invoker: new LocalTaskInvoker(resolverFromTable({ ...REFERENCE_TASKS, ...SPREAD_TASKS })),
    timeScale: 0,
    stateMachines: [
      { name: 'reference', definition: REFERENCE_WORKFLOW as never, definitionText: JSON.stringify(REFERENCE_WORKFLOW) },
      { name: 'spread-map', definition: SPREAD_MAP as never, definitionText: JSON.stringify(SPREAD_MAP) },
    ],
  });
  const io = instrumentEngine(engine, { record: true });
  try {
    const ref = await measure(engine, io, 'reference', JSON.stringify(REFERENCE_INPUT), opts.executions, opts.rounds, 1);
    const history = await getExecutionHistory(engine.deps, { executionArn: ref.arn, maxResults: 1000 });
    const transitions = history.items.filter((e: { type: string }) => e.type.endsWith('StateEntered')).length;
    const mapInput = JSON.stringify({ items: Array.from({ length: opts.mapItems }, (_, i) => i) });
    const map = await measure(engine, io, 'spread-map', mapInput, 1, opts.rounds, opts.mapItems);
    const rs = ref.rounds;
    const ex = await measureExpress(engine, io, opts.executions, opts.rounds);

    const ops = Object.keys(rs[0].byOp).map((k) => `${k} ${med(rs, (r) => r.byOp[k] ?? 0).toFixed(1)}`).join(', ');
    console.log(`\nengine I/O per execution: reference workflow (10 states: 4 Lambda Tasks, 6 Pass/Choice; ${transitions} states entered), ${opts.rounds} rounds of ${opts.executions} executions one at a time; median ±spread of the rounds`);
    console.log(
      table(
        ['per execution (reference workflow)', 'value'],
        [
          ['DynamoDB requests (reads / writes)', `${fig(rs, (r) => r.requests)} (${med(rs, (r) => r.reads).toFixed(1)} / ${med(rs, (r) => r.writes).toFixed(1)}): ${ops}`],
          ['WRU, cost model: table', fig(rs, (r) => r.tableWru)],
          ['WRU, cost model: global secondary indexes (AWS rules / every write that carries the keys)', `${fig(rs, (r) => r.indexWru)} / ${fig(rs, (r) => r.indexWruWorst)}`],
          ['RRU, cost model', fig(rs, (r) => r.rru)],
          ['  beside it: dynalite ConsumedCapacity WRU / RRU (no index writes)', `${fig(rs, (r) => r.dynaliteWru)} / ${fig(rs, (r) => r.dynaliteRru)}`],
          ['queue messages / SQS requests', `${fig(rs, (r) => r.messages)} / ${fig(rs, (r) => r.sqsRequests)}`],
          ['worker invocations / wall time (local)', `${fig(rs, (r) => r.workerBatches)} / ${fig(rs, (r) => r.workerMs)} ms`],
          ['start-to-finish (local)', `${fig(rs, (r) => r.durationMs)} ms`],
        ],
      ),
    );
    const m = map.rounds;
    console.log(`\nspread Map item (Pass -> Task, run as a child execution), ${opts.mapItems} items, ${opts.rounds} rounds; parent's share included:`);
    console.log(
      table(
        ['per Map item', 'value'],
        [
          ['DynamoDB requests', fig(m, (r) => r.requests)],
          ['WRU, cost model: table + indexes', `${fig(m, (r) => r.tableWru + r.indexWru)} (target <= 8${med(m, (r) => r.tableWru + r.indexWru) <= 8 ? ' ok' : ' ABOVE'})`],
          ['RRU, cost model', fig(m, (r) => r.rru)],
          ['queue messages', fig(m, (r) => r.messages)],
        ],
      ),
    );

    const costs = rs.map(costOf);
    const c = (f: (x: ReturnType<typeof costOf>) => number) => median(costs.map(f));
    const r0 = { ...rs[0], tableWru: med(rs, (r) => r.tableWru), indexWru: med(rs, (r) => r.indexWru), rru: med(rs, (r) => r.rru) };
    const standard = 1000 * transitions * PRICE.sfnStandardTransition;
    // measured the same way as Stepwright EXPRESS: the same run (local run time + the same assumed AWS latencies)
    const durMedian = med(ex, (r) => expressCostOf(r).lambdaMs);
    const expressBilledS = Math.max(1, Math.ceil(durMedian / 100)) / 10; // rounded up to the next 100 ms
    const express = 1000 * (PRICE.sfnExpressRequest + expressBilledS * (64 / 1024) * PRICE.sfnExpressGbSecond);
    const vs = (x: number) => `${(x / standard).toFixed(3)}x`;
    const mark = (x: number) => `${vs(x)}${x / standard <= 0.1 ? ' ok' : ' ABOVE 0.1x'}`;
    console.log('\ncost per 1,000 executions of the reference workflow, us-east-1 on-demand list prices, no free tier:');
    console.log(
      table(
        ['item', 'basis', 'per 1,000 exec', 'vs Standard'],
        [
          ['DynamoDB on-demand', `(${r0.tableWru.toFixed(1)} table + ${r0.indexWru.toFixed(1)} index) WRU x $0.625/M + ${r0.rru.toFixed(1)} RRU x $0.125/M (cost model)`, usd(c((x) => x.dynamo)), ''],
          ['SQS standard', `${med(rs, (r) => r.sqsRequests).toFixed(1)} requests x $0.40/M (sends measured, receive + delete per batch assumed)`, usd(c((x) => x.sqs)), ''],
          ['worker Lambda requests', `${med(rs, (r) => r.workerBatches).toFixed(1)} x $0.20/M`, usd(c((x) => x.workerReq)), ''],
          ['worker Lambda GB-s', `${c((x) => x.workerMsAws).toFixed(0)} ms = local + ${AWS_MS.dynamo} ms/DynamoDB req, ${AWS_MS.sqsSend} ms/message, ${AWS_MS.lambdaInvoke} ms/task invoke (assumed) x 0.5 GB arm64`, usd(c((x) => x.workerGbs)), ''],
          ['start over the API', `HTTP API $1.00/M + API Lambda $0.20/M + ${AWS_MS.apiLambda} ms x 0.5 GB (assumed)`, usd(c((x) => x.start)), ''],
          ['Step Functions Standard', `${transitions} transitions x $0.025/1,000`, usd(standard), '1x'],
          ['Step Functions Express', `$1.00/M + ${expressBilledS.toFixed(1)} s (the EXPRESS run below, ${durMedian.toFixed(0)} ms, rounded up to 100 ms) x 64 MB x $0.00001667/GB-s`, usd(express), vs(express)],
          ['Stepwright Standard', 'DynamoDB + SQS + worker', withSpread(costs.map((x) => x.total), usd), mark(c((x) => x.total))],
          ['Stepwright Standard, all in', 'same + the start over the API', withSpread(costs.map((x) => x.allIn), usd), mark(c((x) => x.allIn))],
          ['Stepwright EXPRESS (StartSyncExecution)', `API Lambda: $0.20/M + ${med(ex, (r) => expressCostOf(r).lambdaMs).toFixed(0)} ms (local run ${med(ex, (r) => r.durationMs).toFixed(1)} ms + assumed AWS latencies) x 0.5 GB; DynamoDB ${med(ex, (r) => r.tableWru + r.indexWru).toFixed(1)} WRU + ${med(ex, (r) => r.rru).toFixed(1)} RRU (${med(ex, (r) => r.requests).toFixed(1)} requests)`, withSpread(ex.map((x) => expressCostOf(x).total), usd), `${vs(median(ex.map((x) => expressCostOf(x).total)))}, ${(median(ex.map((x) => expressCostOf(x).total)) / express).toFixed(2)}x Express (target <= 2x)`],
          ['Stepwright EXPRESS, all in', 'same + an HTTP API request in front (Step Functions Express behind an API pays one too)', withSpread(ex.map((x) => expressCostOf(x).allIn), usd), `${((median(ex.map((x) => expressCostOf(x).allIn))) / (express + 1000 * PRICE.httpApiRequest)).toFixed(2)}x Express + API`],
        ],
      ),
    );
    console.log('not in the totals: the task Lambdas (alike for every engine), storage ($0.25/GB-month; items expire by TTL), the SQS event source\'s idle long polls, data transfer, CloudWatch logs.');
  } finally {
    io.close();
    await engine.close();
  }
}
