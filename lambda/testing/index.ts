/**
 * `stepwright/testing`: run a state machine definition in a jest test with your own task handlers or
 * Step Functions Local mocked responses, and assert on its status, output and history.
 */
export { runWorkflow, type RunWorkflowOptions, type WorkflowResult, type MockSelection } from './run-workflow';
export { MockConfig, MockConfigError, type MockAnswer, type MockedResponse, type MockedTestCase } from './mock-config';
export type { TaskContext, TaskFunction } from '../local/runner';
