/**
 * The stack `cdk deploy` puts in an account: one Stepwright engine, the example state machines
 * and the Lambda functions their tasks call.
 */
import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { acknowledge } from './nag';
import { bundlingOptions, PROJECT_ROOT } from './lambda-functions';
import { StepwrightEngine, type StepwrightEngineProps } from './stepwright-engine';

export interface StepwrightStackProps extends StackProps {
  /** Passed to the engine (encryption, authorizer, alarms...). */
  readonly engine?: StepwrightEngineProps;
  /** Deploy the examples (exam-results and its AddTotal function). @default true */
  readonly examples?: boolean;
  /**
   * The engine's alarms notify this existing SNS topic (`-c alarmTopicArn=...`). Ignored when
   * `engine.alarmTopic` is given. @default none
   */
  readonly alarmTopicArn?: string;
  /**
   * The stack creates an alarm topic with this address subscribed (`-c alarmEmail=...`; confirm the
   * subscription mail AWS sends). Not with `alarmTopicArn`. @default none
   */
  readonly alarmEmail?: string;
}

/** A boolean context value (`-c name=false`), or `fallback` when it is not given. */
export function contextFlag(scope: Construct, name: string, fallback: boolean): boolean {
  const v: unknown = scope.node.tryGetContext(name);
  return v === undefined ? fallback : v === true || v === 'true';
}

/** A non-empty string context value (`-c name=value`), or undefined. */
function contextText(scope: Construct, name: string): string | undefined {
  const v: unknown = scope.node.tryGetContext(name);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The stack props the shipped app (bin/app.ts) reads from context: examples, alarmEmail, alarmTopicArn,
 * and apiAdmins (`-c apiAdmins=arn:aws:iam::111122223333:role/Ops,444455556666`: IAM roles, users or
 * accounts that may call every action; without any, the API answers every caller AccessDeniedException,
 * since access is granted per state machine and action).
 */
export function stackPropsFromContext(scope: Construct): Pick<StepwrightStackProps, 'examples' | 'alarmEmail' | 'alarmTopicArn' | 'engine'> {
  const admins = contextText(scope, 'apiAdmins')?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  return {
    examples: contextFlag(scope, 'examples', true),
    alarmEmail: contextText(scope, 'alarmEmail'),
    alarmTopicArn: contextText(scope, 'alarmTopicArn'),
    ...(admins?.length ? { engine: { apiAdmins: admins } } : {}),
  };
}

export class StepwrightStack extends Stack {
  public readonly engine: StepwrightEngine;
  /** Where the engine's alarm actions go, if anywhere (`engine.alarmTopic`, `alarmTopicArn` or `alarmEmail`). */
  public readonly alarmTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: StepwrightStackProps = {}) {
    super(scope, id, props);
    this.alarmTopic = props.engine?.alarmTopic ?? this.alarmTopicOf(props);
    this.engine = new StepwrightEngine(this, 'Engine', { ...props.engine, alarmTopic: this.alarmTopic });

    new CfnOutput(this, 'ApiUrl', { value: this.engine.apiUrl, description: 'Stepwright API (Step Functions JSON protocol at POST /, REST routes)' });
    new CfnOutput(this, 'TableName', { value: this.engine.table.tableName, description: 'DynamoDB table: state machines, executions, history' });
    new CfnOutput(this, 'QueueUrl', { value: this.engine.queue.queueUrl, description: 'SQS work queue' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.engine.deadLetterQueue.queueUrl, description: 'Work messages that failed every delivery' });

    if (props.examples ?? true) this.addExamples();
  }

  /** An existing topic (alarmTopicArn), or a new one with an email subscription (alarmEmail), or none. */
  private alarmTopicOf(props: StepwrightStackProps): sns.ITopic | undefined {
    if (props.alarmTopicArn && props.alarmEmail) throw new Error('StepwrightStack: give alarmTopicArn or alarmEmail, not both (subscribe the address to your topic yourself)');
    if (props.alarmTopicArn) return sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
    if (!props.alarmEmail) return undefined;
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Stepwright alarms', enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    acknowledge(
      topic,
      'AwsSolutions-SNS2',
      'The alarm topic carries CloudWatch alarm notifications only (alarm names and states, no execution data); CloudWatch can publish to a KMS-encrypted topic only with a customer managed key whose policy admits it: pass such a topic as engine.alarmTopic to have one.',
    );
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn, description: 'SNS topic the engine\'s alarms notify' });
    return topic;
  }

  /** examples/exam-results: its Task names the function AddTotal; the stack creates it from examples/exam-results/tasks.js. */
  private addExamples(): void {
    const logGroup = new logs.LogGroup(this, 'AddTotalLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'AddTotalRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Stepwright example task AddTotal: writes its logs, nothing else' });
    logGroup.grantWrite(role);
    const addTotal = new nodejs.NodejsFunction(this, 'AddTotal', {
      entry: path.join(PROJECT_ROOT, 'examples/exam-results/tasks.js'),
      handler: 'AddTotal',
      description: 'Stepwright example task: exam-results AddTotal',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      timeout: Duration.seconds(10),
      role,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: bundlingOptions(false),
    });
    acknowledge(addTotal, 'AwsSolutions-L1', 'The example task runs on Node.js 22, like the engine\'s own functions.');
    const examResults = this.engine.addStateMachine('ExamResults', {
      name: 'exam-results',
      definition: path.join(PROJECT_ROOT, 'examples/exam-results/definition.json'),
      functions: { AddTotal: addTotal },
    });
    new CfnOutput(this, 'ExamResultsArn', { value: examResults.stateMachineArn, description: 'The exam-results example state machine' });
  }
}
