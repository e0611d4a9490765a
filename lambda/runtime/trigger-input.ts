/**
 * What a trigger sees of one delivered record: its identity (what makes a redelivery the same
 * record, hence the same execution name) and the execution input the config asks for.
 */
import type { DynamoDBRecord, EventBridgeEvent, KinesisStreamRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { InputMapping } from './trigger-config';
import { TriggerConfigError } from './trigger-config';
import { compileTemplate, type CompiledTemplate } from './trigger-template';

export type TriggerSource = 'dynamodb' | 'kinesis' | 'eventbridge';

export interface TriggerItem {
  source: TriggerSource;
  /** stable across redeliveries of the same record */
  identity: string;
  /** the default input: a friendly, decoded view of the record */
  view: Record<string, unknown>;
  /** the record (or event) exactly as Lambda delivered it */
  raw: unknown;
}

export function dynamoItem(r: DynamoDBRecord): TriggerItem {
  // eventID is unique per stream record; SequenceNumber is the fallback for hand-built events.
  const id = r.eventID ?? (r.dynamodb?.SequenceNumber && `seq:${r.dynamodb.SequenceNumber}`);
  if (!id) throw new Error('DynamoDB stream record has neither eventID nor dynamodb.SequenceNumber');
  const d = r.dynamodb ?? {};
  const view: Record<string, unknown> = { eventName: r.eventName, keys: image(d.Keys) ?? {} };
  const newImage = image(d.NewImage);
  const oldImage = image(d.OldImage);
  if (newImage) view.newImage = newImage;
  if (oldImage) view.oldImage = oldImage;
  return { source: 'dynamodb', identity: id, view, raw: r };
}

export function kinesisItem(r: KinesisStreamRecord): TriggerItem {
  // eventID is "<shardId>:<sequenceNumber>": sequence numbers are unique within a shard.
  const id = r.eventID || `${r.eventSourceARN}:${r.kinesis.sequenceNumber}`;
  const text = Buffer.from(r.kinesis.data, 'base64').toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { source: 'kinesis', identity: id, view: { data, partitionKey: r.kinesis.partitionKey, sequenceNumber: r.kinesis.sequenceNumber }, raw: r };
}

export function eventBridgeItem(e: EventBridgeEvent<string, unknown>): TriggerItem {
  // EventBridge keeps the event id across its retries. Field names stay EventBridge's own, so a
  // definition written for an AWS EventBridge -> Step Functions target reads $.detail the same way.
  const view = { id: e.id, source: e.source, 'detail-type': e['detail-type'], time: e.time, resources: e.resources ?? [], detail: e.detail ?? {} };
  return { source: 'eventbridge', identity: e.id, view, raw: e };
}

/** Returns the input builder for one config: the template is compiled once, not per record. */
export function inputMapper(mapping: InputMapping | undefined): (item: TriggerItem) => unknown {
  if (mapping === undefined) return (item) => item.view;
  if (mapping === 'record') return (item) => item.raw;
  if (mapping === 'newImage') {
    return (item) => {
      if (item.source !== 'dynamodb') throw new TriggerConfigError(`inputMapping 'newImage' applies to DynamoDB streams, not ${item.source}`);
      return item.view.newImage ?? {};
    };
  }
  if (mapping === 'data') {
    return (item) => {
      if (item.source !== 'kinesis') throw new TriggerConfigError(`inputMapping 'data' applies to Kinesis streams, not ${item.source}`);
      return item.view.data;
    };
  }
  const template: CompiledTemplate = compileTemplate(mapping.template);
  return (item) => template(item.view, item.raw);
}

function image(img: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!img) return undefined;
  return jsonSafe(unmarshall(img as Record<string, AttributeValue>, { wrapNumbers: toNumber })) as Record<string, unknown>;
}

/**
 * DynamoDB numbers have 38 digits; a JS number has ~15. An integer JS cannot hold exactly stays a
 * string (an order id must not change its last digits); everything else becomes a number.
 */
function toNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) return text;
  return n;
}

/** unmarshall gives Sets for SS/NS/BS, which JSON.stringify turns into {}: make them arrays. */
function jsonSafe(v: unknown): unknown {
  if (v instanceof Set) return [...v].map(jsonSafe);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}
