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
import type { Construct } from 'constructs';
import { acknowledge } from './nag';
import { bundlingOptions, PROJECT_ROOT } from './lambda-functions';
import { StepwrightEngine, type StepwrightEngineProps } from './stepwright-engine';

export interface StepwrightStackProps extends StackProps {
  /** Passed to the engine (encryption, authorizer, alarms...). */
  readonly engine?: StepwrightEngineProps;
  /** Deploy the examples (exam-results and its AddTotal function). @default true */
  readonly examples?: boolean;
}

export class StepwrightStack extends Stack {
  public readonly engine: StepwrightEngine;

  constructor(scope: Construct, id: string, props: StepwrightStackProps = {}) {
    super(scope, id, props);
    this.engine = new StepwrightEngine(this, 'Engine', props.engine);

    new CfnOutput(this, 'ApiUrl', { value: this.engine.apiUrl, description: 'Stepwright API (Step Functions JSON protocol at POST /, REST routes)' });
    new CfnOutput(this, 'TableName', { value: this.engine.table.tableName, description: 'DynamoDB table: state machines, executions, history' });
    new CfnOutput(this, 'QueueUrl', { value: this.engine.queue.queueUrl, description: 'SQS work queue' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.engine.deadLetterQueue.queueUrl, description: 'Work messages that failed every delivery' });

    if (props.examples ?? true) this.addExamples();
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
