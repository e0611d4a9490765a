/**
 * Activities and their queued tasks on the Stepwright table, for DynamoExecutionStore (which delegates
 * its activity methods here, so the execution store's own code stays as it is).
 *
 *   item                      pk                          sk                                   GSI
 *   activity                  ACT#<activityArn>           META                                 gsi1: ACTLIST / <activityArn>
 *   queued activity task      ACTQ#<activityArn>          <enqueuedAt>#<executionArn>#<token>
 *   "queued once" marker      EX#<executionArn>           ACTIVITY#<token>
 *
 * A queued task is taken by a conditional delete: of two workers polling at once one gets it. The
 * marker makes queuing idempotent per task attempt: a redelivered (or reconciled) invoke message
 * finds it and queues nothing, even after a worker has taken the task and is still working on it.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityRecord, ActivityTask, Clock, Page } from '../ports';
import type { Item } from './dynamo-items';
import { decodeToken, encodeToken, keyAttributesOf, pageSize, pickKey, type QuerySpec } from './dynamo-pages';

const ACTIVITY_LIST = 'ACTLIST';
/** A queued task with no TimeoutSeconds is kept this long (its execution's own limits end it sooner). */
const DEFAULT_TASK_TTL_SECONDS = 366 * 86400;
/** queued tasks looked at per take (the first ones may be taken by another worker meanwhile, or stale) */
const TAKE_BATCH = 10;

const isConditionFailed = (e: unknown) => (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

const activityKey = (arn: string) => ({ pk: `ACT#${arn}`, sk: 'META' });
const markerKey = (executionArn: string, token: string) => ({ pk: `EX#${executionArn}`, sk: `ACTIVITY#${token}` });

const LIST_SPEC: QuerySpec = { indexName: 'gsi1', partitionKey: 'gsi1pk', partitionValue: ACTIVITY_LIST, sortKey: 'gsi1sk', forward: true, consistent: false };

function activityOf(item: Item): ActivityRecord {
  return { activityArn: item.arn as string, name: item.name as string, creationDate: item.creationDate as string };
}

/**
 * The activity item's attributes besides its date, as strings: the CDK construct (lib/activity.ts)
 * writes the same item at deploy time. There, no clock is at hand: the store stamps its creationDate
 * when it first reads it (stampCreation).
 */
export function activityItem(activityArn: string, name: string): Record<string, string> {
  return { ...activityKey(activityArn), gsi1pk: ACTIVITY_LIST, gsi1sk: activityArn, arn: activityArn, name };
}

export class DynamoActivityStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string, private readonly clock: Clock) {}

  async putActivity(a: ActivityRecord): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName,
        Item: { ...activityItem(a.activityArn, a.name), creationDate: a.creationDate },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async getActivity(arn: string): Promise<ActivityRecord | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: activityKey(arn), ConsistentRead: true }));
    if (!res.Item) return undefined;
    return res.Item.creationDate === undefined ? this.stampCreation(arn) : activityOf(res.Item);
  }

  /** An activity registered at deploy time has no date yet: the first read gives it one (kept from then on). */
  private async stampCreation(arn: string): Promise<ActivityRecord | undefined> {
    try {
      const res = await this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: activityKey(arn),
        UpdateExpression: 'SET creationDate = if_not_exists(creationDate, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': this.clock.now().toISOString() },
        ReturnValues: 'ALL_NEW',
      }));
      return res.Attributes ? activityOf(res.Attributes) : undefined;
    } catch (e) {
      if (isConditionFailed(e)) return undefined; // deleted meanwhile
      throw e;
    }
  }

  async listActivities(query: { maxResults?: number; nextToken?: string } = {}): Promise<Page<ActivityRecord>> {
    const size = pageSize(query.maxResults);
    let start = decodeToken(query.nextToken, LIST_SPEC);
    const items: Item[] = [];
    for (;;) {
      const res = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        IndexName: LIST_SPEC.indexName,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': LIST_SPEC.partitionKey },
        ExpressionAttributeValues: { ':p': ACTIVITY_LIST },
        // one more than a page: a page that ends the listing carries no nextToken
        Limit: size - items.length + 1,
        ExclusiveStartKey: start,
      }));
      items.push(...(res.Items ?? []));
      if (items.length > size) {
        items.length = size;
        return { items: await this.dated(items), nextToken: encodeToken(pickKey(items[size - 1], keyAttributesOf(LIST_SPEC))) };
      }
      if (!res.LastEvaluatedKey) return { items: await this.dated(items) };
      start = res.LastEvaluatedKey;
    }
  }

  private async dated(items: Item[]): Promise<ActivityRecord[]> {
    const out: ActivityRecord[] = [];
    for (const item of items) {
      const a = item.creationDate === undefined ? await this.stampCreation(item.arn as string) : activityOf(item);
      if (a) out.push(a);
    }
    return out;
  }

  async deleteActivity(arn: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: activityKey(arn) }));
  }

  async enqueueActivityTask(task: ActivityTask): Promise<void> {
    const now = this.clock.now().getTime();
    const expiresAt = Math.ceil(now / 1000) + (task.ttlSeconds ?? DEFAULT_TASK_TTL_SECONDS) + 86400;
    const marker = markerKey(task.executionArn, task.token);
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...marker, queued: false, expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      const seen = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: marker, ConsistentRead: true }));
      if (seen.Item?.queued === true) return; // queued before: perhaps taken already
      // a crash between the marker and the queue item: queue it now (the put below is idempotent)
    }
    await this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: {
        pk: `ACTQ#${task.activityArn}`,
        sk: `${task.enqueuedAt}#${task.executionArn}#${task.token}`,
        activityArn: task.activityArn,
        taskToken: task.taskToken,
        executionArn: task.executionArn,
        token: task.token,
        input: task.input,
        enqueuedAt: task.enqueuedAt,
        expiresAt: Math.ceil(now / 1000) + (task.ttlSeconds ?? DEFAULT_TASK_TTL_SECONDS),
      },
    }));
    await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: marker, UpdateExpression: 'SET queued = :t', ExpressionAttributeValues: { ':t': true } }));
  }

  async takeActivityTask(activityArn: string): Promise<ActivityTask | undefined> {
    const nowSeconds = this.clock.now().getTime() / 1000;
    let start: Item | undefined;
    do {
      const res = await this.doc.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `ACTQ#${activityArn}` },
        ConsistentRead: true,
        Limit: TAKE_BATCH,
        ExclusiveStartKey: start,
      }));
      for (const item of res.Items ?? []) {
        const taken = await this.doc.send(new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: item.pk as string, sk: item.sk as string },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        })).catch((e: unknown) => {
          if (isConditionFailed(e)) return undefined; // another worker took it first
          throw e;
        });
        const old = taken?.Attributes;
        // a task past its time (TTL deletes lazily) is dropped: its Task state has timed out
        if (!old || (typeof old.expiresAt === 'number' && old.expiresAt < nowSeconds)) continue;
        return {
          activityArn,
          taskToken: old.taskToken as string,
          executionArn: old.executionArn as string,
          token: old.token as string,
          input: old.input as string,
          enqueuedAt: old.enqueuedAt as string,
        };
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return undefined;
  }
}
