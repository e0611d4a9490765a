/**
 * SqsWorkQueue against fauxqs over real HTTP. fauxqs is ESM-only and jest runs CommonJS, so it runs in
 * a child Node process on an OS-chosen port; the child exits when its stdin closes, so it cannot
 * outlive the test run even if jest is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import {
  ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { clampDelaySeconds, MAX_DELAY_SECONDS, splitBatches, SqsSendError, SqsWorkQueue } from '../../lambda/aws/sqs-queue';
import { createWorkerHandler } from '../../lambda/handlers/worker';
import type { EngineDeps } from '../../lambda/runtime/deps';
import { systemClock, type ExecutionStore, type OutgoingMessage, type WorkMessage } from '../../lambda/ports';

const START_FAUXQS = `
import { startFauxqs } from 'fauxqs';
const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(JSON.stringify({ address: server.address }) + '\\n');
process.stdin.on('end', () => server.stop().finally(() => process.exit(0)));
process.stdin.resume();
`;

async function startFauxqs(): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', START_FAUXQS], {
    cwd: path.resolve(__dirname, '../..'), // so the bare 'fauxqs' import resolves from this project's node_modules
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { address: string }).address);
    });
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}) before it was ready`)));
  });
  return { child, endpoint: await ready };
}

let fauxqs: { child: ChildProcess; endpoint: string };
let client: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  client = new SQSClient({ endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client?.destroy();
  if (fauxqs && fauxqs.child.exitCode === null) {
    fauxqs.child.stdin!.end();
    await once(fauxqs.child, 'exit');
  }
});

let queueCounter = 0;
async function newQueue(): Promise<string> {
  const out = await client.send(new CreateQueueCommand({ QueueName: `work-${process.pid}-${++queueCounter}` }));
  return out.QueueUrl!;
}

/** Receives until `count` messages arrived or `timeoutMs` passed. */
async function receive(queueUrl: string, count: number, timeoutMs = 3000): Promise<Message[]> {
  const got: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    const out = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
    got.push(...(out.Messages ?? []));
  }
  return got;
}

const start = (n: number): OutgoingMessage => ({ body: { kind: 'start', executionArn: `arn:aws:states:us-east-1:1:execution:sm:e${n}` } });
const arnOf = (m: Message) => (JSON.parse(m.Body!) as WorkMessage).executionArn;

describe('SqsWorkQueue on fauxqs', () => {
  it('sends messages whose bodies are the WorkMessage JSON', async () => {
    const queueUrl = await newQueue();
    const event: OutgoingMessage = {
      body: { kind: 'event', executionArn: 'arn:x', event: { type: 'TimerFired', token: 't1' }, notBefore: '2030-01-01T00:00:00.000Z' },
    };
    await new SqsWorkQueue({ client, queueUrl }).send([start(1), event]);
    const got = await receive(queueUrl, 2);
    expect(got.map((m) => JSON.parse(m.Body!)).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([event.body, start(1).body]);
  });

  it('does nothing for an empty list', async () => {
    const spy = jest.spyOn(client, 'send');
    await new SqsWorkQueue({ client, queueUrl: 'unused' }).send([]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('splits more than 10 messages into batches of 10', async () => {
    const queueUrl = await newQueue();
    const spy = jest.spyOn(client, 'send');
    await new SqsWorkQueue({ client, queueUrl }).send(Array.from({ length: 25 }, (_, i) => start(i)));
    const batches = spy.mock.calls.map(([c]) => c).filter((c) => c instanceof SendMessageBatchCommand) as SendMessageBatchCommand[];
    spy.mockRestore();
    expect(batches.map((c) => c.input.Entries!.length).sort()).toEqual([10, 10, 5]);
    const got = await receive(queueUrl, 25);
    expect(got.map(arnOf).sort()).toEqual(Array.from({ length: 25 }, (_, i) => start(i).body.executionArn).sort());
  });

  it('keeps each batch under 256 KiB', async () => {
    const queueUrl = await newQueue();
    const spy = jest.spyOn(client, 'send');
    const big = (i: number): OutgoingMessage => ({ body: { kind: 'start', executionArn: `${i}:${'x'.repeat(100 * 1024)}` } });
    await new SqsWorkQueue({ client, queueUrl }).send([0, 1, 2, 3, 4].map(big));
    const batches = spy.mock.calls.map(([c]) => c).filter((c) => c instanceof SendMessageBatchCommand) as SendMessageBatchCommand[];
    spy.mockRestore();
    expect(batches.map((c) => c.input.Entries!.length).sort()).toEqual([1, 2, 2]);
    for (const c of batches) expect(c.input.Entries!.reduce((n, e) => n + Buffer.byteLength(e.MessageBody!), 0)).toBeLessThanOrEqual(256 * 1024);
    expect(await receive(queueUrl, 5)).toHaveLength(5);
  });

  it('honours DelaySeconds: a delayed message is not received before its delay', async () => {
    const queueUrl = await newQueue();
    const sentAt = Date.now();
    await new SqsWorkQueue({ client, queueUrl }).send([{ ...start(1), delaySeconds: 2 }, start(2)]);
    const early = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    expect((early.Messages ?? []).map(arnOf)).toEqual([start(2).body.executionArn]);
    const late = await receive(queueUrl, 1, 5000);
    expect(late.map(arnOf)).toEqual([start(1).body.executionArn]);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1900);
  });

  it('clamps delays SQS would refuse instead of failing the send', async () => {
    const queueUrl = await newQueue();
    await new SqsWorkQueue({ client, queueUrl }).send([{ ...start(1), delaySeconds: 5000 }, { ...start(2), delaySeconds: -3 }]);
    const got = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((got.Messages ?? []).map(arnOf)).toEqual([start(2).body.executionArn]);
  });
});

describe('retry backoff on fauxqs', () => {
  it('retryAfter: ChangeMessageVisibility brings a received message back after the given seconds, not the visibility timeout', async () => {
    const { QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({ QueueName: `retry-${process.pid}-${++queueCounter}`, Attributes: { VisibilityTimeout: '3600' } }));
    const queue = new SqsWorkQueue({ client, queueUrl: queueUrl! });
    await queue.send([start(1)]);
    const [first] = await receive(queueUrl!, 1);
    await queue.retryAfter(first.ReceiptHandle!, 0.2); // rounded up to 1 s
    // back within a few long polls, where the queue's own timeout would hide it for an hour
    const [again] = await receive(queueUrl!, 1, 10_000);
    expect(again.MessageId).toBe(first.MessageId);
  });

  it('the worker sets a failed message\'s visibility to the backoff, and on its last delivery lets the dead-letter queue take it at once', async () => {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `dlq-${process.pid}-${++queueCounter}` }));
    const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const { QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({
      QueueName: `work-retry-${process.pid}-${++queueCounter}`,
      // the stack's shape: a visibility timeout far above the worker's run time, a dead-letter queue after maxReceiveCount
      Attributes: { VisibilityTimeout: '3600', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) },
    }));
    // DynamoDB throttling cannot be had from a local DynamoDB on demand: a store that is always throttled plays it
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });
    const store = { getExecution: async () => { throw throttled; } } as unknown as ExecutionStore;
    const queue = new SqsWorkQueue({ client, queueUrl: queueUrl! });
    const deps = { store, queue, clock: systemClock, random: { random: () => 0.5, uuid: () => 'u' }, region: 'us-east-1', accountId: '1', maxReceiveCount: 2 } as unknown as EngineDeps;
    const worker = createWorkerHandler(() => deps);
    const spy = jest.spyOn(client, 'send');
    const visibility = () => spy.mock.calls.map(([c]) => c).filter((c) => c instanceof ChangeMessageVisibilityCommand).map((c) => (c as ChangeMessageVisibilityCommand).input);

    /** One poll of the Lambda event source mapping: receive, hand the worker an SQSEvent, delete what succeeded. */
    const poll = async (): Promise<Message[]> => {
      const out = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }));
      const messages = out.Messages ?? [];
      if (messages.length === 0) return messages;
      const event: SQSEvent = {
        Records: messages.map((m) => ({
          messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body!, md5OfBody: m.MD5OfBody!, messageAttributes: {},
          attributes: m.Attributes as unknown as SQSEvent['Records'][0]['attributes'], eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1',
        })),
      };
      const failed = await worker(event).then((r) => new Set(r.batchItemFailures.map((f) => f.itemIdentifier)), () => new Set(messages.map((m) => m.MessageId!)));
      for (const m of messages) if (!failed.has(m.MessageId!)) await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      return messages;
    };

    try {
      await queue.send([start(1)]);
      const deliveries: Message[] = [];
      const collect = async () => void deliveries.push(...(await poll()));
      for (let i = 0; i < 15 && deliveries.length < 1; i++) await collect();
      // first failure: visible again after 0.5 x 2 s = 1 s (full jitter's draw is 0.5)
      expect(visibility()).toEqual([{ QueueUrl: queueUrl, ReceiptHandle: deliveries[0].ReceiptHandle, VisibilityTimeout: 1 }]);
      for (let i = 0; i < 15 && deliveries.length < 2; i++) await collect();
      expect(deliveries.map((m) => [m.MessageId, m.Attributes?.ApproximateReceiveCount])).toEqual([[deliveries[0].MessageId, '1'], [deliveries[0].MessageId, '2']]);
      // the last delivery: visible at once, so the next receive moves it to the dead-letter queue
      expect(visibility()[1]).toEqual({ QueueUrl: queueUrl, ReceiptHandle: deliveries[1].ReceiptHandle, VisibilityTimeout: 0 });
      // (the receive that finds it past maxReceiveCount moves it instead of returning it)
      expect(await poll()).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    const dead = await receive(dlq.QueueUrl!, 1, 10_000);
    expect(dead.map(arnOf)).toEqual([start(1).body.executionArn]);
  });
});

describe('delay and batch helpers', () => {
  it('clamps to 0..900 and rounds up so timers never fire early', () => {
    expect(MAX_DELAY_SECONDS).toBe(900);
    expect([undefined, -1, 0, 0.2, 1.5, 900, 901, Infinity, NaN].map(clampDelaySeconds)).toEqual([undefined, 0, 0, 1, 2, 900, 900, 900, 0]);
  });

  it('puts an entry larger than the byte limit in a batch of its own', () => {
    expect(splitBatches([1, 5, 1, 1, 3], (n) => n, 4)).toEqual([[1], [5], [1, 1], [3]]);
  });
});

/** SQS answers 200 with Failed[] for entries it could not take; fauxqs can't be made to do that on demand, so a stub plays SQS. */
describe('SqsWorkQueue partial failures (stubbed SQS)', () => {
  type Entry = { Id: string; MessageBody: string };
  function stubClient(answer: (entries: Entry[], call: number) => { Successful: { Id: string }[]; Failed: object[] }) {
    const calls: Entry[][] = [];
    const send = jest.fn(async (command: SendMessageBatchCommand) => {
      const entries = command.input.Entries as Entry[];
      calls.push(entries);
      return answer(entries, calls.length);
    });
    return { client: { send } as unknown as SQSClient, calls };
  }
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);
  beforeEach(() => (sleeps.length = 0));

  it('resends only the refused entries, after a backoff', async () => {
    const { client, calls } = stubClient((entries, call) => {
      const refuse = call === 1 ? new Set(['m1', 'm3']) : new Set<string>();
      return {
        Successful: entries.filter((e) => !refuse.has(e.Id)).map((e) => ({ Id: e.Id })),
        Failed: entries.filter((e) => refuse.has(e.Id)).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
      };
    });
    await new SqsWorkQueue({ client, queueUrl: 'q', sleep }).send([0, 1, 2, 3].map(start));
    expect(calls.map((c) => c.map((e) => e.Id))).toEqual([['m0', 'm1', 'm2', 'm3'], ['m1', 'm3']]);
    expect(calls[1].map((e) => JSON.parse(e.MessageBody).executionArn)).toEqual([start(1).body.executionArn, start(3).body.executionArn]);
    expect(sleeps).toHaveLength(1);
  });

  it('treats an entry missing from both lists as failed', async () => {
    const { client, calls } = stubClient((entries, call) => ({ Successful: (call === 1 ? entries.slice(1) : entries).map((e) => ({ Id: e.Id })), Failed: [] }));
    await new SqsWorkQueue({ client, queueUrl: 'q', sleep }).send([0, 1].map(start));
    expect(calls.map((c) => c.map((e) => e.Id))).toEqual([['m0', 'm1'], ['m0']]);
  });

  it('throws after maxAttempts when an entry keeps failing, with growing backoff', async () => {
    const { client, calls } = stubClient((entries) => ({
      Successful: entries.filter((e) => e.Id !== 'm0').map((e) => ({ Id: e.Id })),
      Failed: entries.filter((e) => e.Id === 'm0').map((e) => ({ Id: e.Id, Code: 'ServiceUnavailable', Message: 'try later', SenderFault: false })),
    }));
    const err = await new SqsWorkQueue({ client, queueUrl: 'q', sleep, maxAttempts: 4, baseDelayMs: 100 }).send([0, 1].map(start)).catch((e) => e);
    expect(err).toBeInstanceOf(SqsSendError);
    expect((err as SqsSendError).failures).toEqual([{ id: 'm0', code: 'ServiceUnavailable', message: 'try later', senderFault: false }]);
    expect(calls).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(100 * 2 ** i));
  });

  it('does not retry a sender fault, but still sends the other batches', async () => {
    const { client, calls } = stubClient((entries, call) => ({
      Successful: entries.filter((e) => !(call === 1 && e.Id === 'm2')).map((e) => ({ Id: e.Id })),
      Failed: call === 1 ? [{ Id: 'm2', Code: 'InvalidParameterValue', SenderFault: true }] : [],
    }));
    const err = await new SqsWorkQueue({ client, queueUrl: 'q', sleep, parallelBatches: 1 })
      .send(Array.from({ length: 12 }, (_, i) => start(i)))
      .catch((e) => e);
    expect(err).toBeInstanceOf(SqsSendError);
    expect((err as SqsSendError).failures.map((f) => f.code)).toEqual(['InvalidParameterValue']);
    expect(calls.map((c) => c.length)).toEqual([10, 2]);
    expect(sleeps).toHaveLength(0);
  });
});
