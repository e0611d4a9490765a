/**
 * The Step Functions API operations, independent of transport: the API handler maps both the REST
 * routes and the JSON protocol (X-Amz-Target) onto these. Request and response shapes follow AWS's
 * (camelCase fields, epoch-seconds dates are the transport's business: here dates are ISO strings).
 */
import { forgetStartMachine, machineForStart } from './start-machines';
import { randomUUID } from 'node:crypto';
import { validateDefinition, formatIssues } from '../asl/validate';
import { unsupportedTaskResources } from './integrations/support';
import { sdkClientCheckOf } from './integrations/service-caller';
import { mapRunArnOf, roleArnIn } from '../engine/arns';
import { taskTokensOf } from './task-tokens';
import { DEFAULT_MAX_STATE_VISITS, DEFAULT_MAX_TRANSITIONS, NO_LIMIT } from '../engine/limits';
import { definitionFor } from './advance-execution';
import { MAX_DATA_DEPTH, MAX_PAYLOAD_BYTES, exceedsDepth, measureJson } from '../engine/limits';
import type { HistoryEvent } from '../engine/history';
import type { ExecutionRecord, ExecutionSummary, NamePolicy, Page, StateMachineRecord, StateMachineSettings } from '../ports';
import { retentionSecondsOf } from './retention';
import { createExecutionRecord } from './execution-names';
import { redriveProblems } from '../engine/redrive';
import type { ExecutionStatus } from '../engine/types';
import { applyEvent, writeOutboxForReaders } from './advance-execution';
import { startRun } from './start-run';
import { historyViewPage, mayHaveSpread } from './history-view';
import { ApiError, apiError, pageErrorsAsApi } from './api-errors';
import { arnPrefix, reconcileAfterMs, type EngineDeps } from './deps';
import { MAX_QUEUE_DELAY_SECONDS } from './effects';
import { checkLoggingConfiguration } from './execution-logging';

// AWS: 1-80 characters, no whitespace, brackets, wildcards, special or control characters.
export const VALID_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !VALID_NAME.test(name)) throw apiError.invalidName(name);
  return name;
}

export function stateMachineArnFor(deps: EngineDeps, name: string): string {
  return `${arnPrefix(deps)}:stateMachine:${name}`;
}

export function executionArnFor(deps: EngineDeps, stateMachineName: string, name: string): string {
  return `${arnPrefix(deps)}:execution:${stateMachineName}:${name}`;
}

function nameFromArn(arn: string, kind: 'stateMachine' | 'execution' | 'express'): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== kind) return undefined;
  return kind === 'stateMachine' ? parts[6] : parts.slice(6).join(':');
}

function checkDefinition(definition: unknown, deps: EngineDeps): string {
  if (typeof definition !== 'string') throw apiError.invalidDefinition("Invalid State Machine Definition: 'definition' must be a JSON string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (e) {
    throw apiError.invalidDefinition(`Invalid State Machine Definition: 'definition' is not valid JSON: ${(e as Error).message}`);
  }
  // what AWS would refuse, then what Stepwright cannot run (named at its Resource, never at run time)
  const issues = [...validateDefinition(parsed), ...unsupportedTaskResources(parsed, { sdkClientInstalled: sdkClientCheckOf(deps.invoker) })];
  if (issues.length) throw apiError.invalidDefinition(`Invalid State Machine Definition: '${formatIssues(issues).split('\n').join("', '")}'`);
  return definition;
}

// ------------------------------------------------------------------ state machines

export interface CreateStateMachineInput {
  name: string;
  definition: string;
  roleArn?: string;
  type?: string;
  description?: string;
  /** Stepwright's per-machine settings (retention, name policy, runaway guard) */
  settings?: unknown;
  /** Step Functions' loggingConfiguration (checked by runtime/execution-logging.ts; kept in the settings) */
  loggingConfiguration?: unknown;
}

/**
 * The request's settings checked, with its loggingConfiguration in them (the stored one when the
 * request has none). The REST routes carry it inside `settings` (as GET /state-machines/{name} shows
 * it), the JSON protocol as its own member.
 */
function settingsWithLogging(rawSettings: unknown, requested: unknown, stored: StateMachineSettings | undefined): StateMachineSettings | undefined {
  let raw = rawSettings;
  let inSettings: unknown;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'loggingConfiguration' in raw) {
    ({ loggingConfiguration: inSettings, ...raw } = raw as Record<string, unknown>);
  }
  const settings = rawSettings === undefined ? stored && { ...stored, loggingConfiguration: undefined } : checkSettings(raw);
  const logging = checkLoggingConfiguration(requested ?? inSettings) ?? stored?.loggingConfiguration;
  const out = logging ? { ...settings, loggingConfiguration: logging } : settings;
  return out && JSON.parse(JSON.stringify(out)) as StateMachineSettings; // no undefined members stored
}

const NAME_POLICIES = ['unique-while-retained', 'unique-forever', 'reusable-after-finish'];

/** Checks the settings object field by field, naming the field that is wrong. */
export function checkSettings(value: unknown): StateMachineSettings | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw apiError.validation('settings must be an object');
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!['retentionDays', 'namePolicy', 'limits'].includes(key)) throw apiError.validation(`settings.${key} is not a known setting (retentionDays, namePolicy, limits)`);
  const out: StateMachineSettings = {};
  if (v.retentionDays !== undefined) {
    if (v.retentionDays !== 'forever' && !(typeof v.retentionDays === 'number' && v.retentionDays > 0)) throw apiError.validation('settings.retentionDays must be a positive number of days or "forever"');
    out.retentionDays = v.retentionDays;
  }
  if (v.namePolicy !== undefined) {
    if (typeof v.namePolicy !== 'string' || !NAME_POLICIES.includes(v.namePolicy)) throw apiError.validation(`settings.namePolicy must be one of ${NAME_POLICIES.join(', ')}`);
    out.namePolicy = v.namePolicy as NamePolicy;
  }
  if (v.limits !== undefined) {
    if (typeof v.limits !== 'object' || v.limits === null || Array.isArray(v.limits)) throw apiError.validation('settings.limits must be an object');
    const limits: Record<string, number | 'none'> = {};
    for (const [k, n] of Object.entries(v.limits as Record<string, unknown>)) {
      if (!['maxTransitions', 'maxDurationSeconds', 'maxStateVisits'].includes(k)) throw apiError.validation(`settings.limits.${k} is not a known limit (maxTransitions, maxDurationSeconds, maxStateVisits)`);
      // The guard is on by default; turning a limit off is a choice made in words, never by a null or a 0.
      const defaultOf = LIMIT_DEFAULTS[k];
      if (n === NO_LIMIT && defaultOf !== undefined) {
        limits[k] = n;
        continue;
      }
      if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
        throw apiError.validation(defaultOf !== undefined
          ? `settings.limits.${k} must be a positive integer, or "${NO_LIMIT}" for no limit (leave it out for the default, ${defaultOf}); got ${JSON.stringify(n)}`
          : `settings.limits.${k} must be a positive integer; got ${JSON.stringify(n)}`);
      }
      limits[k] = n;
    }
    if (typeof limits.maxDurationSeconds === 'number' && limits.maxDurationSeconds > ONE_YEAR_SECONDS) throw apiError.validation(`settings.limits.maxDurationSeconds may be at most one year (${ONE_YEAR_SECONDS})`);
    out.limits = limits;
  }
  return out;
}

/** The limits that have a default (and so may be turned off with "none"). */
const LIMIT_DEFAULTS: Record<string, number | undefined> = { maxTransitions: DEFAULT_MAX_TRANSITIONS, maxStateVisits: DEFAULT_MAX_STATE_VISITS };

/** AWS's ceiling on an execution's duration, applied when a machine sets no lower one. */
export const ONE_YEAR_SECONDS = 365 * 86400;

export async function createStateMachine(deps: EngineDeps, input: CreateStateMachineInput): Promise<{ stateMachineArn: string; creationDate: string }> {
  const name = checkName(input.name);
  if (input.type !== undefined && input.type !== 'STANDARD' && input.type !== 'EXPRESS') throw apiError.validation(`type '${input.type}' is not supported; Stepwright runs STANDARD and EXPRESS state machines`);
  const type: StateMachineRecord['type'] = input.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
  const definition = checkDefinition(input.definition, deps);
  const arn = stateMachineArnFor(deps, name);
  const existing = await deps.store.getStateMachine(arn);
  if (existing) {
    // AWS: creating the same machine again is idempotent; a different one is a conflict.
    if (existing.definition === definition && (input.roleArn ?? existing.roleArn) === existing.roleArn && type === existing.type) return { stateMachineArn: arn, creationDate: existing.creationDate };
    throw apiError.stateMachineAlreadyExists(arn);
  }
  const record: StateMachineRecord = {
    name,
    arn,
    definition,
    roleArn: input.roleArn ?? roleArnIn(deps.region, deps.accountId, 'stepwright-execution'),
    type,
    status: 'ACTIVE',
    creationDate: deps.clock.now().toISOString(),
    revisionId: randomUUID(),
    description: input.description,
    settings: settingsWithLogging(input.settings, input.loggingConfiguration, undefined),
  };
  if (!(await deps.store.putStateMachine(record))) throw apiError.stateMachineAlreadyExists(arn);
  forgetStartMachine(deps, arn);
  return { stateMachineArn: arn, creationDate: record.creationDate };
}

export async function requireStateMachine(deps: EngineDeps, arn: unknown): Promise<StateMachineRecord> {
  if (typeof arn !== 'string' || !nameFromArn(arn, 'stateMachine')) throw apiError.invalidArn('stateMachineArn', arn);
  const sm = await deps.store.getStateMachine(arn);
  if (!sm) throw apiError.stateMachineDoesNotExist(arn);
  return sm;
}

export async function updateStateMachine(deps: EngineDeps, input: { stateMachineArn: string; definition?: string; roleArn?: string; settings?: unknown; loggingConfiguration?: unknown }): Promise<{ updateDate: string; revisionId: string }> {
  const sm = await requireStateMachine(deps, input.stateMachineArn);
  const definition = input.definition === undefined ? sm.definition : checkDefinition(input.definition, deps);
  // new settings replace the old, but keep the logging configuration unless one is given
  const settings = settingsWithLogging(input.settings, input.loggingConfiguration, sm.settings);
  const updated: StateMachineRecord = { ...sm, definition, settings, roleArn: input.roleArn ?? sm.roleArn, updateDate: deps.clock.now().toISOString(), revisionId: randomUUID() };
  await deps.store.putStateMachine(updated, { replace: true });
  forgetStartMachine(deps, updated.arn);
  return { updateDate: updated.updateDate!, revisionId: updated.revisionId };
}

export async function deleteStateMachine(deps: EngineDeps, arn: string): Promise<void> {
  if (typeof arn !== 'string' || !nameFromArn(arn, 'stateMachine')) throw apiError.invalidArn('stateMachineArn', arn);
  await deps.store.deleteStateMachine(arn);
  forgetStartMachine(deps, arn);
}

export async function listStateMachines(deps: EngineDeps, q: { maxResults?: number; nextToken?: string } = {}): Promise<Page<StateMachineRecord>> {
  return pageErrorsAsApi(deps.store.listStateMachines(q));
}

// ------------------------------------------------------------------ executions

export interface StartExecutionInput {
  stateMachineArn: string;
  name?: string;
  input?: string;
  traceHeader?: string;
  /** a `.sync` task starting this execution: the execution's end answers it (integrations/start-execution-sync.ts) */
  startedBy?: ExecutionRecord['startedBy'];
}

export async function startExecution(deps: EngineDeps, req: StartExecutionInput): Promise<{ executionArn: string; startDate: string }> {
  const { sm, name, inputText, build } = await prepareExecution(deps, req);
  const outcome = await createExecutionRecord(deps, sm.settings?.namePolicy, executionArnFor(deps, sm.name, name), inputText, build);
  const rec = outcome.record;
  deps.fault?.('after-put'); // the API dying here leaves a record without a start message: the reconciler sends it
  // An existing execution that was never started: the first call may have died before sending its
  // start message; sending again is harmless.
  if (outcome.kind === 'created' || !rec.snapshot) await deps.queue.send([{ body: { kind: 'start', executionArn: rec.executionArn } }]);
  return { executionArn: rec.executionArn, startDate: rec.startDate };
}

/** A start request checked (machine, name, input) and the record it makes: StartExecution's and StartSyncExecution's. */
export async function prepareExecution(deps: EngineDeps, req: StartExecutionInput): Promise<{ sm: StateMachineRecord; name: string; inputText: string; build: (executionArn: string) => ExecutionRecord }> {
  const sm = typeof req.stateMachineArn === 'string' ? await machineForStart(deps, req.stateMachineArn, () => requireStateMachine(deps, req.stateMachineArn)) : await requireStateMachine(deps, req.stateMachineArn);
  const name = req.name === undefined ? randomUUID() : checkName(req.name);
  const inputText = req.input === undefined ? '{}' : req.input;
  if (typeof inputText !== 'string') throw apiError.invalidExecutionInput('Invalid State Machine Execution Input: input must be a JSON string');
  // The size first (it costs nothing), then the JSON text: AWS's limit is on the UTF-8 text as sent.
  const inputBytes = Buffer.byteLength(inputText);
  if (inputBytes > MAX_PAYLOAD_BYTES) throw apiError.invalidExecutionInput(`Invalid State Machine Execution Input: the input is ${inputBytes} bytes of UTF-8, more than the ${MAX_PAYLOAD_BYTES} bytes (256 KiB) allowed`);
  let input: unknown;
  try {
    input = JSON.parse(inputText);
  } catch (e) {
    throw apiError.invalidExecutionInput(`Invalid State Machine Execution Input: '${(e as Error).message}'`);
  }
  // Checked without recursion: deeper data would break the engine's recursive walkers (RangeError) on every delivery.
  if (exceedsDepth(input)) throw apiError.invalidExecutionInput(`Invalid State Machine Execution Input: the input nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the limit is ${MAX_DATA_DEPTH})`);
  // The states measure the input as the engine writes it, where 1e5 becomes 100000: what is accepted
  // here must fit there too, or it would fail with States.DataLimitExceeded after being accepted.
  const written = measureJson(input, MAX_PAYLOAD_BYTES).bytes;
  if (written > MAX_PAYLOAD_BYTES) throw apiError.invalidExecutionInput(`Invalid State Machine Execution Input: written out as JSON (numbers in full), the input is more than the ${MAX_PAYLOAD_BYTES} bytes (256 KiB) allowed`);
  const startDate = deps.clock.now().toISOString();
  const traceId = req.traceHeader ?? `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const build = (executionArn: string): ExecutionRecord => ({
    executionArn,
    stateMachineArn: sm.arn,
    stateMachineName: sm.name,
    revisionId: sm.revisionId,
    name,
    status: 'RUNNING',
    input: inputText,
    startDate,
    traceId,
    // retention is fixed now: changing the machine's setting later affects new executions only
    retentionSeconds: retentionSecondsOf(sm.settings),
    version: 0,
    ...(req.startedBy ? { startedBy: req.startedBy } : {}),
  });
  return { sm, name, inputText, build };
}


export async function requireExecution(deps: EngineDeps, arn: unknown): Promise<ExecutionRecord> {
  // AWS's answer for an Express execution's ARN (arn:...:express:<machine>:<name>:<id>) outside StartSyncExecution
  if (typeof arn === 'string' && nameFromArn(arn, 'express')) throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: express' (executionArn '${arn}')`);
  if (typeof arn !== 'string' || !nameFromArn(arn, 'execution')) throw apiError.invalidArn('executionArn', arn);
  const rec = await deps.store.getExecution(arn);
  if (!rec) throw apiError.executionDoesNotExist(arn);
  return rec;
}

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  traceHeader?: string;
  redriveCount: number;
  /** when it was last redriven; absent until then (AWS returns none before the first redrive) */
  redriveDate?: string;
  redriveStatus: RedriveStatus;
  /** why not, when NOT_REDRIVABLE (AWS's wording) */
  redriveStatusReason?: string;
  /** a Map item run as a child execution: the Map Run it belongs to (AWS's field name) */
  mapRunArn?: string;
}

export type RedriveStatus = 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';

/**
 * DescribeExecution's redriveStatus: NOT_REDRIVABLE exactly when RedriveExecution would answer
 * ExecutionNotRedrivable (API reference, DescribeExecution). A failed child execution of a Map is
 * redriven through its parent (its Map Run): REDRIVABLE_BY_MAP_RUN. Stepwright keeps no 14-day window
 * (redriveExecution), so "Execution redrivable period exceeded." never applies.
 */
export function redriveStatusOf(rec: ExecutionRecord): { redriveStatus: RedriveStatus; redriveStatusReason?: string } {
  if (rec.status === 'RUNNING' || rec.status === 'SUCCEEDED') return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: `Execution is ${rec.status} and cannot be redriven.` };
  // Stepwright's own case, no AWS wording: it stopped before any state ran, so nothing is kept to continue from
  if (!rec.snapshot || Object.keys(rec.snapshot.runs).length === 0) return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution has no state to continue from and cannot be redriven.' };
  if (rec.child) return { redriveStatus: 'REDRIVABLE_BY_MAP_RUN' };
  return { redriveStatus: 'REDRIVABLE' };
}

export function describe(rec: ExecutionRecord): ExecutionDescription {
  const d: ExecutionDescription = {
    executionArn: rec.executionArn,
    stateMachineArn: rec.stateMachineArn,
    name: rec.name,
    status: rec.status,
    startDate: rec.startDate,
    input: rec.input,
    inputDetails: { included: true },
    redriveCount: rec.snapshot?.execution.redriveCount ?? 0,
    ...redriveStatusOf(rec),
  };
  if (rec.snapshot?.execution.redriveTime !== undefined) d.redriveDate = rec.snapshot.execution.redriveTime;
  if (rec.stopDate) d.stopDate = rec.stopDate;
  if (rec.output !== undefined) {
    d.output = rec.output;
    d.outputDetails = { included: true };
  }
  if (rec.error !== undefined) d.error = rec.error;
  if (rec.cause !== undefined) d.cause = rec.cause;
  if (rec.traceId) d.traceHeader = rec.traceId;
  if (rec.child?.kind === 'map') d.mapRunArn = mapRunArnOf(rec.child.fanId);
  return d;
}

export async function describeExecution(deps: EngineDeps, arn: string): Promise<ExecutionDescription> {
  return describe(await requireExecution(deps, arn));
}

export async function listExecutions(deps: EngineDeps, q: { stateMachineArn: string; statusFilter?: ExecutionStatus; maxResults?: number; nextToken?: string }): Promise<Page<ExecutionSummary>> {
  const sm = await requireStateMachine(deps, q.stateMachineArn);
  return pageErrorsAsApi(deps.store.listExecutions(sm.arn, { statusFilter: q.statusFilter, maxResults: q.maxResults, nextToken: q.nextToken }));
}

export async function getExecutionHistory(
  deps: EngineDeps,
  q: { executionArn: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean; includeExecutionData?: boolean; refuseExpress?: boolean },
): Promise<Page<HistoryEvent>> {
  const rec = await requireExecution(deps, q.executionArn);
  // refuseExpress (the AWS API, JSON protocol): "not supported by EXPRESS state machines", their history
  // being in the log group only. Stepwright's REST route (the console's) shows what the log got. An
  // EXPRESS record never holds a snapshot, so only a snapshot-less record costs the machine's read.
  if (q.refuseExpress && !rec.snapshot && !rec.child && (await deps.store.getStateMachine(rec.stateMachineArn))?.type === 'EXPRESS') {
    throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: express' (${q.executionArn} is an execution of the EXPRESS state machine ${rec.stateMachineArn}; its history is in its log group at logging level ALL)`);
  }
  // A step's status and its events are committed together (the outbox) and the events written just after:
  // finish that first, so the history holds every event the described status implies (safe to repeat).
  await writeOutboxForReaders(deps, rec);
  // a spread fan-out's events are shown where AWS shows them (runtime/history-view.ts); other histories page in the store
  const query = { maxResults: q.maxResults, nextToken: q.nextToken, reverseOrder: q.reverseOrder };
  const page = await pageErrorsAsApi((await mayHaveSpread(deps, rec)) ? historyViewPage(deps, rec, query) : deps.store.getHistory(q.executionArn, query));
  if (q.includeExecutionData !== false) return page;
  return { ...page, items: page.items.map(withoutData) };
}

/** includeExecutionData=false: AWS drops inputs and outputs from the event details. */
function withoutData(e: HistoryEvent): HistoryEvent {
  const out: HistoryEvent = { ...e };
  for (const [k, v] of Object.entries(e)) {
    if (k.endsWith('EventDetails') && v && typeof v === 'object') {
      const d = { ...(v as Record<string, unknown>) };
      delete d.input;
      delete d.output;
      out[k] = d;
    }
  }
  return out;
}

export async function stopExecution(deps: EngineDeps, req: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: string }> {
  const rec = await requireExecution(deps, req.executionArn);
  if (rec.status === 'RUNNING') {
    if (!rec.snapshot) {
      // Not started by the worker yet: start it first so the history tells the whole story.
      await startRun(deps, rec.executionArn);
    }
    await sendWatchdog(deps, rec.executionArn);
    await applyEvent(deps, rec.executionArn, { type: 'StopExecution', error: req.error, cause: req.cause });
  }
  const after = await requireExecution(deps, req.executionArn);
  return { stopDate: after.stopDate ?? deps.clock.now().toISOString() };
}

// ------------------------------------------------------------------ task callbacks

/**
 * Sent before a commit made here, outside a work message: if this process dies between the commit and
 * the flush of its outbox, no redelivered message would finish it (a worker's message would). The
 * watchdog comes back after the reconcile bound and does what was left (runtime/reconciler.ts); after a
 * clean flush it finds nothing to do. An execution that stays RUNNING is also found by the sweep; this
 * covers the commits that end it (a task answer that completes it, a stop).
 */
async function sendWatchdog(deps: EngineDeps, executionArn: string): Promise<void> {
  const after = reconcileAfterMs(deps) / 1000;
  await deps.queue.send([{ body: { kind: 'reconcile', executionArn, staleAfterSeconds: after / 2 }, delaySeconds: Math.min(after, MAX_QUEUE_DELAY_SECONDS) }]);
}

async function answerTask(deps: EngineDeps, taskToken: unknown, event: (token: string) => Parameters<typeof applyEvent>[2]): Promise<void> {
  // 2,048: the API's limit on the field (the tokens issued are at most 1,024 characters).
  if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > 2048) throw apiError.invalidToken();
  // A token that does not carry this deployment's MAC, or was altered, answers nothing (a forged one made from an ARN).
  const parsed = (await taskTokensOf(deps)).verify(taskToken);
  if (!parsed) throw apiError.invalidToken();
  const rec = await deps.store.getExecution(parsed.executionArn);
  if (!rec) throw apiError.taskDoesNotExist();
  // A token that was answered already, or whose wait ended (timeout, stop), is "timed out" for AWS.
  const waiting = rec.status === 'RUNNING' && Object.values(rec.snapshot?.runs ?? {}).some((r) => r.waiting?.kind === 'task' && r.waiting.token === parsed.token);
  if (!waiting) throw apiError.taskTimedOut();
  const ev = event(parsed.token);
  if (ev.type !== 'TaskHeartbeat') await sendWatchdog(deps, parsed.executionArn);
  const outcome = await applyEvent(deps, parsed.executionArn, ev);
  if (outcome !== 'applied' && ev.type !== 'TaskHeartbeat') throw apiError.taskTimedOut();
}

export async function sendTaskSuccess(deps: EngineDeps, req: { taskToken: string; output: string }): Promise<void> {
  let output: unknown;
  try {
    output = JSON.parse(req.output);
  } catch (e) {
    // AWS answers a SendTaskSuccess whose output is not JSON with InvalidOutput.
    throw new ApiError('InvalidOutput', `Invalid State Machine Execution Output: '${(e as Error).message}'`);
  }
  if (Buffer.byteLength(req.output) > MAX_PAYLOAD_BYTES) throw apiError.validation(`output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  if (exceedsDepth(output)) throw new ApiError('InvalidOutput', `Invalid State Machine Execution Output: the output nests more than ${MAX_DATA_DEPTH} levels of objects and arrays (the limit is ${MAX_DATA_DEPTH})`);
  await answerTask(deps, req.taskToken, (token) => ({ type: 'TaskSucceeded', token, output }));
}

export async function sendTaskFailure(deps: EngineDeps, req: { taskToken: string; error?: string; cause?: string }): Promise<void> {
  await answerTask(deps, req.taskToken, (token) => ({ type: 'TaskFailed', token, error: req.error ?? 'States.TaskFailed', cause: req.cause }));
}

export async function sendTaskHeartbeat(deps: EngineDeps, req: { taskToken: string }): Promise<void> {
  await answerTask(deps, req.taskToken, (token) => ({ type: 'TaskHeartbeat', token }));
}

export function validateStateMachineDefinition(definition: unknown): { result: 'OK' | 'FAIL'; diagnostics: { severity: 'ERROR'; code: string; message: string; location: string }[] } {
  let parsed: unknown;
  try {
    parsed = typeof definition === 'string' ? JSON.parse(definition) : definition;
  } catch (e) {
    return { result: 'FAIL', diagnostics: [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: (e as Error).message, location: '' }] };
  }
  const issues = validateDefinition(parsed);
  return {
    result: issues.length ? 'FAIL' : 'OK',
    diagnostics: issues.map((i) => ({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: i.message, location: i.pointer })),
  };
}

// ------------------------------------------------------------------ redrive

/**
 * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution continues from the state that stopped
 * it, keeping what had succeeded (Map items that finished are not run again). No 14-day window:
 * any time while the execution is retained. With `useLatestDefinition`, it continues on the state
 * machine's current revision (AWS only redrives onto the same one), if that still has the states
 * the execution stopped in.
 */
export async function redriveExecution(deps: EngineDeps, req: { executionArn: string; useLatestDefinition?: boolean }): Promise<{ redriveDate: string }> {
  const rec = await requireExecution(deps, req.executionArn);
  if (rec.status === 'RUNNING' || rec.status === 'SUCCEEDED' || !rec.snapshot || Object.keys(rec.snapshot.runs).length === 0) {
    throw new ApiError('ExecutionNotRedrivable', `Execution ${rec.executionArn} is ${rec.status}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`);
  }
  let revisionId: string | undefined;
  if (req.useLatestDefinition) {
    const sm = await requireStateMachine(deps, rec.stateMachineArn);
    if (sm.revisionId !== rec.revisionId) {
      const problems = redriveProblems(await definitionFor(deps, { stateMachineArn: sm.arn, revisionId: sm.revisionId }), rec.snapshot);
      if (problems.length) throw new ApiError('ExecutionNotRedrivable', `The current definition cannot continue this execution: ${problems.join('; ')}`);
      revisionId = sm.revisionId;
    }
  }
  await sendWatchdog(deps, rec.executionArn);
  const outcome = await applyEvent(deps, rec.executionArn, { type: 'RedriveExecution' }, { revisionId });
  if (outcome !== 'applied') throw new ApiError('ExecutionNotRedrivable', `Execution ${rec.executionArn} cannot be redriven now`);
  return { redriveDate: deps.clock.now().toISOString() };
}
