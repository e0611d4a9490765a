/**
 * The engine's cdk-nag AwsSolutions findings that are by design, each acknowledged with its reason.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { StepwrightEngineProps } from './engine-props';
import { acknowledge, refOf } from './nag';

export function acknowledgeEngineFindings(engine: IConstruct, parts: { table: IConstruct; tableRoles: IConstruct[] }, props: StepwrightEngineProps): void {
  const tableIndexes = `Resource::<${refOf(parts.table)}.Arn>/index/*`;
  for (const role of parts.tableRoles) {
    acknowledge(
      role,
      'AwsSolutions-IAM5',
      'The engine queries its own table\'s GSIs (state machine listings, executions by state machine and status); index/* covers only that table\'s indexes.',
      [tableIndexes],
    );
  }
  if (props.encryptionKey) {
    acknowledge(
      engine,
      'AwsSolutions-IAM5',
      'kms:GenerateDataKey* and kms:ReEncrypt* on the engine\'s one customer managed key are the actions SQS and DynamoDB need to encrypt with it (CDK\'s key grants).',
      ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
    );
  }
  if (props.tracing === lambda.Tracing.ACTIVE) {
    acknowledge(engine, 'AwsSolutions-IAM5', 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.', ['Resource::*']);
  }
  acknowledge(
    engine,
    'AwsSolutions-L1',
    'The handlers are built and tested for Node.js 22 (esbuild target node22); the runtime is upgraded with the project, not whenever Lambda adds a newer one.',
  );
}
