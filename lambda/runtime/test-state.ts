/**
 * AWS's TestState action: one state run once, on a given input, with its outcome as AWS reports it
 * (status SUCCEEDED | FAILED | RETRIABLE | CAUGHT_ERROR, output, error, cause, nextState) and, at
 * inspectionLevel DEBUG or TRACE, its data processing step by step (inspectionData).
 *
 * The state runs on the real interpreter, inside a small definition made for it: the state itself
 * (its Retry taken out, since TestState reports a retriable error instead of retrying) whose every
 * transition leads to a Succeed stub of its own, so the stub entered says where the state went and
 * whether a Catch took it there. Given `variables`, a Pass state before it assigns them. A Task calls
 * the engine's task invoker, or answers from `mock` (result or errorOutput) without calling anything.
 */
import { randomUUID } from 'node:crypto';
import { formatIssues, validateDefinition } from '../asl/validate';
import { applyInputPath, effectiveInput, resultToOutput, type StateEnv } from '../engine/dataflow';
import type { StateMachineDefinition } from '../engine/definition';
import type { HistoryEvent } from '../engine/history';
import { advance } from '../engine/interpreter';
import { findRetrier, retryDelaySeconds } from '../engine/retry';
import type { Effect, ExecutionSnapshot, IncomingEvent } from '../engine/types';
import { apiError } from './api-errors';
import type { EngineDeps } from './deps';
import { taskTokensOf } from './task-tokens';

export type InspectionLevel = 'INFO' | 'DEBUG' | 'TRACE';
export type TestExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';

export interface TestStateRequest {
  definition: string;
  roleArn?: string;
  input?: string;
  inspectionLevel?: string;
  revealSecrets?: boolean;
  variables?: string;
  stateName?: string;
  mock?: { result?: string; errorOutput?: { error?: string; cause?: string }; fieldValidationMode?: string };
  stateConfiguration?: { retrierRetryCount?: number };
}

export interface InspectionData {
  input?: string;
  afterInputPath?: string;
  afterParameters?: string;
  afterArguments?: string;
  result?: string;
  afterResultSelector?: string;
  afterResultPath?: string;
  variables?: string;
  request?: { protocol?: string; method?: string; url?: string; headers?: string; body?: string };
  response?: { protocol?: string; statusCode?: string; statusMessage?: string; headers?: string; body?: string };
  errorDetails?: { catchIndex?: number; retryIndex?: number; retryBackoffIntervalSeconds?: number };
}

export interface TestStateResponse {
  output?: string;
  error?: string;
  cause?: string;
  inspectionData?: InspectionData;
  nextState?: string;
  status: TestExecutionStatus;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const STUB = 'Stepwright.TestState.';
const VARIABLES_STATE = `${STUB}Variables`;
const HTTP_INVOKE = /^arn:[^:]+:states:::http:invoke$/;
const scalar = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function parseJson(text: string, what: string, err: (m: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw err(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The state to test and its name: `definition` is one state, or a whole state machine with `stateName`. */
function stateOf(req: TestStateRequest): { state: Json; name: string; language: 'JSONPath' | 'JSONata' } {
  const def = parseJson(req.definition, 'definition', apiError.invalidDefinition);
  if (!isObject(def)) throw apiError.invalidDefinition('definition must be a JSON object');
  if (req.stateName !== undefined) {
    const states = def.States;
    const state = isObject(states) ? states[req.stateName] : undefined;
    if (!isObject(state)) throw apiError.invalidDefinition(`/States/${req.stateName}: the state machine has no state named '${req.stateName}'`);
    const language = (state.QueryLanguage ?? def.QueryLanguage ?? 'JSONPath') as 'JSONPath' | 'JSONata';
    return { state, name: req.stateName, language };
  }
  if (typeof def.Type !== 'string') throw apiError.invalidDefinition('/Type: the definition of one state needs a Type (or give stateName with a whole state machine)');
  return { state: def, name: 'TestState', language: (def.QueryLanguage ?? 'JSONPath') as 'JSONPath' | 'JSONata' };
}

/** Where each stub leads: the real state name, and the Catch that led there. */
interface Stub {
  next: string;
  catchIndex?: number;
}

/** The tested state with every transition sent to a stub of its own, and without Retry. */
function isolate(state: Json, language: string): { state: Json; stubs: Map<string, Stub> } {
  const stubs = new Map<string, Stub>();
  const stub = (next: unknown, id: string, catchIndex?: number): string => {
    const name = `${STUB}${id}`;
    stubs.set(name, { next: String(next), catchIndex });
    return name;
  };
  const copy: Json = { ...state, QueryLanguage: language };
  delete copy.Retry;
  if (typeof copy.Next === 'string') copy.Next = stub(copy.Next, 'Next');
  if (typeof copy.Default === 'string') copy.Default = stub(copy.Default, 'Default');
  if (Array.isArray(copy.Choices)) copy.Choices = copy.Choices.map((c: Json, i) => ({ ...c, Next: stub(c.Next, `Choice${i}`) }));
  if (Array.isArray(copy.Catch)) copy.Catch = copy.Catch.map((c: Json, i) => ({ ...c, Next: stub(c.Next, `Catch${i}`, i) }));
  return { state: copy, stubs };
}

function definitionFor(name: string, state: Json, stubs: Map<string, Stub>, variables: Json | undefined): StateMachineDefinition {
  const states: Json = { [name]: state };
  for (const stubName of stubs.keys()) states[stubName] = { Type: 'Succeed' };
  let startAt = name;
  if (variables && Object.keys(variables).length > 0) {
    // the variables, assigned before the state as an earlier state of the execution would have
    const assign = Object.fromEntries(Object.keys(variables).map((k) => [`${k}.$`, `$.${k}`]));
    states[VARIABLES_STATE] = { Type: 'Pass', QueryLanguage: 'JSONPath', Result: variables, ResultPath: null, Assign: assign, Next: name };
    startAt = VARIABLES_STATE;
  }
  const definition = { StartAt: startAt, States: states };
  const issues = validateDefinition(definition);
  if (issues.length > 0) throw apiError.invalidDefinition(formatIssues(issues.map((i) => ({ ...i, pointer: i.pointer.replace(`/States/${name}`, '') || '/' }))));
  return definition as unknown as StateMachineDefinition;
}

function levelOf(v: string | undefined): InspectionLevel {
  if (v === undefined) return 'INFO';
  if (v === 'INFO' || v === 'DEBUG' || v === 'TRACE') return v;
  throw apiError.validation(`1 validation error detected: Value '${v}' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]`);
}

/** What happened to the tested state's task: its input, and its result or error. */
interface TaskTrace {
  input?: unknown;
  result?: { ok: true; output: unknown } | { ok: false; error: string; cause?: string };
}

export async function testState(deps: EngineDeps, req: TestStateRequest): Promise<TestStateResponse> {
  const level = levelOf(req.inspectionLevel);
  const { state, name, language } = stateOf(req);
  const input = req.input === undefined ? {} : parseJson(req.input, 'input', apiError.invalidExecutionInput);
  const variables = req.variables === undefined ? undefined : parseJson(req.variables, 'variables', apiError.validation);
  if (variables !== undefined && !isObject(variables)) throw apiError.validation('variables must be a JSON object');
  if (req.mock?.result !== undefined && req.mock.errorOutput !== undefined) throw apiError.validation('mock: give result or errorOutput, not both');
  const mock = req.mock?.result !== undefined ? { ok: true as const, output: parseJson(req.mock.result, 'mock.result', apiError.validation) } : req.mock?.errorOutput ? { ok: false as const, error: req.mock.errorOutput.error ?? '', cause: req.mock.errorOutput.cause } : undefined;
  if (mock && state.Type !== 'Task') throw apiError.validation(`mock: Stepwright mocks Task states only (this state is a ${String(state.Type)})`);

  const { state: isolated, stubs } = isolate(state, language);
  const definition = definitionFor(name, isolated, stubs, variables);
  const trace: TaskTrace = {};
  const run = await runOnce(deps, definition, input, name, mock, trace, req.roleArn);

  const out: TestStateResponse = { status: 'SUCCEEDED' };
  const taskError = trace.result && !trace.result.ok ? trace.result : undefined;
  const retriers = state.Retry as Parameters<typeof findRetrier>[0];
  const retryIndex = taskError ? findRetrier(retriers, taskError.error, true) : -1;
  const retryCount = req.stateConfiguration?.retrierRetryCount ?? 0;
  const errorDetails: InspectionData['errorDetails'] = {};
  const stub = run.stubEntered ? stubs.get(run.stubEntered) : undefined;
  if (taskError && retryIndex >= 0 && retryCount < (retriers![retryIndex].MaxAttempts ?? 3)) {
    Object.assign(out, { status: 'RETRIABLE', error: taskError.error, cause: taskError.cause });
    errorDetails.retryIndex = retryIndex;
    errorDetails.retryBackoffIntervalSeconds = retryDelaySeconds(retriers![retryIndex], retryCount, () => 1);
  } else if (run.snapshot.status === 'FAILED') {
    Object.assign(out, { status: 'FAILED', error: run.snapshot.error, cause: run.snapshot.cause });
  } else if (stub?.catchIndex !== undefined) {
    Object.assign(out, { status: 'CAUGHT_ERROR', error: taskError?.error, cause: taskError?.cause, nextState: stub.next, output: JSON.stringify(run.snapshot.output) });
    errorDetails.catchIndex = stub.catchIndex;
  } else {
    Object.assign(out, { output: JSON.stringify(run.snapshot.output), nextState: stub?.next });
  }
  if (level !== 'INFO') {
    out.inspectionData = await inspect(state, name, language, input, variables ?? {}, trace, level, deps);
    if (Object.keys(errorDetails).length > 0) out.inspectionData.errorDetails = errorDetails;
  }
  return out;
}

/** Drives the interpreter to the end of the small definition: tasks answered at once, waits skipped. */
async function runOnce(deps: EngineDeps, definition: StateMachineDefinition, input: unknown, name: string, mock: TaskTrace['result'], trace: TaskTrace, roleArn: string | undefined): Promise<{ snapshot: ExecutionSnapshot; stubEntered?: string }> {
  const id = randomUUID();
  const stateMachineArn = `arn:aws:states:${deps.region}:${deps.accountId}:stateMachine:TestState`;
  const executionArn = `arn:aws:states:${deps.region}:${deps.accountId}:execution:TestState:${id}`;
  const taskTokens = await taskTokensOf(deps);
  const history: HistoryEvent[] = [];
  const pending: IncomingEvent[] = [];
  let snapshot: ExecutionSnapshot | undefined;
  const apply = async (event: IncomingEvent) => {
    const r = await advance(definition, snapshot, event, deps.clock.now(), { random: deps.random, taskTokens });
    snapshot = r.snapshot;
    history.push(...r.events);
    for (const effect of r.effects) await carryOut(effect);
  };
  const carryOut = async (e: Effect) => {
    if (e.type === 'SetTimer' && e.purpose === 'wait') pending.push({ type: 'TimerFired', token: e.token });
    if (e.type !== 'InvokeTask') return;
    let outcome: NonNullable<TaskTrace['result']>;
    if (e.stateName === name && mock) outcome = mock;
    else outcome = await deps.invoker.invoke({ resource: e.resource, input: e.input, executionArn, stateName: e.stateName, attempt: e.attempt, taskToken: e.taskToken, idempotencyKey: `${id}:${e.attempt}`, timeoutSeconds: e.timeoutSeconds });
    if (e.stateName === name) Object.assign(trace, { input: e.input, result: outcome });
    pending.push(outcome.ok ? { type: 'TaskSucceeded', token: e.token, output: outcome.output } : { type: 'TaskFailed', token: e.token, error: outcome.error, cause: outcome.cause });
  };
  await apply({
    type: 'StartExecution',
    execution: { arn: executionArn, name: id, input, startTime: deps.clock.now().toISOString(), roleArn: roleArn ?? `arn:aws:iam::${deps.accountId}:role/stepwright-test-state`, stateMachineArn, stateMachineName: 'TestState' },
  });
  for (let next = pending.shift(); next && snapshot!.status === 'RUNNING'; next = pending.shift()) await apply(next);
  const entered = history.filter((e) => e.type.endsWith('StateEntered')).map((e) => (e.stateEnteredEventDetails as { name: string }).name);
  return { snapshot: snapshot!, stubEntered: entered.find((n) => n.startsWith(STUB) && n !== VARIABLES_STATE) };
}

/** DEBUG: each step of the state's data processing; TRACE adds an HTTP task's request and response. */
async function inspect(state: Json, name: string, language: string, input: unknown, variables: Json, trace: TaskTrace, level: InspectionLevel, deps: EngineDeps): Promise<InspectionData> {
  const text = (v: unknown) => JSON.stringify(v);
  const env: StateEnv = {
    language: language as StateEnv['language'],
    stateName: name,
    rawInput: input,
    context: { State: { Name: name }, StateMachine: { Name: 'TestState' } },
    lookupVariable: (v) => (Object.prototype.hasOwnProperty.call(variables, v) ? { found: true, value: variables[v] } : { found: false }),
    visibleVariables: () => variables,
    random: deps.random,
    nowMillis: deps.clock.now().getTime(),
  };
  const data: InspectionData = { input: text(input) };
  if (Object.keys(variables).length > 0) data.variables = text(variables);
  const paths = language !== 'JSONata';
  try {
    if (paths) data.afterInputPath = text(applyInputPath(state, env));
    const effective = trace.input !== undefined ? trace.input : await effectiveInput(state, env);
    data[paths ? 'afterParameters' : 'afterArguments'] = text(effective);
    const result = state.Type === 'Task' ? (trace.result?.ok ? trace.result.output : undefined) : state.Type === 'Pass' ? (state.Result ?? effective) : undefined;
    if (result !== undefined) {
      data.result = text(result);
      if (paths) {
        const { output, selected } = await resultToOutput({ ...state, OutputPath: undefined }, env, result);
        data.afterResultSelector = text(selected);
        data.afterResultPath = text(output);
      }
    }
  } catch {
    // a path that fails here failed the state too: its error is the answer's error; inspection stops at the last step that worked
  }
  if (level === 'TRACE' && HTTP_INVOKE.test(String(state.Resource)) && isObject(trace.input)) {
    const p = trace.input;
    data.request = { protocol: 'https', method: scalar(p.Method), url: scalar(p.ApiEndpoint), headers: text(p.Headers ?? {}), body: text(p.RequestBody ?? '') };
    const r = trace.result?.ok && isObject(trace.result.output) ? trace.result.output : undefined;
    if (r) data.response = { protocol: 'https', statusCode: scalar(r.StatusCode), statusMessage: scalar(r.StatusText), headers: text(r.Headers ?? {}), body: text(r.ResponseBody ?? '') };
  }
  return data;
}
