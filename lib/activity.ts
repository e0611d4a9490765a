/**
 * StepwrightActivity: an activity (as CreateActivity makes one) registered in the engine's table at
 * deploy time, so a state machine whose Task names its ARN can run as soon as `cdk deploy` returns.
 * Workers anywhere (inside AWS or not) poll it through the engine's API with `@aws-sdk/client-sfn`
 * (GetActivityTask, then SendTaskSuccess/Failure/Heartbeat): `grant(worker)` lets them.
 *
 * The item is written by an AwsCustomResource (one UpdateItem; DeleteItem when removed), in the layout
 * the store reads (lambda/aws/dynamo-activity-store.ts `activityItem`); its creationDate is stamped by
 * the store on first read, as no clock runs at synth time.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { activityItem } from '../lambda/aws/dynamo-activity-store';
import { activityGrantKey } from '../lambda/runtime/access';
import { acknowledge } from './nag';

/** AWS's rule for activity names (as for state machines): 1-80 characters, none of whitespace, brackets, wildcards, special or control characters. */
const VALID_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export interface StepwrightActivityOptions {
  /** The activity's name: its ARN is `arn:<partition>:states:<region>:<account>:activity:<name>`. */
  readonly name: string;
}

/** What an activity needs from its engine. */
export interface ActivityEngine {
  readonly table: dynamodb.ITable;
  /** records API actions on a resource for the grantee, with execute-api:Invoke (StepwrightEngine._grantAccess) */
  _grantAccess(grantee: iam.IGrantable, resource: string, actions: readonly string[]): iam.Grant;
}

export interface StepwrightActivityProps extends StepwrightActivityOptions {
  readonly engine: ActivityEngine;
}

export class StepwrightActivity extends Construct {
  public readonly activityName: string;
  /** The ARN a Task state names as its Resource. */
  public readonly activityArn: string;
  private readonly engine: ActivityEngine;

  constructor(scope: Construct, id: string, props: StepwrightActivityProps) {
    super(scope, id);
    if (!VALID_NAME.test(props.name)) throw new Error(`StepwrightActivity ${this.node.path}: name '${props.name}' is not a valid activity name (1-80 characters, no whitespace, brackets, wildcards or special characters)`);
    this.activityName = props.name;
    this.engine = props.engine;
    this.activityArn = Stack.of(this).formatArn({ service: 'states', resource: 'activity', resourceName: props.name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const { pk, sk, ...attributes } = activityItem(this.activityArn, props.name);
    const names = Object.keys(attributes);
    const put: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'updateItem',
      parameters: {
        TableName: props.engine.table.tableName,
        Key: { pk: { S: pk }, sk: { S: sk } },
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, { S: attributes[n] }])),
      },
      physicalResourceId: cr.PhysicalResourceId.of(this.activityArn),
    };
    const registration = new cr.AwsCustomResource(this, 'Registration', {
      onCreate: put,
      onUpdate: put,
      onDelete: { service: 'DynamoDB', action: 'deleteItem', parameters: { TableName: props.engine.table.tableName, Key: { pk: { S: pk }, sk: { S: sk } } } },
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [props.engine.table.tableArn] })]),
      installLatestAwsSdk: false,
    });
    props.engine.table.encryptionKey?.grantEncryptDecrypt(registration);
    // The custom resource's function is CDK's own singleton (one per stack, outside this construct).
    const singleton = Stack.of(this).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (singleton) {
      acknowledge(singleton, 'AwsSolutions-IAM4', 'CDK\'s AwsCustomResource function logs with the AWSLambdaBasicExecutionRole managed policy; it runs only at deploy time.', ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
      acknowledge(singleton, 'AwsSolutions-L1', 'CDK\'s AwsCustomResource function: its runtime is chosen by aws-cdk-lib.');
    }
  }

  /**
   * Lets `worker` (an IAM principal: a role of an EC2 instance, an ECS task, a Lambda function, a user)
   * take this activity's jobs and answer them, as IAM's states:GetActivityTask and states:SendTask* on
   * the activity's ARN do on AWS: execute-api:Invoke on the engine's API, and a grant the API checks
   * (lambda/runtime/access.ts '@activity') for GetActivityTask and DescribeActivity on this activity
   * and SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat with the tokens of its tasks only.
   * Creating, deleting and listing activities stay with `engine.grantAdmin`.
   */
  public grant(worker: iam.IGrantable): iam.Grant {
    return this.engine._grantAccess(worker, activityGrantKey(this.activityName), ['@activity']);
  }
}
