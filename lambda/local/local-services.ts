/**
 * The AWS services a local server's integrations reach: DynamoDB tasks go to the embedded dynalite
 * (the engine's own database, so user tables live beside it), SQS tasks to an SQS emulator (fauxqs,
 * started by `serve` when the config has `integrations.sqs`, see user-queues.ts), and every other service (SNS, EventBridge, any aws-sdk
 * service) to the endpoint the config names for it — or fail with advice, never reaching real AWS
 * from a laptop by accident.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SdkServiceCaller } from '../aws/sdk-service-caller';
import type { ServiceCaller, ServiceResponse } from '../runtime/integrations/service-caller';

export interface LocalServicesOptions {
  region: string;
  /** the embedded DynamoDB's client */
  dynamoClient: DynamoDBClient;
  /** the SQS emulator's endpoint, when one runs */
  sqsEndpoint?: string;
  /** endpoint per Step Functions service name from the config (`sns`, `eventbridge`, `s3`...) */
  endpoints?: Record<string, string>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localServiceCaller(opts: LocalServicesOptions): ServiceCaller {
  const endpoints = { ...(opts.endpoints ?? {}), ...(opts.sqsEndpoint ? { sqs: opts.sqsEndpoint } : {}) };
  const sdk = new SdkServiceCaller({
    region: opts.region,
    endpoints,
    clients: opts.endpoints?.dynamodb ? {} : { dynamodb: opts.dynamoClient },
    credentials: LOCAL_CREDENTIALS,
    missingEndpoint: (service) =>
      service === 'sqs'
        ? 'No local SQS is running: add "integrations": {"sqs": {"queues": [...]}} to stepwright.config.json (serve then runs one), or name one of your own (integrations.endpoints.sqs).'
        : `No local endpoint for ${service}: name one in stepwright.config.json (integrations.endpoints.${service}, e.g. an emulator's URL); Stepwright does not call real AWS from the local server.`,
  });
  const queueUrls = new Map<string, string>();
  return {
    sdkClientInstalled: (pkg) => sdk.sdkClientInstalled(pkg),
    async call(service, action, input): Promise<ServiceResponse> {
      // A definition written for AWS names its queue by its AWS URL; the emulator knows it by name.
      if (service === 'sqs' && typeof input.QueueUrl === 'string' && !endpoints.sqs?.startsWith('https://sqs.')) {
        const name = input.QueueUrl.split('/').pop() ?? '';
        let url = queueUrls.get(name);
        if (url === undefined) {
          url = String((await sdk.call('sqs', 'GetQueueUrl', { QueueName: name })).output.QueueUrl);
          queueUrls.set(name, url);
        }
        return sdk.call(service, action, { ...input, QueueUrl: url });
      }
      return sdk.call(service, action, input);
    },
  };
}
