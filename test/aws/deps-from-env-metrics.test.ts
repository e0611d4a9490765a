/**
 * deps-from-env's metric wiring: the data points reach Powertools as EMF lines (namespace Stepwright,
 * service dimension, StateMachineArn on the per-machine line), and a spread child writes none.
 */
import type { ExecutionRecord } from '../../lambda/ports';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const rec = { stateMachineArn: SM, startDate: '2026-01-01T00:00:00.000Z', stopDate: '2026-01-01T00:00:01.000Z' } as ExecutionRecord;

function emfLines(run: () => void): Record<string, any>[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as Record<string, any>);
}

describe('depsFromEnv metrics', () => {
  const saved = { ...process.env };
  let deps: import('../../lambda/runtime/deps').EngineDeps;
  beforeAll(async () => {
    process.env.STEPWRIGHT_TABLE = 't';
    process.env.STEPWRIGHT_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/q';
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const mod = await import('../../lambda/aws/deps-from-env');
    deps = mod.depsFromEnv();
  });
  afterAll(() => {
    process.env = saved;
  });

  test('a TIMED_OUT root execution: ExecutionsTimedOut and ExecutionTime, per machine and engine-wide', () => {
    const out = emfLines(() => deps.onExecutionFinished!('TIMED_OUT', 'arn:x', rec));
    const seen = out.map((o) => ({
      namespace: o._aws.CloudWatchMetrics[0].Namespace,
      dimensions: o._aws.CloudWatchMetrics[0].Dimensions[0].slice().sort(),
      metric: o._aws.CloudWatchMetrics[0].Metrics[0].Name,
      value: o[o._aws.CloudWatchMetrics[0].Metrics[0].Name],
      arn: o.StateMachineArn,
      service: o.service,
    }));
    expect(seen).toEqual([
      { namespace: 'Stepwright', dimensions: ['StateMachineArn', 'service'], metric: 'ExecutionsTimedOut', value: 1, arn: SM, service: 'stepwright' },
      { namespace: 'Stepwright', dimensions: ['service'], metric: 'ExecutionsTimedOut', value: 1, arn: undefined, service: 'stepwright' },
      { namespace: 'Stepwright', dimensions: ['StateMachineArn', 'service'], metric: 'ExecutionTime', value: 1000, arn: SM, service: 'stepwright' },
      { namespace: 'Stepwright', dimensions: ['service'], metric: 'ExecutionTime', value: 1000, arn: undefined, service: 'stepwright' },
    ]);
  });

  test('started: ExecutionsStarted; a spread child: nothing', () => {
    expect(emfLines(() => deps.onExecutionStarted!(rec)).map((o) => o._aws.CloudWatchMetrics[0].Metrics[0].Name)).toEqual(['ExecutionsStarted', 'ExecutionsStarted']);
    const child = { ...rec, child: {} as NonNullable<ExecutionRecord['child']> };
    expect(emfLines(() => deps.onExecutionFinished!('FAILED', 'arn:x', child))).toEqual([]);
    expect(emfLines(() => deps.onExecutionStarted!(child))).toEqual([]);
  });
});
