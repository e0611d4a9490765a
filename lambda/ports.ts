/**
 * The interfaces the durable engine needs from the outside world. AWS adapters (lambda/aws) and the
 * local runtime (lambda/local) implement them; lambda/runtime uses only these.
 *
 *   API handler -> ExecutionStore.createExecution + WorkQueue.send(start)
 *   worker      -> ExecutionStore.getExecution -> interpreter.advance -> ExecutionStore.updateExecution
 *                  -> (outbox) ExecutionStore.appendHistory + WorkQueue.send + TaskInvoker.invoke
 */
import type { HistoryEvent } from './engine/history';
import type { Effect, ExecutionInfo, ExecutionLimits, ExecutionSnapshot, ExecutionStatus, IncomingEvent } from './engine/types';

// ------------------------------------------------------------------ records

export interface StateMachineRecord {
  name: string;
  arn: string;
  /** the ASL definition as JSON text, exactly as the user sent it */
  definition: string;
  roleArn: string;
  /** Step Functions' two types: EXPRESS runs start to end in one invocation, keeping no per-step state (runtime/express.ts) */
  type: 'STANDARD' | 'EXPRESS';
  status: 'ACTIVE';
  creationDate: string;
  updateDate?: string;
  /** changes on every update; executions pin the revision they started with */
  revisionId: string;
  description?: string;
  /** Stepwright's per-machine settings, beyond what Step Functions offers */
  settings?: StateMachineSettings;
}

/** How an execution name may be used again (AWS: never within 90 days). */
export type NamePolicy = 'unique-while-retained' | 'unique-forever' | 'reusable-after-finish';

export interface StateMachineSettings {
  /** how long a finished execution and its history are kept, in days; 'forever' keeps them (default 90, like AWS) */
  retentionDays?: number | 'forever';
  namePolicy?: NamePolicy;
  /** the runaway guard */
  limits?: ExecutionLimits;
  /**
   * Step Functions' loggingConfiguration (CreateStateMachine/UpdateStateMachine, or the construct's
   * `logs`): which history events the worker also writes to a CloudWatch Logs group
   * (runtime/execution-logging.ts). Kept with the settings so the deploy's registration carries it.
   */
  loggingConfiguration?: LoggingConfiguration;
}

/** As the Step Functions API's LoggingConfiguration (level ALL, ERROR, FATAL or OFF; one destination). */
export interface LoggingConfiguration {
  level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF';
  includeExecutionData: boolean;
  destinations?: { cloudWatchLogsLogGroup: { logGroupArn: string } }[];
}

export const DEFAULT_RETENTION_DAYS = 90;

/** Work done by one advance that must reach the outside world after the snapshot is stored. */
export interface Outbox {
  events: HistoryEvent[];
  messages: OutgoingMessage[];
  /** spread fan-out work (create children, stop them, redrive them), done before the messages are sent */
  fanOuts?: FanOutOrder[];
  /**
   * The committing worker runs this task attempt itself, right after the commit (runtime/inline-task.ts),
   * instead of sending its invoke message: this commit is the attempt's claim. Anyone else who flushes
   * the outbox sends the invoke delayed until `leaseUntil` (sooner when `holder`, the local runtime's
   * process id, is not the flusher's: that process died), as a claim held by a dead worker would make it wait.
   */
  inline?: InlineTaskClaim;
}

export interface InlineTaskClaim {
  /** the task attempt's token (the invoke message in `messages` with this token is the one run inline) */
  token: string;
  /** epoch ms: the claim's lease, the task's timeout plus a margin (as a claim item's) */
  leaseUntil: number;
  /** the sole claim holder (EngineDeps.soleClaimHolder) that committed it, locally */
  holder?: string;
}

export type FanOutOrder = Extract<Effect, { type: 'SpawnChildren' | 'StopChildren' | 'RedriveChildren' }>;

/**
 * A spread child's tie to its parent: a Map item or Parallel branch that runs as an execution of
 * its own, under `${fanId}/${index}`.
 */
export interface ChildLink {
  /** the record of the execution (or child) that spread it */
  parentArn: string;
  fanId: string;
  /** the parent's wait token for this fan-out */
  token: string;
  kind: 'map' | 'parallel';
  index: number;
  total: number;
  /** the fan-out's MaxConcurrency (0: all at once) */
  maxConcurrency: number;
  /** the sibling this one starts when it ends (MaxConcurrency: a window that slides by one) */
  next?: number;
  /** the parent's redrive count when this child was (re)started: its fan-in counts under it */
  generation: number;
  /** the generation in which this child was last redriven (a duplicate start does not redrive twice) */
  redrivenGeneration?: number;
  machinePath: string[];
  outerVariables?: Record<string, unknown>;
  /** the parent execution's $$.Execution, without its input (read from the root execution's record) */
  execution: Omit<ExecutionInfo, 'input'>;
  limits?: ExecutionLimits;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  /** the state machine revision this execution runs (definitions change; executions do not) */
  revisionId: string;
  name: string;
  status: ExecutionStatus;
  /** the execution input as JSON text */
  input: string;
  startDate: string;
  stopDate?: string;
  /** JSON text, when SUCCEEDED */
  output?: string;
  error?: string;
  cause?: string;
  traceId?: string;
  /** retention fixed when the execution started (null: forever); the store turns it into a TTL */
  retentionSeconds?: number | null;
  /** optimistic concurrency: every successful update increments it by one */
  version: number;
  /** when the record was last written (set by the store on every write; the reconciler's measure of progress) */
  updatedAt?: string;
  /** the interpreter's state; absent until the worker has started the execution */
  snapshot?: ExecutionSnapshot;
  /** effects of the last committed advance that may not have reached the outside world yet */
  outbox?: Outbox;
  /** set on a spread child (a Map item or Parallel branch run as an execution of its own) */
  child?: ChildLink;
  /** set on an execution started by a `states:startExecution.sync` (or `.sync:2`) task: its end answers that task */
  startedBy?: ParentTaskLink;
}

/** The parent's task waiting on a nested execution (runtime/integrations/start-execution-sync.ts). */
export interface ParentTaskLink {
  executionArn: string;
  /** the parent's wait token for that task attempt */
  token: string;
  /** 'sync': Output as JSON text, as DescribeExecution gives it; 'sync:2': Output parsed */
  pattern: 'sync' | 'sync:2';
}

/** An activity (CreateActivity): a name that activity workers poll with GetActivityTask. */
export interface ActivityRecord {
  activityArn: string;
  name: string;
  creationDate: string;
}

/** A job waiting for an activity worker: a Task state whose Resource is the activity's ARN. */
export interface ActivityTask {
  activityArn: string;
  /** the task token the worker answers with (SendTaskSuccess/Failure/Heartbeat) */
  taskToken: string;
  /** the execution (record) and its wait token, to tell whether the task is still wanted */
  executionArn: string;
  token: string;
  /** the effective input as JSON text */
  input: string;
  /** when it was queued (ISO): the oldest task is handed out first */
  enqueuedAt: string;
  /** how long it may wait for a worker, in seconds (its TimeoutSeconds; then it is dropped) */
  ttlSeconds?: number;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * A store's listing refused its query. The store's own errors, not the API's: the runtime, which knows
 * the caller, turns them into InvalidToken / ValidationException (runtime/api-errors.ts, pageErrorsAsApi).
 */
export class InvalidPageToken extends Error {
  override name = 'InvalidPageToken';
  /** `token`: as given; malformed, or a token of another listing (another execution, another filter) */
  constructor(readonly token: string) {
    super(`Invalid Token: '${token}'`);
  }
}

export class InvalidPageSize extends Error {
  override name = 'InvalidPageSize';
  constructor(readonly maxResults: number, readonly max: number) {
    super(`maxResults must be an integer between 0 and ${max}`);
  }
}

/** The largest page the Step Functions API takes, and its page when maxResults is 0 or absent. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** maxResults as the Step Functions API reads it (every listing, whoever serves it): 0 or absent is 100; at most 1000. */
export function pageSizeOf(maxResults: number | undefined): number {
  if (maxResults === undefined || maxResults === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > MAX_PAGE_SIZE) throw new InvalidPageSize(maxResults, MAX_PAGE_SIZE);
  return maxResults;
}

export interface HistoryQuery {
  maxResults?: number;
  nextToken?: string;
  reverseOrder?: boolean;
}

export interface ExecutionListQuery {
  statusFilter?: ExecutionStatus;
  maxResults?: number;
  nextToken?: string;
}

/** What ListExecutions shows of an execution. */
export type ExecutionSummary = Pick<ExecutionRecord, 'executionArn' | 'stateMachineArn' | 'name' | 'status' | 'startDate' | 'stopDate'>;

// ------------------------------------------------------------------ ports

export interface ExecutionStore {
  /** Creates, or replaces when `replace` is set; returns false when it exists and `replace` is not set. */
  putStateMachine(sm: StateMachineRecord, opts?: { replace?: boolean }): Promise<boolean>;
  getStateMachine(arn: string): Promise<StateMachineRecord | undefined>;
  listStateMachines(query?: { maxResults?: number; nextToken?: string }): Promise<Page<StateMachineRecord>>;
  deleteStateMachine(arn: string): Promise<void>;
  /** Every revision's definition is kept so running executions keep the one they started with. */
  getDefinitionRevision(stateMachineArn: string, revisionId: string): Promise<string | undefined>;

  /** Conditional put on the execution ARN (the name is the idempotency key): false when it already exists. */
  createExecution(exec: ExecutionRecord): Promise<boolean>;
  /** Strongly consistent read. */
  getExecution(executionArn: string): Promise<ExecutionRecord | undefined>;
  /** Writes `exec` (with exec.version = expectedVersion + 1) only if the stored version is expectedVersion. */
  updateExecution(exec: ExecutionRecord, expectedVersion: number): Promise<boolean>;
  listExecutions(stateMachineArn: string, query?: ExecutionListQuery): Promise<Page<ExecutionSummary>>;

  /**
   * Claims the right to invoke one task attempt (token) for `leaseSeconds`: a duplicate delivery of
   * the same invoke message finds the claim and does not invoke again; after a crash the lease runs
   * out and the redelivered message may invoke (the documented crash window). `soleHolder`: the caller
   * is the only process that can hold claims (the local runtime, one process per data folder): a claim
   * held under another holder id was left by a process that died, and is taken over at once.
   */
  claimTask(executionArn: string, token: string, leaseSeconds: number, soleHolder?: string): Promise<boolean>;

  /**
   * Records a claim on a task attempt that its worker took without a claim item (the commit of an
   * inline task, Outbox.inline), until `leaseUntil` (epoch ms), so that a later invoke message for it
   * waits out that lease as for any claim. Keeps a claim that exists already.
   */
  holdClaim(executionArn: string, token: string, leaseUntil: number): Promise<void>;

  /**
   * Reserves an execution name for good (the 'unique-forever' name policy): false, with the hash of
   * the input it was first used with, when it was reserved before.
   */
  reserveName(stateMachineArn: string, name: string, inputHash: string): Promise<{ reserved: boolean; inputHash?: string }>;

  /** Strongly consistent reads of many records, in the order asked (undefined where one is missing). */
  getExecutions(executionArns: string[]): Promise<(ExecutionRecord | undefined)[]>;

  /**
   * Adds `member` to the number set stored under `key` (idempotent: adding it twice changes nothing)
   * and returns the set's size after. The fan-in counter of spread fan-outs; `expiresAt` (epoch s) lets it go.
   */
  addToSet(key: string, member: number, expiresAt?: number): Promise<number>;

  /** Idempotent: an event with an id already stored is overwritten with the same content. */
  appendHistory(executionArn: string, events: HistoryEvent[]): Promise<void>;
  getHistory(executionArn: string, query?: HistoryQuery): Promise<Page<HistoryEvent>>;

  /** Activities (runtime/activities.ts). Creates; false when an activity with that ARN exists. */
  putActivity(activity: ActivityRecord): Promise<boolean>;
  getActivity(activityArn: string): Promise<ActivityRecord | undefined>;
  listActivities(query?: { maxResults?: number; nextToken?: string }): Promise<Page<ActivityRecord>>;
  deleteActivity(activityArn: string): Promise<void>;
  /**
   * Queues a task for the activity's workers, once per (executionArn, token): queuing the same task
   * attempt again (a redelivered invoke) changes nothing, even after a worker has taken it.
   */
  enqueueActivityTask(task: ActivityTask): Promise<void>;
  /** Takes the oldest queued task of the activity (no other caller gets it), or undefined when none waits. */
  takeActivityTask(activityArn: string): Promise<ActivityTask | undefined>;
}

/** A message on the work queue. Every kind is safe to deliver twice. */
export type WorkMessage =
  /** begin an execution whose record the API has written */
  | { kind: 'start'; executionArn: string }
  /** hand an event to the interpreter; `notBefore` re-delays a timer longer than the queue's limit */
  | { kind: 'event'; executionArn: string; event: IncomingEvent; notBefore?: string }
  /** invoke a task and feed its answer back */
  | { kind: 'invoke'; executionArn: string; task: Extract<Effect, { type: 'InvokeTask' }> }
  /** a spread child (executionArn) has ended: count it at its parent's fan-in, start its successor */
  | { kind: 'fanIn'; executionArn: string; generation: number }
  /** start a spread child, or redrive it when it ran before (a redriven parent) */
  | { kind: 'startChild'; executionArn: string }
  /** every child of a spread fan-out has ended: gather their results for the parent (executionArn) */
  | { kind: 'collect'; executionArn: string; fanId: string; token: string; total: number; generation: number }
  /**
   * look for work a crash left undone on this execution (an outbox not flushed, a start not sent) and do
   * it; sent delayed, before a commit made outside a work message (API answers, stops, redrives)
   */
  | { kind: 'reconcile'; executionArn: string; staleAfterSeconds?: number }
  /** a nested execution started by a `.sync` task (executionArn) has ended: answer that task in its parent */
  | { kind: 'answerParent'; executionArn: string };

export interface OutgoingMessage {
  body: WorkMessage;
  /** 0..900 (SQS's limit), may be fractional (SQS rounds up; the local queue keeps it); longer waits re-delay through `notBefore` */
  delaySeconds?: number;
}

export interface WorkQueue {
  send(messages: OutgoingMessage[]): Promise<void>;
  /**
   * Makes a message the worker has been handed (by its receipt handle) visible again `seconds` from
   * now, rather than when the queue's visibility timeout ends (SQS ChangeMessageVisibility): a failed
   * message is retried after a short backoff. Optional: without it, failures wait out the timeout.
   */
  retryAfter?(receiptHandle: string, seconds: number): Promise<void>;
}

export interface TaskRequest {
  resource: string;
  input: unknown;
  executionArn: string;
  stateName: string;
  attempt: number;
  taskToken?: string;
  /** stable per attempt: a task that runs twice in a crash window can tell */
  idempotencyKey: string;
  traceId?: string;
  timeoutSeconds?: number;
}

export type TaskOutcome = { ok: true; output: unknown } | { ok: false; error: string; cause?: string };

export interface TaskInvoker {
  invoke(request: TaskRequest): Promise<TaskOutcome>;
  /**
   * The longest a task of this resource can run, in seconds (a Lambda function's configured timeout),
   * or undefined when unknown. A worker runs a task inline only when its invocation has that much time
   * left (runtime/inline-task.ts). Optional: a local invoker has no time limit to respect.
   */
  longestRunSeconds?(request: Pick<TaskRequest, 'resource' | 'input' | 'executionArn'>): Promise<number | undefined>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
