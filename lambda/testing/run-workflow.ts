/**
 * `runWorkflow`: one execution of a definition inside a jest test, with the user's own handler
 * modules and/or Step Functions Local mocked responses, returning what to assert on. It is the
 * in-process runner of `stepwright run` (lambda/local/runner.ts) with a task table in front: a state
 * the test case mocks answers from its mocked response (by the state's invocation number, retries
 * included, as Step Functions Local counts them); any other Task runs the user's function.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatIssues, validateDefinition } from '../asl/validate';
import type { StateMachineDefinition } from '../engine/definition';
import type { HistoryEvent } from '../engine/history';
import { runExecution, type RunResult, type TaskContext, type TaskFunction, type TaskResolver } from '../local/runner';
import { loadTaskModule } from '../local/task-module';
import { missingTaskCause, resolverFromTable } from '../local/tasks';
import { MockConfig, MockConfigError, type MockedTestCase } from './mock-config';

export interface MockSelection {
  /** the mock configuration: a MockConfigFile.json path, its parsed JSON, or a MockConfig */
  config: string | MockConfig | Record<string, unknown>;
  /** the key under StateMachines */
  stateMachine: string;
  /** the key under that state machine's TestCases */
  testCase: string;
}

export interface RunWorkflowOptions {
  /** the ASL definition: a JSON file's path, or the definition itself */
  definition: string | Record<string, unknown>;
  input?: unknown;
  /** Task handlers: resource ARNs or function names -> (async) functions, or the path of a module exporting them (as `stepwright run --tasks`) */
  tasks?: Record<string, TaskFunction> | string;
  /** mocked responses for chosen states, from a Step Functions Local mock configuration */
  mocks?: MockSelection;
  /** virtual time, so Waits and retry intervals do not slow the test (default true) */
  fastTimers?: boolean;
  /** keep state inputs and outputs in the history events (default true: tests look at them) */
  historyPayloads?: boolean;
  /** execution name (default: a random one) */
  name?: string;
  /** the state machine's name in ARNs (default: mocks.stateMachine, or "local") */
  stateMachineName?: string;
}

export interface WorkflowResult {
  status: RunResult['status'];
  output?: unknown;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  executionArn: string;
  /** the names of the states entered, in order (a state entered twice is listed twice) */
  statesEntered: string[];
}

function definitionOf(def: RunWorkflowOptions['definition']): StateMachineDefinition {
  let value: unknown = def;
  if (typeof def === 'string') {
    try {
      value = JSON.parse(readFileSync(def, 'utf8'));
    } catch (e) {
      throw new Error(`definition ${def}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const issues = validateDefinition(value);
  if (issues.length > 0) throw new Error(`invalid definition${typeof def === 'string' ? ` ${def}` : ''}:\n${formatIssues(issues)}`);
  return value as StateMachineDefinition;
}

function userTasks(tasks: RunWorkflowOptions['tasks']): TaskResolver {
  if (tasks === undefined) return () => undefined;
  return typeof tasks === 'string' ? loadTaskModule(resolve(tasks)) : resolverFromTable(tasks);
}

function testCaseOf(mocks: MockSelection): MockedTestCase {
  const config = mocks.config instanceof MockConfig ? mocks.config : typeof mocks.config === 'string' ? MockConfig.load(mocks.config) : MockConfig.parse(mocks.config);
  return config.testCase(mocks.stateMachine, mocks.testCase);
}

/** Fails the task as a local task does: by throwing {error, cause} (the runner's contract, README). */
function failTask(error: string, cause: string | undefined): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- {error, cause} is how a local task reports a chosen failure to the runner
  throw { error, cause };
}

/**
 * A resolver that answers mocked states from the test case and the rest from `user`. Which state asks
 * is known only when the task runs (the context names it), so every resource resolves to a function
 * that decides then. Problems with the mocks go to `problems` rather than into the execution, where a
 * Catch could hide them.
 */
function mockingResolver(user: TaskResolver, testCase: MockedTestCase, problems: string[]): TaskResolver {
  const invocations = new Map<string, number>();
  return (resource, input) => {
    const found = user(resource, input);
    const fn: TaskFunction = async (taskInput: unknown, ctx: TaskContext) => {
      const mocked = testCase.get(ctx.stateName);
      if (!mocked) {
        if (!found) failTask('States.TaskFailed', missingTaskCause(resource, input));
        const result = await found.fn(taskInput, ctx);
        return found.wrap ? found.wrap(result) : result;
      }
      const n = invocations.get(ctx.stateName) ?? 0;
      invocations.set(ctx.stateName, n + 1);
      const answer = mocked.answerFor(n);
      if (!answer) {
        problems.push(`state '${ctx.stateName}' was invoked ${n + 1} times, but mocked response '${mocked.name}' has no answer for invocation ${n}`);
        failTask('States.TaskFailed', `mocked response '${mocked.name}' has no answer for invocation ${n}`);
      }
      if ('throw' in answer) failTask(answer.throw.error, answer.throw.cause);
      // Return is the service's whole response (a lambda:invoke's {StatusCode, Payload}): not wrapped again.
      return answer.return;
    };
    return { fn, input: found ? found.input : input };
  };
}

/** Runs the definition to its end in this process and returns its status, output, error, cause and history. */
export async function runWorkflow(opts: RunWorkflowOptions): Promise<WorkflowResult> {
  const definition = definitionOf(opts.definition);
  const user = userTasks(opts.tasks);
  const problems: string[] = [];
  const tasks = opts.mocks ? mockingResolver(user, testCaseOf(opts.mocks), problems) : user;
  const result = await runExecution({
    definition,
    input: opts.input ?? {},
    tasks,
    fastTimers: opts.fastTimers ?? true,
    historyPayloads: opts.historyPayloads ?? true,
    name: opts.name,
    stateMachineName: opts.stateMachineName ?? opts.mocks?.stateMachine,
  });
  if (problems.length > 0) throw new MockConfigError(problems.join('\n'));
  const statesEntered = result.history
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
  return { ...result, statesEntered };
}
