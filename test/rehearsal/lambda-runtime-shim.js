// A stand-in for the Lambda Node.js runtime, run in a child process per function (lambda-host.ts).
// As Lambda does: it loads the handler named by _HANDLER ("<file>.<export>") from LAMBDA_TASK_ROOT
// once (init), then answers each invocation with the handler's JSON-serialized result, or with
// {errorType, errorMessage}. Module resolution is Lambda's too: the asset's own files, then NODE_PATH
// (the runtime's modules: the AWS SDK v3 and nothing else).
const path = require('node:path');
const { randomUUID } = require('node:crypto');

let handler;
let initError;
try {
  const spec = process.env._HANDLER;
  const dot = spec.lastIndexOf('.');
  const mod = require(path.join(process.env.LAMBDA_TASK_ROOT, spec.slice(0, dot)));
  handler = mod[spec.slice(dot + 1)];
  if (typeof handler !== 'function') initError = { errorType: 'Runtime.HandlerNotFound', errorMessage: `${spec} is undefined or not exported` };
} catch (e) {
  initError = { errorType: e && e.code === 'MODULE_NOT_FOUND' ? 'Runtime.ImportModuleError' : 'Runtime.UserCodeSyntaxError', errorMessage: String((e && e.message) || e) };
}

process.on('message', async (msg) => {
  if (initError) return process.send({ id: msg.id, ok: false, ...initError });
  const deadline = Date.now() + Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) * 1000;
  const context = {
    awsRequestId: randomUUID(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.REHEARSAL_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(msg.event, context);
    process.send({ id: msg.id, ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (e) {
    process.send({ id: msg.id, ok: false, errorType: (e && e.name) || 'Error', errorMessage: String((e && e.message) || e) });
  }
});
