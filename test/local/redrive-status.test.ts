/**
 * DescribeExecution's redrive fields as the API reference describes them (DescribeExecution:
 * redriveCount, redriveDate, redriveStatus, redriveStatusReason), through @aws-sdk/client-sfn (JSON
 * protocol) and the REST route, against the local server: embedded DynamoDB, queue, worker, HTTP.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionNotRedrivable,
  ListExecutionsCommand,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { deferred, FN, ROLE, startTestServer, until } from '../runtime/harness';

let server: Awaited<ReturnType<typeof startTestServer>>;
let sfn: SFNClient;
/** Flaky fails until a test lets it succeed: the failed execution can then be redriven to success */
let flakyFails = true;
/** holds the Hold task (and so its execution RUNNING) until a test lets it go */
const gate = deferred();

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      Flaky: (input) => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
        if (flakyFails) throw { error: 'Flaky.NotYet', cause: 'try again later' };
        return input;
      },
      Hold: async () => {
        await gate.promise;
        return {};
      },
      Odd: (n) => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- as above
        if ((n as number) % 2 === 1) throw { error: 'Odd.Item', cause: 'odd' };
        return n;
      },
    },
  });
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  gate.resolve();
  sfn?.destroy();
  await server?.close();
});

async function create(name: string, definition: unknown): Promise<string> {
  return (await sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;
}

async function start(stateMachineArn: string, name: string, input: unknown = {}): Promise<string> {
  return (await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }))).executionArn!;
}

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(`${executionArn} to finish`, async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}

async function rest(executionArn: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/executions/${encodeURIComponent(executionArn)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const oneTask = (fn: string) => ({
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: FN(fn), Next: 'When' },
    When: { Type: 'Pass', Parameters: { 'count.$': '$$.Execution.RedriveCount', 'time.$': '$$.Execution.RedriveTime' }, End: true },
  },
});

describe('DescribeExecution redrive fields', () => {
  let failedArn: string;

  beforeAll(async () => {
    const sm = await create('flaky', oneTask('Flaky'));
    failedArn = await start(sm, 'first');
    expect((await finished(failedArn)).status).toBe('FAILED');
  });

  test('a FAILED execution: REDRIVABLE, redriveCount 0, no redriveDate and no reason (SDK and REST)', async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: failedArn }));
    expect(d.redriveStatus).toBe('REDRIVABLE');
    expect(d.redriveCount).toBe(0);
    expect(d.redriveDate).toBeUndefined();
    expect(d.redriveStatusReason).toBeUndefined();
    const r = await rest(failedArn);
    expect(r).toMatchObject({ redriveStatus: 'REDRIVABLE', redriveCount: 0 });
    expect(r).not.toHaveProperty('redriveDate');
    expect(r).not.toHaveProperty('redriveStatusReason');
  });

  test('a RUNNING execution: NOT_REDRIVABLE with AWS reason, and RedriveExecution refuses it', async () => {
    const sm = await create('holding', { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN('Hold'), End: true } } });
    const arn = await start(sm, 'held');
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(d.status).toBe('RUNNING');
    expect(d).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven.', redriveCount: 0 });
    expect(await rest(arn)).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven.' });
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn: arn }))).rejects.toBeInstanceOf(ExecutionNotRedrivable);
    gate.resolve();
    expect((await finished(arn)).status).toBe('SUCCEEDED');
  });

  test('redriven to success: NOT_REDRIVABLE "Execution is SUCCEEDED ...", redriveCount 1, redriveDate as RedriveExecution answered and $$.Execution.RedriveTime', async () => {
    flakyFails = false;
    const redrive = await sfn.send(new RedriveExecutionCommand({ executionArn: failedArn }));
    const d = await finished(failedArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(d).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.', redriveCount: 1 });
    expect(d.redriveDate).toBeInstanceOf(Date);
    expect(d.redriveDate!.getTime()).toBeGreaterThanOrEqual(d.startDate!.getTime());
    expect(d.redriveDate!.getTime()).toBeLessThanOrEqual(redrive.redriveDate!.getTime());
    const output = JSON.parse(d.output!) as { count: number; time: string };
    expect(output.count).toBe(1);
    expect(Date.parse(output.time)).toBe(d.redriveDate!.getTime());
    const r = await rest(failedArn);
    expect(r).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveCount: 1, redriveDate: output.time });
  });

  test('a failed child execution of a Map Run: REDRIVABLE_BY_MAP_RUN; a succeeded child: NOT_REDRIVABLE', async () => {
    const sm = await create('odds', {
      StartAt: 'Items',
      States: {
        Items: {
          Type: 'Map',
          ToleratedFailurePercentage: 100,
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN('Odd'), End: true } } },
          End: true,
        },
      },
    });
    const parent = await start(sm, 'two', [0, 1]);
    expect((await finished(parent)).status).toBe('SUCCEEDED');
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn: parent }));
    const mapRunArn = runs.mapRuns![0].mapRunArn!;
    const children = await until('both children to end', async () => {
      const page = await sfn.send(new ListExecutionsCommand({ mapRunArn }));
      const list = page.executions ?? [];
      return list.length === 2 && list.every((e) => e.status !== 'RUNNING') ? list : undefined;
    });
    const failed = children.find((e) => e.status === 'FAILED')!;
    const succeeded = children.find((e) => e.status === 'SUCCEEDED')!;
    const f = await sfn.send(new DescribeExecutionCommand({ executionArn: failed.executionArn }));
    expect(f).toMatchObject({ redriveStatus: 'REDRIVABLE_BY_MAP_RUN', redriveCount: 0, mapRunArn });
    expect(f.redriveStatusReason).toBeUndefined();
    const s = await sfn.send(new DescribeExecutionCommand({ executionArn: succeeded.executionArn }));
    expect(s).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.' });
  });
});
