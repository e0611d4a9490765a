/**
 * The custom resource provider behind every state machine registration of an engine, created in
 * the engine's own scope on first use (an engine with no state machines needs none of it).
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import type { StepwrightEngineProps } from './engine-props';
import { lambdaRole, nodeFunction, PROJECT_ROOT } from './lambda-functions';
import { acknowledge, refOf } from './nag';

export function createRegistrationProvider(engine: Construct, table: dynamodb.ITable, workerRole: IConstruct, props: StepwrightEngineProps): cr.Provider {
  const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
  const role = lambdaRole(engine, 'RegistrationRole', 'Stepwright: registers the stack\'s state machines at deploy time');
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
    }),
  );
  props.encryptionKey?.grantEncryptDecrypt(role);
  const onEvent = nodeFunction(engine, 'Registration', {
    entry: path.join(PROJECT_ROOT, 'lib/registration/handler.ts'),
    description: 'Stepwright: registers state machines in the table at deploy time',
    memorySize: 256,
    timeout: Duration.minutes(1),
    role,
    environment: {},
    logRetention,
  }, props);
  const frameworkRole = lambdaRole(engine, 'RegistrationProviderRole', 'Stepwright: custom resource provider framework');
  const frameworkLogs = new logs.LogGroup(engine, 'RegistrationProviderLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
  frameworkLogs.grantWrite(frameworkRole);
  const provider = new cr.Provider(engine, 'RegistrationProvider', {
    onEventHandler: onEvent,
    frameworkOnEventRole: frameworkRole,
    logGroup: frameworkLogs,
  });
  // The state machines may be started once registered: their task permissions must be in place by then.
  provider.node.addDependency(workerRole);
  acknowledge(
    frameworkRole,
    'AwsSolutions-IAM5',
    'The CDK provider framework may invoke its onEvent handler and that handler\'s versions (<arn>:*); it is the only function it may call.',
    [`Resource::<${refOf(onEvent)}.Arn>:*`],
  );
  return provider;
}
