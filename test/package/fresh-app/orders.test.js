// A user's jest test of a workflow with stepwright/testing and a Step Functions Local mock config.
const path = require('node:path');
const { runWorkflow } = require('stepwright/testing');

const definition = path.join(__dirname, 'order-definition.json');
const config = path.join(__dirname, 'MockConfigFile.json');

test('the happy path answers from the mocked responses', async () => {
  const result = await runWorkflow({ definition, input: { orderId: 'o-1', items: [1, 2] }, mocks: { config, stateMachine: 'Orders', testCase: 'HappyPath' } });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output.price).toEqual({ total: 42 });
  expect(result.statesEntered).toEqual(['PriceOrder', 'QueueOrder']);
});

test('retries until the mocked function answers', async () => {
  const result = await runWorkflow({ definition, input: { orderId: 'o-2', items: [] }, mocks: { config, stateMachine: 'Orders', testCase: 'RetryPath' } });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.history.filter((e) => e.type === 'TaskFailed')).toHaveLength(3);
});

test('my own handler module prices the order', async () => {
  const result = await runWorkflow({ definition, input: { orderId: 'o-3', items: [1, 2, 3] }, tasks: path.join(__dirname, 'tasks.js'), mocks: { config, stateMachine: 'Orders', testCase: 'QueueOnly' } });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.output.price).toEqual({ total: 6 });
});
