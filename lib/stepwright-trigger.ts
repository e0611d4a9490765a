/**
 * StepwrightTrigger (`engine.addTrigger`): starts executions of one of the engine's state machines
 * from a DynamoDB stream, a Kinesis data stream, EventBridge events or a schedule. One trigger
 * Lambda (lambda/handlers/trigger.ts, configured by STEPWRIGHT_TRIGGER) per trigger:
 *
 * - streams: an event source mapping with ReportBatchItemFailures, BisectBatchOnError, bounded
 *   retries and an SQS on-failure destination (the trigger's dead-letter queue);
 * - EventBridge: a rule (pattern or schedule, or a rule you pass) targeting the function, with
 *   retries and the same dead-letter queue.
 *
 * The function may read and write the engine's table and send to its work queue (what starting an
 * execution takes); the source's read permissions come with the event source, nothing else.
 */
import * as path from 'node:path';
import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, KinesisEventSource, SqsDlq, type StreamEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseTriggerConfig, TRIGGER_CONFIG_ENV, type DynamoEventName, type InputMapping, type TriggerConfig } from '../lambda/runtime/trigger-config';
import { acknowledge, refOf } from './nag';
import type { IStepwrightEngine, IStepwrightStateMachineRef } from './engine-contract';
import type { StepwrightEngineProps } from './engine-props';
import { PROJECT_ROOT } from './lambda-functions';
import type { StepwrightStateMachine } from './stepwright-state-machine';
import type { TriggerSource } from './trigger-source';

export { TriggerSource, type TriggerSourceKind } from './trigger-source';

export interface StepwrightTriggerOptions {
  /** The state machine to start: the handle `engine.addStateMachine` returned, or its name. */
  readonly stateMachine: StepwrightStateMachine | string;
  readonly source: TriggerSource;
  /**
   * The execution input: 'record' (the raw record or event), 'newImage' (DynamoDB only), 'data'
   * (Kinesis only, decoded), or `{ template }` (strings "$..." are JSONPath on the default input,
   * "$$..." on the raw record). @default the source's default input (decoded record or event)
   */
  readonly inputMapping?: InputMapping;
  /** One execution per delivered batch, input `{records: [...]}`. @default false: one per record */
  readonly batchInput?: boolean;
  /** DynamoDB only: start executions for these event names only. @default all */
  readonly eventNames?: DynamoEventName[];

  // ---------------------------------------------------------------- streams only
  /** Records per invocation (1..10000). @default 100 */
  readonly batchSize?: number;
  /** How long Lambda gathers records before invoking. @default none */
  readonly maxBatchingWindow?: Duration;
  /** @default lambda.StartingPosition.LATEST */
  readonly startingPosition?: lambda.StartingPosition;
  /** Kinesis with StartingPosition.AT_TIMESTAMP: epoch seconds. */
  readonly startingPositionTimestamp?: number;
  /** Event source mapping filters (`lambda.FilterCriteria.filter(...)`): records that match none are dropped before the function runs. */
  readonly filters?: Array<{ [key: string]: unknown }>;
  /** Concurrent batches per shard (1..10). @default 1 */
  readonly parallelizationFactor?: number;

  // ---------------------------------------------------------------- all sources
  /**
   * Retries of a failed batch (streams, 0..10000) or event (EventBridge, 0..185) before it goes to
   * the trigger's dead-letter queue. @default 10
   */
  readonly maxRetryAttempts?: number;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
}

export interface StepwrightTriggerProps extends StepwrightTriggerOptions {
  /** The engine whose state machine it starts (a StepwrightEngine). */
  readonly engine: IStepwrightEngine;
}

const STREAM_ONLY = ['batchSize', 'maxBatchingWindow', 'startingPosition', 'startingPositionTimestamp', 'filters', 'parallelizationFactor'] as const;

export class StepwrightTrigger extends Construct {
  public readonly stateMachineName: string;
  public readonly stateMachineArn: string;
  /** What STEPWRIGHT_TRIGGER holds (the ARN may be a token). */
  public readonly config: TriggerConfig;
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  /** Stream batches (their shard and sequence ranges) or EventBridge events that failed every retry. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  /** Streams: the event source (its mapping's id and ARN). */
  public readonly eventSource?: DynamoEventSource | KinesisEventSource;
  /** EventBridge: the rule (created, or the one given). */
  public readonly rule?: events.Rule;

  constructor(scope: Construct, id: string, props: StepwrightTriggerProps) {
    super(scope, id);
    const { engine, source } = props;
    const spec = source._spec;
    const fail = (message: string): never => {
      throw new Error(`StepwrightTrigger ${this.node.path}: ${message}`);
    };

    // ------------------------------------------------------------ options that fit the source
    if (props.eventNames !== undefined && source.kind !== 'dynamodb') {
      fail(`eventNames (INSERT, MODIFY, REMOVE) filters DynamoDB stream records only; this trigger's source is ${source.description}`);
    }
    if (props.inputMapping === 'newImage' && source.kind !== 'dynamodb') {
      fail(`inputMapping 'newImage' is the new image of a DynamoDB stream record; this trigger's source is ${source.description}`);
    }
    if (props.inputMapping === 'data' && source.kind !== 'kinesis') {
      fail(`inputMapping 'data' is the decoded data of a Kinesis record; this trigger's source is ${source.description}`);
    }
    if (source.kind === 'eventbridge') {
      const given = STREAM_ONLY.filter((k) => props[k] !== undefined);
      if (given.length) fail(`${given.join(', ')} apply to stream sources (DynamoDB, Kinesis) only; this trigger's source is ${source.description}`);
    }
    if (props.startingPosition === lambda.StartingPosition.AT_TIMESTAMP) {
      if (source.kind !== 'kinesis') fail('startingPosition AT_TIMESTAMP is for Kinesis streams only (DynamoDB streams start at LATEST or TRIM_HORIZON)');
      if (props.startingPositionTimestamp === undefined) fail('startingPosition AT_TIMESTAMP needs startingPositionTimestamp');
    } else if (props.startingPositionTimestamp !== undefined) {
      fail('startingPositionTimestamp needs startingPosition AT_TIMESTAMP');
    }
    const maxRetryAttempts = props.maxRetryAttempts ?? 10;
    const retryLimit = source.kind === 'eventbridge' ? 185 : 10000;
    if (!Number.isInteger(maxRetryAttempts) || maxRetryAttempts < 0 || maxRetryAttempts > retryLimit) {
      fail(`maxRetryAttempts must be an integer from 0 to ${retryLimit} for ${source.description}, got ${maxRetryAttempts}`);
    }

    // ------------------------------------------------------------ the state machine
    let machine: IStepwrightStateMachineRef | undefined;
    if (typeof props.stateMachine === 'string') {
      this.stateMachineName = props.stateMachine;
      machine = engine.stateMachines.find((m) => m.stateMachineName === this.stateMachineName);
      // Added later (engine.addStateMachine adds the dependency then) or never (refused at synth).
      this.node.addValidation({
        validate: () =>
          engine.stateMachines.some((m) => m.stateMachineName === this.stateMachineName)
            ? []
            : [`StepwrightTrigger ${this.node.path}: no state machine named '${this.stateMachineName}' is registered on the engine ${engine.node.path} (engine.addStateMachine); registered: ${engine.stateMachines.map((m) => `'${m.stateMachineName}'`).join(', ') || 'none'}`],
      });
    } else {
      machine = props.stateMachine;
      if (machine.engine !== engine) fail(`the state machine ${machine.node.path} is registered on another engine (${machine.engine.node.path}), not on ${engine.node.path}`);
      this.stateMachineName = machine.stateMachineName;
    }
    this.stateMachineArn =
      machine?.stateMachineArn ??
      Stack.of(engine).formatArn({ service: 'states', resource: 'stateMachine', resourceName: this.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // Records arriving before the registration would fail (no such state machine) until it exists.
    if (machine) this.node.addDependency(machine);

    // ------------------------------------------------------------ configuration, checked now as the handler checks it
    this.config = {
      stateMachineArn: this.stateMachineArn,
      ...(props.inputMapping !== undefined ? { inputMapping: props.inputMapping } : {}),
      ...(props.batchInput !== undefined ? { batchInput: props.batchInput } : {}),
      ...(props.eventNames !== undefined ? { eventNames: props.eventNames } : {}),
    };
    try {
      parseTriggerConfig({ ...this.config, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:check' });
    } catch (e) {
      fail((e as Error).message);
    }

    // ------------------------------------------------------------ the source, checked before anything is created
    const table = spec.table;
    if (table) checkTable(this, engine, table, props, fail);

    // ------------------------------------------------------------ function
    const support = engine._triggerSupport();
    const engineProps = support.props;
    this.role = support.lambdaRole(this, 'Role', `Stepwright trigger: starts ${this.stateMachineName} executions from ${source.description}`);
    this.function = support.nodeFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'lambda/handlers/trigger.ts'),
      description: `Stepwright trigger: starts ${this.stateMachineName} executions from ${source.description}`,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      role: this.role,
      environment: { ...support.environment, [TRIGGER_CONFIG_ENV]: Stack.of(this).toJsonString(this.config) },
      logRetention: engineProps.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // Starting an execution: read the state machine, write the execution and its history, send its first message.
    engine.table.grantReadWriteData(this.role);
    engine.queue.grantSendMessages(this.role);

    const key = engineProps.encryptionKey;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(key ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key } : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // ------------------------------------------------------------ wiring
    if (source.kind === 'eventbridge') {
      this.rule =
        spec.rule ??
        new events.Rule(this, 'Rule', {
          description: `Stepwright trigger: starts ${this.stateMachineName} executions`,
          schedule: spec.schedule,
          eventPattern: spec.eventPattern,
          eventBus: spec.eventBus,
        });
      this.rule.addTarget(new targets.LambdaFunction(this.function, { deadLetterQueue: this.deadLetterQueue, retryAttempts: maxRetryAttempts }));
      if (key) {
        // EventBridge writes to the dead-letter queue itself, so it needs the queue's key.
        const added = key.addToResourcePolicy(
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) } },
          }),
          true,
        );
        if (!added.statementAdded) {
          Annotations.of(this).addWarningV2(
            'stepwright:triggerKeyPolicy',
            'the engine\'s key is imported: allow events.amazonaws.com kms:Decrypt and kms:GenerateDataKey in its key policy, or EventBridge cannot dead-letter failed events',
          );
        }
      }
    } else {
      const common: StreamEventSourceProps = {
        startingPosition: props.startingPosition ?? lambda.StartingPosition.LATEST,
        batchSize: props.batchSize ?? 100,
        maxBatchingWindow: props.maxBatchingWindow,
        parallelizationFactor: props.parallelizationFactor,
        retryAttempts: maxRetryAttempts,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: props.filters,
      };
      this.eventSource = table
        ? new DynamoEventSource(table, common)
        : new KinesisEventSource(spec.stream!, { ...common, startingPositionTimestamp: props.startingPositionTimestamp });
      this.function.addEventSource(this.eventSource);
    }

    // ------------------------------------------------------------ operations
    this.deadLetterQueueAlarm = new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Stepwright trigger ${this.node.path}: ${source.kind === 'eventbridge' ? 'events' : 'stream batches'} failed every retry; no ${this.stateMachineName} execution was started for them`,
    });
    if (engineProps.alarmTopic) this.deadLetterQueueAlarm.addAlarmAction(new cwActions.SnsAction(engineProps.alarmTopic));

    this.acknowledgeNagFindings(engine, engineProps, source);
    support.register(this);
  }

  /** cdk-nag AwsSolutions findings that are by design, each with its reason (also when the trigger is outside the engine's scope). */
  private acknowledgeNagFindings(engine: IStepwrightEngine, props: StepwrightEngineProps, source: TriggerSource): void {
    // cdk-nag names the table by its logical id in the engine's stack, also across stacks.
    acknowledge(
      this.role,
      'AwsSolutions-IAM5',
      'Starting an execution uses the engine\'s table like the API does (CDK\'s grantReadWriteData); index/* covers only that table\'s own indexes.',
      [`Resource::<${refOf(engine.table)}.Arn>/index/*`],
    );
    const anyResource: string[] = [];
    if (source.kind === 'dynamodb') anyResource.push('dynamodb:ListStreams (part of CDK\'s stream read grant for the event source) supports no resource-level permissions');
    if (props.tracing === lambda.Tracing.ACTIVE) anyResource.push('X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions');
    if (anyResource.length) acknowledge(this.role, 'AwsSolutions-IAM5', `${anyResource.join('; ')}.`, ['Resource::*']);
    if (props.encryptionKey) {
      acknowledge(
        this.role,
        'AwsSolutions-IAM5',
        'kms:GenerateDataKey* and kms:ReEncrypt* on the engine\'s one customer managed key are the actions SQS and DynamoDB need to encrypt with it (CDK\'s key grants).',
        ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
      );
    }
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is a dead-letter queue itself: the on-failure destination of the trigger\'s event source mapping or EventBridge target.',
    );
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'The trigger handler is built and tested for Node.js 22 like the engine\'s other functions; the runtime is upgraded with the project.',
    );
  }
}

/** The table has a stream the options can use; the engine's own table only with filters (else the trigger feeds on its own writes). */
function checkTable(scope: Construct, engine: IStepwrightEngine, table: dynamodb.ITable, props: StepwrightTriggerOptions, fail: (m: string) => never): void {
  if (table === engine.table) {
    if (!table.tableStreamArn) fail('the engine\'s table has no stream: create the engine with stream: true');
    if (!props.filters?.length) {
      fail('a trigger on the engine\'s own table needs filters that match only the items you mean: every execution it starts writes to that table, so without them it would trigger on its own writes');
    }
  } else if (!table.tableStreamArn) {
    fail(`the table ${table.node.path} has no stream: enable one (Table: stream NEW_AND_OLD_IMAGES or NEW_IMAGE), or import the table with tableStreamArn`);
  }
  if (props.inputMapping === 'newImage') {
    const cfn = table.node.defaultChild;
    const spec: unknown = cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable ? Stack.of(scope).resolve(cfn.streamSpecification) : undefined;
    const viewType: unknown = spec !== null && typeof spec === 'object' && 'streamViewType' in spec ? spec.streamViewType : undefined;
    if (viewType === dynamodb.StreamViewType.KEYS_ONLY || viewType === dynamodb.StreamViewType.OLD_IMAGE) {
      fail(`inputMapping 'newImage' needs a stream with new images, but the stream of ${table.node.path} is ${viewType} (use NEW_IMAGE or NEW_AND_OLD_IMAGES)`);
    }
  }
}
