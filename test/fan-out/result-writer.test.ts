/**
 * A Map whose results would pass the 256 KiB state limit: without a ResultWriter it fails with
 * States.DataLimitExceeded (fan-out.test.ts); with one, the results stay with the Map Run's children
 * and are read page by page through the API (real HTTP, local server).
 */
import { FN, startTestServer } from '../runtime/harness';

jest.setTimeout(180_000);

const ITEMS = 400;
const payload = (i: number) => ({ i, pad: 'x'.repeat(1000) });

it('a ResultWriter keeps 400 KB of results with the Map Run; the state output names it; the API pages through them in item order', async () => {
  const s = await startTestServer({ concurrency: 16, tasks: { Make: async (x) => payload(x as number) } });
  try {
    const sm = await s.machine('kept', {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          End: true,
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'M', States: { M: { Type: 'Task', Resource: FN('Make'), End: true } } },
          ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'unused', Prefix: 'results' } },
        },
      },
    });
    const arn = await s.start(sm, Array.from({ length: ITEMS }, (_, i) => i));
    const rec = await s.finished(arn, { stuck: true });
    expect(rec.status).toBe('SUCCEEDED');
    const output = JSON.parse(rec.output!);
    expect(output).toEqual({ MapRunArn: expect.stringContaining(':mapRun:'), ResultWriterDetails: { Store: 'stepwright', MapRunArn: output.MapRunArn } });

    const got: unknown[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ maxResults: '150', ...(nextToken ? { nextToken } : {}) });
      const res = await fetch(`${s.url}/map-runs/${encodeURIComponent(output.MapRunArn)}/results?${q.toString()}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { index: number; status: string; output: unknown }[]; nextToken?: string };
      for (const r of body.results) {
        expect(r).toMatchObject({ index: got.length, status: 'SUCCEEDED' });
        got.push(r.output);
      }
      nextToken = body.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(got).toEqual(Array.from({ length: ITEMS }, (_, i) => payload(i)));
    expect(Buffer.byteLength(JSON.stringify(got))).toBeGreaterThan(256 * 1024);

    const bad = await fetch(`${s.url}/map-runs/${encodeURIComponent('arn:aws:states:us-east-1:1:execution:x:y')}/results`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('mapRunArn');
  } finally {
    await s.close();
  }
});
