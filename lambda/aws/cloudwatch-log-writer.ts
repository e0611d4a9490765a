/**
 * The ExecutionLogWriter on CloudWatch Logs: a state machine's execution events (its
 * loggingConfiguration, runtime/execution-logging.ts) as PutLogEvents to its log group. Each stream
 * is created before its first write (an existing one is fine), then remembered for the life of the
 * container. The worker's role holds logs:CreateLogStream and logs:PutLogEvents on the group
 * (the construct's `logs` prop grants them).
 */
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ExecutionLogBatch, ExecutionLogWriter } from '../runtime/execution-logging';

/** CloudWatch Logs' limits for one event and one PutLogEvents call (bytes counted with 26 of overhead per event). */
const MAX_EVENT_BYTES = 256 * 1024 - 26;
const MAX_BATCH_BYTES = 1024 * 1024;
const MAX_BATCH_EVENTS = 10_000;

/** The log group's name in its ARN: arn:aws:logs:<region>:<account>:log-group:<name>[:*]. */
export function logGroupNameOf(arn: string): string {
  const m = /:log-group:(.+?)(:\*)?$/.exec(arn);
  if (!m) throw new Error(`not a log group ARN: ${arn}`);
  return m[1];
}

/** The events in PutLogEvents-sized chunks, in time order, each message cut to the event size limit. */
export function chunksOf(events: ExecutionLogBatch['events']): ExecutionLogBatch['events'][] {
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  const chunks: ExecutionLogBatch['events'][] = [];
  let chunk: ExecutionLogBatch['events'] = [];
  let bytes = 0;
  for (const e of sorted) {
    const message = Buffer.byteLength(e.message) > MAX_EVENT_BYTES ? Buffer.from(e.message).subarray(0, MAX_EVENT_BYTES).toString() : e.message;
    const size = Buffer.byteLength(message) + 26;
    if (chunk.length > 0 && (bytes + size > MAX_BATCH_BYTES || chunk.length >= MAX_BATCH_EVENTS)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push({ timestamp: e.timestamp, message });
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

export class CloudWatchLogWriter implements ExecutionLogWriter {
  /** streams known to exist, as `<group>\n<stream>` */
  private readonly streams = new Set<string>();

  constructor(private readonly client: CloudWatchLogsClient) {}

  async write(batch: ExecutionLogBatch): Promise<void> {
    const logGroupName = logGroupNameOf(batch.logGroupArn);
    const key = `${logGroupName}\n${batch.logStreamName}`;
    // one stream per execution (as Step Functions names them): new streams are the rule, so it is
    // created before the first put rather than after a put fails
    if (!this.streams.has(key)) {
      await this.createStream(logGroupName, batch.logStreamName);
      this.streams.add(key);
    }
    for (const logEvents of chunksOf(batch.events)) {
      await this.client.send(new PutLogEventsCommand({ logGroupName, logStreamName: batch.logStreamName, logEvents }));
    }
  }

  private async createStream(logGroupName: string, logStreamName: string): Promise<void> {
    try {
      await this.client.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    } catch (e) {
      // another worker created it meanwhile
      if ((e as Error).name !== 'ResourceAlreadyExistsException') throw e;
    }
  }
}
