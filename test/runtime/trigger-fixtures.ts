/**
 * Realistic trigger events, shaped as Lambda delivers them (see the aws-lambda types and the
 * sample events in the Lambda developer guide).
 */
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export const TABLE_STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-05-01T12:00:00.000';
export const KINESIS_STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';

type Image = Record<string, AttributeValue>;

export function ddbRecord(n: number, eventName: 'INSERT' | 'MODIFY' | 'REMOVE', keys: Image, images: { newImage?: Image; oldImage?: Image } = {}): DynamoDBRecord {
  return {
    eventID: `7de3041dd709b024af6f29e4fa13d34${n.toString(16)}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1714564800 + n,
      Keys: keys,
      ...(images.newImage ? { NewImage: images.newImage } : {}),
      ...(images.oldImage ? { OldImage: images.oldImage } : {}),
      SequenceNumber: `4000000000000004996600${n}`,
      SizeBytes: 128,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: TABLE_STREAM_ARN,
  };
}

export const order = (id: string, status: string, extra: Image = {}): Image => ({ pk: { S: `ORDER#${id}` }, id: { S: id }, status: { S: status }, ...extra });
export const orderKey = (id: string): Image => ({ pk: { S: `ORDER#${id}` } });

/** INSERT, MODIFY and REMOVE of three orders: one batch as a NEW_AND_OLD_IMAGES stream sends it. */
export function ddbBatch(): DynamoDBStreamEvent {
  return {
    Records: [
      ddbRecord(1, 'INSERT', orderKey('1'), {
        newImage: order('1', 'NEW', { total: { N: '42.5' }, tags: { SS: ['gift', 'rush'] }, lines: { L: [{ M: { sku: { S: 'A-1' }, qty: { N: '2' } } }] }, big: { N: '12345678901234567890' }, paid: { BOOL: false }, note: { NULL: true } }),
      }),
      ddbRecord(2, 'MODIFY', orderKey('2'), { newImage: order('2', 'PAID'), oldImage: order('2', 'NEW') }),
      ddbRecord(3, 'REMOVE', orderKey('3'), { oldImage: order('3', 'CANCELLED') }),
    ],
  };
}

export function kinesisRecord(n: number, data: string | object, partitionKey = `user-${n}`): KinesisStreamRecord {
  const sequenceNumber = `4959033827149025660855969253836157109592157598913658889${n}`;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'),
      approximateArrivalTimestamp: 1714564800.123 + n,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000006:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/stepwright-trigger',
    awsRegion: 'us-east-1',
    eventSourceARN: KINESIS_STREAM_ARN,
  };
}

export function kinesisBatch(): KinesisStreamEvent {
  return { Records: [kinesisRecord(1, { page: '/home', ms: 120 }), kinesisRecord(2, 'plain text, not JSON'), kinesisRecord(3, '17')] };
}

export function eventBridgeEvent(id: string, detail: unknown = { orderId: '9', amount: 10 }): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Order Placed',
    source: 'com.example.shop',
    account: '123456789012',
    time: '2024-05-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export function scheduledEvent(id: string): EventBridgeEvent<'Scheduled Event', Record<string, never>> {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2024-05-02T00:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/nightly-report'],
    detail: {},
  };
}
