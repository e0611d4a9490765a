/**
 * Where a StepwrightTrigger's records or events come from: a DynamoDB or Kinesis stream, an
 * EventBridge schedule, pattern or rule.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';

export type TriggerSourceKind = 'dynamodb' | 'kinesis' | 'eventbridge';

/** Where a trigger's records or events come from. */
export class TriggerSource {
  /**
   * A DynamoDB table's stream. The table must have one: `stream` on a `Table` (NEW_IMAGE or
   * NEW_AND_OLD_IMAGES for `inputMapping: 'newImage'`), or `tableStreamArn` on an imported table.
   */
  public static dynamoDb(table: dynamodb.ITable): TriggerSource {
    return new TriggerSource('dynamodb', 'a DynamoDB stream', { table });
  }

  /** A Kinesis data stream (read with shared throughput). */
  public static kinesis(stream: kinesis.IStream): TriggerSource {
    return new TriggerSource('kinesis', 'a Kinesis stream', { stream });
  }

  /** A schedule: an EventBridge rule with `events.Schedule.rate(...)` or `.cron(...)`. */
  public static schedule(schedule: events.Schedule): TriggerSource {
    return new TriggerSource('eventbridge', 'an EventBridge schedule', { schedule });
  }

  /** EventBridge events matching a pattern, on the default event bus or the one given. */
  public static eventPattern(eventPattern: events.EventPattern, options: { eventBus?: events.IEventBus } = {}): TriggerSource {
    return new TriggerSource('eventbridge', 'EventBridge events', { eventPattern, eventBus: options.eventBus });
  }

  /** An EventBridge rule of yours (pattern or schedule): the trigger adds itself as a target. */
  public static rule(rule: events.Rule): TriggerSource {
    return new TriggerSource('eventbridge', 'an EventBridge rule', { rule });
  }

  private constructor(
    public readonly kind: TriggerSourceKind,
    /** for messages: "a DynamoDB stream", "EventBridge events", ... */
    public readonly description: string,
    private readonly spec: {
      table?: dynamodb.ITable;
      stream?: kinesis.IStream;
      schedule?: events.Schedule;
      eventPattern?: events.EventPattern;
      eventBus?: events.IEventBus;
      rule?: events.Rule;
    },
  ) {}

  /** @internal */
  public get _spec() {
    return this.spec;
  }
}
