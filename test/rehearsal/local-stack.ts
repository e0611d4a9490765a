/**
 * "Deploys" a synthesized template onto the emulators, as CloudFormation would create its resources:
 * the DynamoDB tables with the template's keys and indexes (dynalite), the SQS queues with their
 * attributes and redrive policies (fauxqs), and for every other resource the names and ARNs
 * CloudFormation would give it (the logical id as its name), so Ref and Fn::GetAtt resolve.
 * fauxqs is ESM-only and jest runs CommonJS: it runs in a child process that exits with its stdin.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as path from 'node:path';
import { CreateTableCommand, type DynamoDBClient, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Physical, Template } from './template';

const START_FAUXQS = `
import { startFauxqs } from 'fauxqs';
const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(JSON.stringify({ address: server.address }) + '\\n');
process.stdin.on('end', () => server.stop().finally(() => process.exit(0)));
process.stdin.resume();
`;

export async function startFauxqs(projectRoot: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', START_FAUXQS], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { address: string }).address);
    });
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}) before it was ready`)));
  });
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

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
