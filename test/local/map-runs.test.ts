/**
 * The Map Run API over spread Maps (each item a child execution of its own), through
 * @aws-sdk/client-sfn against the local server, plus the REST routes: ListMapRuns, DescribeMapRun,
 * ListExecutions by mapRunArn, DescribeExecution and GetExecutionHistory of a child, and the errors.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidToken,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  ListMapRunsCommand,
  ResourceNotFound,
  SFNClient,
  StartExecutionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { deferred, FN, ROLE, startTestServer, until } from '../runtime/harness';

let server: Awaited<ReturnType<typeof startTestServer>>;
let sfn: SFNClient;
/** holds the Slow task until a test lets it go */
let gate = deferred();

beforeAll(async () => {
  server = await startTestServer({
    tasks: {
      // item 7 fails: with ToleratedFailureCount 1 the Map still succeeds, and the counts tell them apart
      Square: (n) => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task stand-in fails its task by throwing {error, cause}, the local task module contract (README)
        if (n === 7) throw { error: 'Square.Seven', cause: 'seven is not squared here' };
        return (n as number) * (n as number);
      },
      Slow: async (n) => {
        await gate.promise;
        return n;
      },
      Echo: (v) => v,
    },
  });
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  sfn?.destroy();
  await server?.close();
});

/** A Map of Tasks (so it is spread) over $.items. */
function mapMachine(task: string, settings: Record<string, unknown> = {}) {
  return JSON.stringify({
    StartAt: 'Items',
    States: {
      Items: {
        Type: 'Map',
        ItemsPath: '$.items',
        ...settings,
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FN(task), End: true } } },
        End: true,
      },
    },
  });
}

async function create(name: string, definition: string): Promise<string> {
  return (await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }))).stateMachineArn!;
}

async function start(stateMachineArn: string, input: unknown, name: string): Promise<string> {
  return (await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }))).executionArn!;
}

async function finished(executionArn: string) {
  return until(`${executionArn} to finish`, async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}

async function onlyMapRun(executionArn: string): Promise<string> {
  const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
  expect(runs.mapRuns).toHaveLength(1);
  return runs.mapRuns![0].mapRunArn!;
}

/** DescribeMapRun once every child has ended (aborted siblings of a failed Map end a little after it). */
async function settled(mapRunArn: string): Promise<DescribeMapRunCommandOutput> {
  return until(`${mapRunArn} to settle`, async () => {
    const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    return d.status !== 'RUNNING' && d.itemCounts!.pending! + d.itemCounts!.running! === 0 ? d : undefined;
  });
}

const ITEMS = Array.from({ length: 12 }, (_, i) => i);
const counts = (c: Partial<Record<string, number>>) => ({ pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total: 0, resultsWritten: 0, ...c });

describe('a spread Map of 12 items with one tolerated failure', () => {
  let smArn: string;
  let execArn: string;
  let mapRunArn: string;

  beforeAll(async () => {
    smArn = await create('squares', mapMachine('Square', { MaxConcurrency: 4, ToleratedFailureCount: 1 }));
    execArn = await start(smArn, { items: ITEMS }, 'twelve');
    const d = await finished(execArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual(ITEMS.map((i) => (i === 7 ? null : i * i)));
  });

  it('ListMapRuns names the Map Run from the parent history', async () => {
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn: execArn }));
    expect(runs.mapRuns).toHaveLength(1);
    const run = runs.mapRuns![0];
    expect(run).toMatchObject({ executionArn: execArn, stateMachineArn: smArn });
    expect(run.mapRunArn).toMatch(/^arn:aws:states:us-east-1:123456789012:mapRun:squares:twelve\/Items\/\d+$/);
    expect(run.startDate).toBeInstanceOf(Date);
    expect(run.stopDate).toBeInstanceOf(Date);
    expect(runs.nextToken).toBeUndefined();
    mapRunArn = run.mapRunArn!;
  });

  it('DescribeMapRun counts the children by status', async () => {
    const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(d).toMatchObject({ mapRunArn, executionArn: execArn, status: 'SUCCEEDED', maxConcurrency: 4, toleratedFailureCount: 1, toleratedFailurePercentage: 0 });
    expect(d.itemCounts).toEqual(counts({ succeeded: 11, failed: 1, total: 12 }));
    expect(d.executionCounts).toEqual(d.itemCounts);
    expect(d.startDate!.getTime()).toBeLessThanOrEqual(d.stopDate!.getTime());
  });

  it('ListExecutions(mapRunArn) pages through the children in index order', async () => {
    const pages: ListExecutionsCommandOutput[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 5, nextToken }));
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.executions!.length)).toEqual([5, 5, 2]);
    const all = pages.flatMap((p) => p.executions!);
    expect(all.map((e) => e.executionArn)).toEqual(ITEMS.map((i) => `${execArn}/Items/${mapRunArn.split('/').pop()}/${i}`));
    expect(all.map((e) => e.name)).toEqual(ITEMS.map((i) => `Items-${i}`));
    expect(all.map((e) => e.status)).toEqual(ITEMS.map((i) => (i === 7 ? 'FAILED' : 'SUCCEEDED')));
    for (const e of all) {
      expect(e).toMatchObject({ mapRunArn, itemCount: 1, stateMachineArn: smArn });
      expect(e.startDate).toBeInstanceOf(Date);
      expect(e.stopDate).toBeInstanceOf(Date);
    }

    const failed = await sfn.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'FAILED' }));
    expect(failed.executions!.map((e) => e.name)).toEqual(['Items-7']);
    expect(failed.nextToken).toBeUndefined();
  });

  it('DescribeExecution and GetExecutionHistory of a child show its own run', async () => {
    const child = `${mapRunArn.replace(':mapRun:', ':execution:')}/3`;
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: child }));
    expect(d).toMatchObject({ executionArn: child, status: 'SUCCEEDED', mapRunArn, input: '3', output: '9' });

    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: child }));
    const types = h.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types[types.length - 1]).toBe('ExecutionSucceeded');
    expect(types).toContain('LambdaFunctionSucceeded');
    expect(types).not.toContain('MapRunStarted');

    // the parent's own description names no Map Run
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: execArn }))).mapRunArn).toBeUndefined();
  });

  it('ListExecutions(stateMachineArn) lists the parent only, never its children', async () => {
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: smArn }));
    expect(list.executions!.map((e) => e.executionArn)).toEqual([execArn]);
    expect(list.executions![0].mapRunArn).toBeUndefined();
  });

  it('REST: GET /map-runs/{arn}, /map-runs/{arn}/executions and /executions/{arn}/map-runs', async () => {
    const get = async (path: string) => {
      const res = await fetch(server.url + path);
      return { status: res.status, body: (await res.json()) as any };
    };
    const enc = encodeURIComponent;
    const described = await get(`/map-runs/${enc(mapRunArn)}`);
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({ mapRunArn, executionArn: execArn, status: 'SUCCEEDED', itemCounts: counts({ succeeded: 11, failed: 1, total: 12 }) });
    expect(described.body.startDate).toMatch(/^\d{4}-\d\d-\d\dT/);

    const listed = await get(`/executions/${enc(execArn)}/map-runs`);
    expect(listed.body.mapRuns.map((m: { mapRunArn: string }) => m.mapRunArn)).toEqual([mapRunArn]);

    const first = await get(`/map-runs/${enc(mapRunArn)}/executions?maxResults=5`);
    expect(first.body.executions.map((e: { name: string }) => e.name)).toEqual(['Items-0', 'Items-1', 'Items-2', 'Items-3', 'Items-4']);
    const second = await get(`/map-runs/${enc(mapRunArn)}/executions?maxResults=5&nextToken=${enc(first.body.nextToken)}`);
    expect(second.body.executions[0].name).toBe('Items-5');

    const bad = await get('/map-runs/not-an-arn');
    expect(bad).toMatchObject({ status: 400, body: { error: 'InvalidArn' } });
    const unknown = await get(`/map-runs/${enc(mapRunArn.replace('twelve', 'nobody'))}`);
    expect(unknown).toMatchObject({ status: 404, body: { error: 'ResourceNotFound' } });
  });
});

describe('Map Run status', () => {
  it('RUNNING while the parent waits on it, then SUCCEEDED', async () => {
    gate = deferred();
    const sm = await create('slow', mapMachine('Slow', { MaxConcurrency: 2 }));
    const exec = await start(sm, { items: [1, 2, 3, 4, 5] }, 'held');
    const mapRunArn = await until('the Map Run to start', async () => (await sfn.send(new ListMapRunsCommand({ executionArn: exec }))).mapRuns?.[0]?.mapRunArn);
    const running = await until('two children to run', async () => {
      const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      return d.itemCounts!.running === 2 ? d : undefined;
    });
    expect(running).toMatchObject({ status: 'RUNNING', maxConcurrency: 2, toleratedFailureCount: 0 });
    expect(running.itemCounts).toEqual(counts({ running: 2, pending: 3, total: 5 }));
    expect(running.stopDate).toBeUndefined();
    expect((await sfn.send(new ListMapRunsCommand({ executionArn: exec }))).mapRuns![0].stopDate).toBeUndefined();

    gate.resolve();
    expect((await finished(exec)).status).toBe('SUCCEEDED');
    const done = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(done.status).toBe('SUCCEEDED');
    expect(done.itemCounts).toEqual(counts({ succeeded: 5, total: 5 }));
  });

  it('FAILED when a failure is not tolerated: the siblings not yet done are aborted', async () => {
    const sm = await create('intolerant', mapMachine('Square', { MaxConcurrency: 1 }));
    const exec = await start(sm, { items: [6, 7, 8, 9] }, 'fails');
    expect((await finished(exec)).status).toBe('FAILED');
    const d = await settled(await onlyMapRun(exec));
    expect(d.status).toBe('FAILED');
    // 8 may have been started (by 7's end) before the stop reached it: it is then aborted, or done
    expect(d.itemCounts).toMatchObject({ failed: 1, total: 4 });
    expect(d.itemCounts!.succeeded! + d.itemCounts!.aborted!).toBe(3);
    expect(d.itemCounts!.succeeded).toBeGreaterThanOrEqual(1);
    expect(d.stopDate).toBeInstanceOf(Date);
  });

  it('an empty Map Run is described from the parent history, with no children', async () => {
    const sm = await create('empty', mapMachine('Echo'));
    const exec = await start(sm, { items: [] }, 'none');
    expect((await finished(exec)).status).toBe('SUCCEEDED');
    const mapRunArn = await onlyMapRun(exec);
    const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    expect(d).toMatchObject({ status: 'SUCCEEDED', executionArn: exec, itemCounts: counts({}) });
    const list = await sfn.send(new ListExecutionsCommand({ mapRunArn }));
    expect(list.executions).toEqual([]);
  });

  it('a spread Parallel is no Map Run: its branches name none', async () => {
    const sm = await create(
      'branches',
      JSON.stringify({
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: ['A', 'B'].map((n) => ({ StartAt: n, States: { [n]: { Type: 'Task', Resource: FN('Echo'), End: true } } })),
            End: true,
          },
        },
      }),
    );
    const exec = await start(sm, { x: 1 }, 'par');
    expect((await finished(exec)).status).toBe('SUCCEEDED');
    expect((await sfn.send(new ListMapRunsCommand({ executionArn: exec }))).mapRuns).toEqual([]);
    const branch = server.invoker.calls.find((c) => c.executionArn.startsWith(`${exec}/`))!.executionArn;
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: branch }))).mapRunArn).toBeUndefined();
    const asMapRun = branch.replace(':execution:', ':mapRun:').replace(/\/\d+$/, '');
    await expect(sfn.send(new DescribeMapRunCommand({ mapRunArn: asMapRun }))).rejects.toBeInstanceOf(ResourceNotFound);
  });
});

describe('Map Run API errors', () => {
  const unknownRun = 'arn:aws:states:us-east-1:123456789012:mapRun:squares:nobody/Items/1';

  it('refuses a malformed mapRunArn with InvalidArn naming the field', async () => {
    for (const mapRunArn of ['not-an-arn', 'arn:aws:states:us-east-1:123456789012:execution:squares:twelve', 'arn:aws:states:us-east-1:123456789012:mapRun:squares:twelve']) {
      const err = await sfn.send(new DescribeMapRunCommand({ mapRunArn })).catch((e) => e);
      expect(err).toBeInstanceOf(InvalidArn);
      expect(err.message).toContain('mapRunArn');
    }
    await expect(sfn.send(new ListExecutionsCommand({ mapRunArn: 'nope' }))).rejects.toBeInstanceOf(InvalidArn);
  });

  it('answers ResourceNotFound for a Map Run that does not exist', async () => {
    const err = await sfn.send(new DescribeMapRunCommand({ mapRunArn: unknownRun })).catch((e) => e);
    expect(err).toBeInstanceOf(ResourceNotFound);
    expect(err.message).toContain(unknownRun);
    await expect(sfn.send(new ListExecutionsCommand({ mapRunArn: unknownRun }))).rejects.toBeInstanceOf(ResourceNotFound);
  });

  it('ListMapRuns of an unknown or malformed execution', async () => {
    await expect(sfn.send(new ListMapRunsCommand({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:squares:nobody' }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(sfn.send(new ListMapRunsCommand({ executionArn: 'bad' }))).rejects.toBeInstanceOf(InvalidArn);
  });

  it('ListExecutions: both ARNs, neither, a bad status filter, a foreign or garbled token', async () => {
    const sm = 'arn:aws:states:us-east-1:123456789012:stateMachine:squares';
    const mapRunArn = await onlyMapRun('arn:aws:states:us-east-1:123456789012:execution:squares:twelve');
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: sm, mapRunArn }))).rejects.toBeInstanceOf(ValidationException);
    await expect(sfn.send(new ListExecutionsCommand({}))).rejects.toBeInstanceOf(ValidationException);
    const badFilter = await sfn.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'DONE' as never })).catch((e) => e);
    expect(badFilter).toBeInstanceOf(ValidationException);
    expect(badFilter.message).toContain('statusFilter');
    await expect(sfn.send(new ListExecutionsCommand({ mapRunArn, nextToken: '%%%' }))).rejects.toBeInstanceOf(InvalidToken);
    // a token of the same Map Run's unfiltered listing does not continue a filtered one
    const page = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 5 }));
    await expect(sfn.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'FAILED', nextToken: page.nextToken }))).rejects.toBeInstanceOf(InvalidToken);
  });
});
