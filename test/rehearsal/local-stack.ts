/**
 * "Deploys" a synthesized template onto the emulators, as CloudFormation would create its resources:
 * the DynamoDB tables with the template's keys and indexes (dynalite), the SQS queues with their
 * attributes and redrive policies (fauxqs), and for every other resource the names and ARNs
 * CloudFormation would give it (the logical id as its name), so Ref and Fn::GetAtt resolve.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CreateTableCommand, type DynamoDBClient, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Physical, Template } from './template';
import { startFauxqsChild, type FauxqsChild } from '../runtime/fauxqs-child';

/** fauxqs in a child process (test/runtime/fauxqs-child.ts): the queues' emulator. */
export const startFauxqs = (): Promise<FauxqsChild> => startFauxqsChild();

/** The ARN CloudFormation's resource would have, for the types whose ARNs the template's statements and variables use. */
function arnOf(type: string, name: string, account: string, region: string): string {
  switch (type) {
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${account}:role/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${region}:${account}:function:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
    case 'AWS::Events::Rule':
      return `arn:aws:events:${region}:${account}:rule/${name}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${region}:${account}:key/${name}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${account}:${name}`;
    default:
      return `arn:aws:${type.split('::')[1].toLowerCase()}:${region}:${account}:${name}`;
  }
}

/**
 * `queueBase`: where the functions reach SQS; a queue's URL is `<queueBase>/<account>/<name>` (on AWS
 * https://sqs.<region>.amazonaws.com/<account>/<name>), and `queueUrls` gets it mapped to fauxqs's URL.
 */
export async function createResources(
  template: Template,
  clients: { dynamo: DynamoDBClient; sqs: SQSClient },
  target: { account: string; region: string; queueBase: string; queueUrls: Map<string, string>; secrets: Map<string, string> },
): Promise<Map<string, Physical>> {
  const { account, region } = target;
  const physical = new Map<string, Physical>();
  for (const [id, r] of Object.entries(template.Resources)) {
    const arn = arnOf(r.Type, id, account, region);
    physical.set(id, { ref: r.Type === 'AWS::SecretsManager::Secret' ? arn : id, attributes: { Arn: arn } });
    // a generated secret (GenerateSecretString): a random value, as Secrets Manager makes one
    if (r.Type === 'AWS::SecretsManager::Secret') target.secrets.set(arn, randomBytes(32).toString('hex'));
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::DynamoDB::Table') continue;
    const p = r.Properties!;
    await clients.dynamo.send(
      new CreateTableCommand({
        TableName: id,
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: (p.GlobalSecondaryIndexes as GlobalSecondaryIndex[] | undefined)?.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
      }),
    );
    const arn = `arn:aws:dynamodb:${region}:${account}:table/${id}`;
    physical.set(id, { ref: id, attributes: { Arn: arn, StreamArn: `${arn}/stream/rehearsal` } });
  }
  // dead-letter queues first: a redrive policy names its queue's ARN
  const queues = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  queues.sort(([, a], [, b]) => Number(a.Properties?.RedrivePolicy !== undefined) - Number(b.Properties?.RedrivePolicy !== undefined));
  const emulatorArns = new Map<string, string>();
  for (const [id, r] of queues) {
    const p = r.Properties ?? {};
    const arn = `arn:aws:sqs:${region}:${account}:${id}`;
    const attributes: Record<string, string> = {};
    if (p.VisibilityTimeout !== undefined) attributes.VisibilityTimeout = String(p.VisibilityTimeout);
    if (p.MessageRetentionPeriod !== undefined) attributes.MessageRetentionPeriod = String(p.MessageRetentionPeriod);
    if (p.RedrivePolicy) {
      const dlq = (p.RedrivePolicy.deadLetterTargetArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: emulatorArns.get(dlq), maxReceiveCount: p.RedrivePolicy.maxReceiveCount });
    }
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: id, Attributes: attributes }));
    const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    emulatorArns.set(id, Attributes!.QueueArn!);
    const url = `${target.queueBase}/${account}/${id}`;
    target.queueUrls.set(url, QueueUrl!);
    physical.set(id, { ref: url, attributes: { Arn: arn, QueueUrl: url, QueueName: id } });
  }
  return physical;
}

/** The queue ARN for a queue URL the functions send (its last path segment is the queue's name). */
export function queueArnOfUrl(url: string, account: string, region: string): string {
  return `arn:aws:sqs:${region}:${account}:${path.posix.basename(new URL(url).pathname)}`;
}
