/**
 * stepwright/testing: a definition run with Step Functions Local mocked responses (the file as AWS
 * documents it) and with the user's own handlers, and the clear errors a bad mock config gets.
 */
import * as path from 'node:path';
import { MockConfig, MockConfigError, runWorkflow } from '../../lambda/testing';

const definition = path.join(__dirname, 'fixtures/order-definition.json');
const mockFile = path.join(__dirname, 'fixtures/MockConfigFile.json');
const order = { orderId: 'o-1', items: ['a', 'b', 'c'] };
const mocks = (testCase: string) => ({ config: mockFile, stateMachine: 'Orders', testCase });

describe('runWorkflow with a Step Functions Local mock config', () => {
  test('HappyPath: both tasks answer from their mocked responses', async () => {
    const r = await runWorkflow({ definition, input: order, mocks: mocks('HappyPath') });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toEqual({ ...order, price: { total: 42 }, queued: { messageId: '3bcb6e8e-8b51-4375-b0bc-1a59812c6e51' } });
    expect(r.statesEntered).toEqual(['PriceOrder', 'QueueOrder']);
    expect(r.executionArn).toContain(':execution:Orders:');
  });

  test('RetryPath: invocations 0, 1-2 throw, 3 returns; Retry carries the state through', async () => {
    const r = await runWorkflow({ definition, input: order, mocks: mocks('RetryPath') });
    expect(r.status).toBe('SUCCEEDED');
    expect((r.output as { price: unknown }).price).toEqual({ total: 7 });
    const failures = r.history.filter((e) => e.type === 'TaskFailed').map((e) => (e.taskFailedEventDetails as { error: string }).error);
    expect(failures).toEqual(['Lambda.ResourceNotReadyException', 'Lambda.TimeoutException', 'Lambda.TimeoutException']);
    const scheduled = r.history.filter((e) => e.type === 'TaskScheduled').map((e) => (e.taskScheduledEventDetails as { resource: string }).resource);
    expect(scheduled).toEqual(['invoke', 'invoke', 'invoke', 'invoke', 'sendMessage']);
  });

  test('PricingDown: a range of Throws exhausts the retries and the Catch leads to Fail', async () => {
    const r = await runWorkflow({ definition, input: order, mocks: mocks('PricingDown') });
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('PricingFailed');
    expect(r.cause).toBe('Lambda timed out.');
    expect(r.statesEntered).toEqual(['PriceOrder', 'PricingFailed']);
  });

  test('a state the test case does not mock runs the user handler (lambda:invoke wraps its result in Payload)', async () => {
    const seen: unknown[] = [];
    const r = await runWorkflow({
      definition,
      input: order,
      mocks: mocks('QueueOnly'),
      tasks: {
        'price-order': (event: unknown) => {
          seen.push(event);
          return { total: (event as typeof order).items.length * 10 };
        },
      },
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(seen).toEqual([order]);
    expect((r.output as { price: unknown }).price).toEqual({ total: 30 });
  });

  test("the README's example", async () => {
    const result = await runWorkflow({
      definition,
      input: { orderId: 'o-1', items: [1, 2] },
      mocks: { config: mockFile, stateMachine: 'Orders', testCase: 'QueueOnly' },
      tasks: { 'price-order': async (o) => ({ total: (o as { items: number[] }).items.length * 10 }) },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ price: { total: 20 } });
    expect(result.statesEntered).toEqual(['PriceOrder', 'QueueOrder']);
    expect(result.history.filter((e) => e.type === 'TaskFailed')).toHaveLength(0);
  });

  test('without mocks and without a handler, the task fails as `stepwright run` does', async () => {
    const r = await runWorkflow({ definition, input: order });
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('PricingFailed');
    expect(r.cause).toBe("No local task is configured for resource 'arn:aws:states:::lambda:invoke' with FunctionName 'price-order'.");
    expect(r.history.filter((e) => e.type === 'TaskFailed')).toHaveLength(1); // States.TaskFailed is not in the Retry's ErrorEquals
  });

  test('a state invoked past its last mocked answer fails the test, not just the execution', async () => {
    const config = {
      StateMachines: { Orders: { TestCases: { Short: { PriceOrder: 'OnceOnly' } } } },
      MockedResponses: { OnceOnly: { '0': { Throw: { Error: 'Lambda.TimeoutException', Cause: 'slow' } } } },
    };
    await expect(runWorkflow({ definition, input: order, mocks: { config, stateMachine: 'Orders', testCase: 'Short' } })).rejects.toThrow(
      "state 'PriceOrder' was invoked 2 times, but mocked response 'OnceOnly' has no answer for invocation 1",
    );
  });
});

describe('MockConfig errors name the field', () => {
  const bad = (MockedResponses: unknown, TestCases: unknown = { T: {} }) => () => MockConfig.parse({ StateMachines: { SM: { TestCases } }, MockedResponses });
  test.each([
    [bad({ R: { '2-1': { Return: 1 } } }), "/MockedResponses/R/2-1: range '2-1' ends before it starts"],
    [bad({ R: { first: { Return: 1 } } }), "/MockedResponses/R/first: 'first' is not an invocation number"],
    [bad({ R: { '0': { Return: 1, Throw: { Error: 'E' } } } }), '/MockedResponses/R/0: give exactly one of Return or Throw'],
    [bad({ R: { '0': { Throw: { Cause: 'c' } } } }), '/MockedResponses/R/0/Throw/Error: expected a string'],
    [bad({ R: { '0-2': { Return: 1 }, '2': { Return: 2 } } }), '/MockedResponses/R: invocation 2 is covered by two keys'],
    [bad({}, { T: { S: 'Nowhere' } }), "/StateMachines/SM/TestCases/T/S: no mocked response 'Nowhere' in /MockedResponses"],
    [() => MockConfig.parse({ MockedResponses: {} }), '/StateMachines: expected an object'],
  ])('%#', (parse, message) => {
    expect(parse).toThrow(MockConfigError);
    expect(parse).toThrow(message);
  });

  test('an unknown state machine or test case is named with what there is', () => {
    const config = MockConfig.load(mockFile);
    expect(() => config.testCase('Nope', 'HappyPath')).toThrow("mock config has no state machine 'Nope' (has: Orders)");
    expect(() => config.testCase('Orders', 'Nope')).toThrow("/StateMachines/Orders/TestCases has no test case 'Nope' (has: HappyPath, RetryPath, PricingDown, QueueOnly)");
  });
});
