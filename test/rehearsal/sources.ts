/**
 * The event sources of the deployed stack, as AWS delivers their events to the functions:
 *  - API Gateway HTTP API, payload format 2.0, with the IAM authorizer's request context;
 *  - the SQS event source mapping: batches of BatchSize records, ReportBatchItemFailures honoured
 *    (only the reported records stay on the queue, to come back when their visibility ends), the
 *    whole batch left when the function errors; it polls with the function's role, as Lambda does;
 *  - EventBridge's scheduled events (the reconciler's rule);
 *  - CloudFormation's custom resource events (the registration provider's onEvent).
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, SQSRecord } from 'aws-lambda';
import type { Invocation, LambdaHost } from './lambda-host';

export interface Caller {
  account: string;
  /** e.g. arn:aws:sts::123456789012:assumed-role/Operator/session */
  userArn: string;
}

export function httpApiEvent(req: { method: string; path: string; headers?: Record<string, string>; body?: string; query?: Record<string, string> }, caller: Caller, routeKey: string): APIGatewayProxyEventV2WithIAMAuthorizer {
  const now = new Date();
  const query = req.query ?? {};
  return {
    version: '2.0',
    routeKey,
    rawPath: req.path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-length': String(Buffer.byteLength(req.body ?? '')), host: 'abcdef1234.execute-api.us-east-1.amazonaws.com', 'user-agent': 'rehearsal', 'x-forwarded-proto': 'https', ...req.headers },
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: {
      accountId: caller.account,
      apiId: 'abcdef1234',
      authorizer: {
        iam: {
          accessKey: 'ASIAREHEARSAL',
          accountId: caller.account,
          callerId: 'AROAREHEARSAL:session',
          cognitoIdentity: null,
          principalOrgId: null as never,
          userArn: caller.userArn,
          userId: 'AROAREHEARSAL:session',
        },
      },
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method: req.method, path: req.path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'rehearsal' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: req.body,
    isBase64Encoded: false,
  };
}

/** EventBridge's event for a scheduled rule. */
export function scheduledEvent(ruleArn: string, account: string, region: string) {
  return { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), region, resources: [ruleArn], detail: {} };
}

/** What the CDK provider framework hands its onEvent handler for a Create. */
export function customResourceCreate(resourceType: string, logicalId: string, properties: Record<string, unknown>, serviceToken: string) {
  return { RequestType: 'Create', ServiceToken: serviceToken, ResponseURL: 'https://cloudformation-custom-resource-response.example/', StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Rehearsal/1', RequestId: randomUUID(), LogicalResourceId: logicalId, ResourceType: resourceType, ResourceProperties: { ServiceToken: serviceToken, ...properties } };
}

export interface Delivery {
  records: SQSRecord[];
  /** messageIds left on the queue for redelivery */
  failed: string[];
  invocation: Invocation;
}

/** The SQS event source mapping of one function. */
export class SqsEventSourceMapping {
  readonly deliveries: Delivery[] = [];

  constructor(
    private readonly opts: { client: SQSClient; queueUrl: string; queueArn: string; region: string; batchSize: number; reportBatchItemFailures: boolean; fn: LambdaHost },
  ) {}

  /** One poll: at most one batch delivered; false when the queue had nothing visible. */
  async poll(): Promise<boolean> {
    const { client, queueUrl } = this.opts;
    const r = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: this.opts.batchSize, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    const messages = r.Messages ?? [];
    if (messages.length === 0) return false;
    const records = messages.map((m) => this.record(m));
    const invocation = await this.opts.fn.invoke({ Records: records });
    const failed = this.failedIds(records, invocation);
    this.deliveries.push({ records, failed, invocation });
    const done = messages.filter((m) => !failed.includes(m.MessageId!));
    if (done.length > 0) await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    return true;
  }

  /** Lambda's reading of the response: an error fails the batch; with ReportBatchItemFailures, the listed ids (an unknown id fails all). */
  private failedIds(records: SQSRecord[], invocation: Invocation): string[] {
    const all = records.map((r) => r.messageId);
    if (!invocation.ok) return all;
    if (!this.opts.reportBatchItemFailures) return [];
    const items = (invocation.result as { batchItemFailures?: { itemIdentifier?: string }[] } | null)?.batchItemFailures ?? [];
    const ids = items.map((i) => i.itemIdentifier ?? '');
    return ids.some((id) => !all.includes(id)) ? all : ids;
  }

  private record(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? 'AROAREHEARSAL',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined, stringListValues: [], binaryListValues: [], dataType: v.DataType ?? 'String' }]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.opts.queueArn,
      awsRegion: this.opts.region,
    };
  }
}
