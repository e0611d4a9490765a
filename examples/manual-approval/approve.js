#!/usr/bin/env node
// The approver's side of examples/manual-approval/sqs-approval.json: takes one request from the
// approval-requests queue and answers it through the Step Functions API with the token it carries,
// as a person's tool or another system would on AWS (there without the endpoints).
//
//   node examples/manual-approval/approve.js            approve, as "$USER"
//   node examples/manual-approval/approve.js --reject   reject (SendTaskFailure)
//
// STEPWRIGHT_ENDPOINT (default http://127.0.0.1:8083) and STEPWRIGHT_SQS_ENDPOINT (default
// http://127.0.0.1:9324) say where the local server and its SQS listen.
const { SQSClient, GetQueueUrlCommand, ReceiveMessageCommand, DeleteMessageCommand } = require('@aws-sdk/client-sqs');
const { SFNClient, SendTaskSuccessCommand, SendTaskFailureCommand } = require('@aws-sdk/client-sfn');

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const sqs = new SQSClient({ ...local, endpoint: process.env.STEPWRIGHT_SQS_ENDPOINT ?? 'http://127.0.0.1:9324' });
const sfn = new SFNClient({ ...local, endpoint: process.env.STEPWRIGHT_ENDPOINT ?? 'http://127.0.0.1:8083' });

async function main() {
  const reject = process.argv.includes('--reject');
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'approval-requests' }));
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 10 }));
  if (Messages.length === 0) {
    console.error('no approval request waiting (start an execution of sqs-approval first)');
    process.exitCode = 1;
    return;
  }
  const { taskToken, request } = JSON.parse(Messages[0].Body);
  console.log(`request: ${JSON.stringify(request)}`);
  if (reject) await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'Rejected', cause: 'not this time' }));
  else await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true, by: process.env.USER ?? 'approver' }) }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
  console.log(reject ? 'rejected' : 'approved');
}

main().catch((e) => {
  console.error(`approve.js: ${e.message}`);
  process.exitCode = 1;
});
