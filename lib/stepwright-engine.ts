/**
 * StepwrightEngine: the durable engine in one construct. A DynamoDB table (executions, history,
 * state machines), an SQS work queue with its dead-letter queue, the worker Lambda (SQS batches),
 * the API Lambda behind an HTTP API (REST routes and the Step Functions JSON protocol), the
 * reconciler, log groups, alarms and a dashboard. `addStateMachine` registers state machines at
 * deploy time.
 *
 * Its parts are built by plain functions in the engine's own scope (so their logical ids are the
 * engine's): engine-storage.ts (table, queues), engine-functions.ts (worker, API function,
 * reconciler, task token secret), engine-http-api.ts (HTTP API and auth), engine-monitoring.ts
 * (metrics, alarms, dashboard), engine-registration.ts (deploy-time registration), engine-nag.ts
 * (cdk-nag acknowledgments); engine-props.ts holds the props and their checks.
 */
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { IStepwrightEngine, IStepwrightTriggerRef, TriggerSupport } from './engine-contract';
import { createApiFunction, createReconciler, createTaskTokenSecret, createWorker, functionEnvironment, type EngineFunctionContext } from './engine-functions';
import { createHttpApi, grantInvokeHttpApi, type EngineAccessGrants } from './engine-http-api';
import { createAlarms, createDashboard, executionMetric, executionsFailedOrTimedOut, type MonitoredParts, type StepwrightAlarms } from './engine-monitoring';
import { acknowledgeEngineFindings } from './engine-nag';
import { resolveEngineProps, type StepwrightEngineProps } from './engine-props';
import { createRegistrationProvider } from './engine-registration';
import { createStorage } from './engine-storage';
import { lambdaRole, nodeFunction } from './lambda-functions';
import { StepwrightStateMachine, type StepwrightStateMachineOptions } from './stepwright-state-machine';
import { StepwrightTrigger, type StepwrightTriggerOptions } from './stepwright-trigger';
import { StepwrightActivity, type StepwrightActivityOptions } from './activity';

export type { IStepwrightEngine } from './engine-contract';
export { METRICS_NAMESPACE, SERVICE_NAME, STATE_MACHINE_DIMENSION, type ExecutionMetricName, type StepwrightAlarms } from './engine-monitoring';
export type { StepwrightEngineProps } from './engine-props';
export { bundlingOptions, PROJECT_ROOT } from './lambda-functions';

export class StepwrightEngine extends Construct implements IStepwrightEngine {
  public readonly table: dynamodb.Table;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  /** The key task tokens are signed with (HMAC); only the worker and the API may read it. */
  public readonly taskTokenSecret: secretsmanager.Secret;
  public readonly workerFunction: nodejs.NodejsFunction;
  public readonly apiFunction: nodejs.NodejsFunction;
  /** Runs on a schedule and resumes executions a crash left without pending work (runtime/reconciler.ts). */
  public readonly reconcilerFunction: nodejs.NodejsFunction;
  public readonly workerRole: iam.Role;
  public readonly apiRole: iam.IRole;
  public readonly api: apigwv2.HttpApi;
  public readonly apiStage: apigwv2.HttpStage;
  /** The API's base URL (https://<id>.execute-api.<region>.amazonaws.com/) */
  public readonly apiUrl: string;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: StepwrightAlarms;
  public readonly stateMachines: StepwrightStateMachine[] = [];
  /** Triggers of this engine (`addTrigger`, or `new StepwrightTrigger` with this engine). */
  public readonly triggers: StepwrightTrigger[] = [];

  private readonly props: StepwrightEngineProps;
  private readonly functionEnvironment: Record<string, string>;
  private readonly invokeStatement: iam.PolicyStatement;
  private readonly invokable = new Set<string>();
  private readonly access: EngineAccessGrants;
  private registrationProvider?: cr.Provider;
  private triggerScope?: Construct;
  private activityScope?: Construct;

  constructor(scope: Construct, id: string, props: StepwrightEngineProps = {}) {
    super(scope, id);
    this.props = props;
    const settings = resolveEngineProps(props);

    // ------------------------------------------------------------ table and queues
    const storage = createStorage(this, props, settings);
    this.table = storage.table;
    this.queue = storage.queue;
    this.deadLetterQueue = storage.deadLetterQueue;

    // ------------------------------------------------------------ functions
    const ctx: EngineFunctionContext = { props, settings, table: this.table, queue: this.queue };
    const environment = functionEnvironment(ctx);
    this.functionEnvironment = environment;
    this.taskTokenSecret = createTaskTokenSecret(this, props);
    // Only the two functions that issue and check tokens get its ARN (triggers share `environment` and need neither).
    const tokenEnvironment = { ...environment, STEPWRIGHT_TASK_TOKEN_SECRET_ARN: this.taskTokenSecret.secretArn };

    const worker = createWorker(this, ctx, tokenEnvironment);
    this.workerRole = worker.role;
    this.workerFunction = worker.fn;
    // Task permissions: exactly the functions the definitions name (and allowInvoke); filled as machines are added.
    // GetFunctionConfiguration: the worker reads a function's timeout before it runs a task inline (lambda/runtime/inline-task.ts)
    this.invokeStatement = new iam.PolicyStatement({ actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'] });
    for (const fn of props.allowInvoke ?? []) this.grantInvoke(fn);

    this.apiFunction = createApiFunction(this, ctx, tokenEnvironment);
    this.apiRole = this.apiFunction.role!;
    this.taskTokenSecret.grantRead(this.workerFunction);
    this.taskTokenSecret.grantRead(this.apiFunction);

    this.reconcilerFunction = createReconciler(this, ctx, environment);

    // ------------------------------------------------------------ HTTP API
    const http = createHttpApi(this, this.apiFunction, props, settings);
    this.api = http.api;
    this.apiStage = http.stage;
    this.apiUrl = this.apiStage.url;
    this.access = http.access;
    for (const admin of props.apiAdmins ?? []) this.access.record(admin, '*', ['@admin']);

    // ------------------------------------------------------------ alarms and dashboard
    const monitored: MonitoredParts = { table: this.table, queue: this.queue, deadLetterQueue: this.deadLetterQueue, workerFunction: this.workerFunction, apiFunction: this.apiFunction, api: this.api };
    this.alarms = createAlarms(this, monitored, props);
    this.dashboard = createDashboard(this, monitored, this.alarms, props.dashboardName);

    acknowledgeEngineFindings(this, { table: this.table, tableRoles: [this.workerRole, this.apiFunction.role!, this.reconcilerFunction.role!] }, props);
  }

  // ---------------------------------------------------------------- public API

  /**
   * Registers a state machine at deploy time (so it can be started as soon as `cdk deploy` returns)
   * and lets the worker invoke exactly the Lambda functions its definition names. The definition
   * is validated at synth time.
   */
  public addStateMachine(id: string, props: StepwrightStateMachineOptions): StepwrightStateMachine {
    const sm = new StepwrightStateMachine(this, id, { ...props, engine: this });
    const clash = this.stateMachines.find((m) => m.stateMachineName === sm.stateMachineName);
    if (clash) throw new Error(`StepwrightEngine: two state machines are named '${sm.stateMachineName}' (${clash.node.path} and ${sm.node.path})`);
    this.stateMachines.push(sm);
    // Triggers that named it before it was added start only once it is registered.
    for (const t of this.triggers) if (t.stateMachineName === sm.stateMachineName) t.node.addDependency(sm);
    return sm;
  }

  /**
   * Starts executions of one of this engine's state machines from a DynamoDB or Kinesis stream, or
   * from EventBridge events or a schedule: one trigger Lambda per trigger (see StepwrightTrigger).
   */
  public addTrigger(id: string, props: StepwrightTriggerOptions): StepwrightTrigger {
    // Under their own scope, so a trigger id never clashes with the engine's parts (Table, Api...).
    this.triggerScope ??= new Construct(this, 'Triggers');
    return new StepwrightTrigger(this.triggerScope, id, { ...props, engine: this });
  }

  /**
   * Registers an activity at deploy time: a Task whose Resource is its `activityArn` queues jobs that
   * workers take through the API with GetActivityTask (`activity.grant(worker)` lets them).
   */
  public addActivity(id: string, props: StepwrightActivityOptions): StepwrightActivity {
    this.activityScope ??= new Construct(this, 'Activities');
    return new StepwrightActivity(this.activityScope, id, { ...props, engine: this });
  }

  /** Lets the worker invoke these functions (their ARN as given: an alias or version ARN is that qualifier only). */
  public grantInvoke(...functions: lambda.IFunction[]): void {
    for (const fn of functions) this.allowInvokeArn(fn.functionArn);
  }

  /** Lets the worker invoke a function ARN (possibly qualified, possibly a token). */
  public allowInvokeArn(functionArn: string): void {
    if (this.invokable.has(functionArn)) return;
    if (this.invokable.size === 0) this.workerRole.addToPrincipalPolicy(this.invokeStatement);
    this.invokable.add(functionArn);
    this.invokeStatement.addResources(functionArn);
  }

  /** The function ARNs the worker may invoke. */
  public get invokableFunctionArns(): string[] {
    return [...this.invokable];
  }

  /**
   * execute-api:Invoke on every route of the API: the grantee's signed requests reach the engine,
   * which then refuses every action no grant allows. Use `grantAdmin` or a state machine's grant
   * methods (they include this).
   */
  public grantInvokeApi(grantee: iam.IGrantable): iam.Grant {
    return grantInvokeHttpApi(this.api, grantee);
  }

  /**
   * Every API action on every state machine, those created at run time included: create, update and
   * delete state machines, start and read executions, answer tasks (and execute-api:Invoke).
   */
  public grantAdmin(grantee: iam.IGrantable): iam.Grant {
    return this.access.grant(grantee, '*', ['@admin']);
  }

  /** @internal records API actions (names or groups, lambda/runtime/access.ts) on one state machine for the grantee. */
  public _grantAccess(grantee: iam.IGrantable, stateMachineName: string, actions: readonly string[]): iam.Grant {
    return this.access.grant(grantee, stateMachineName, actions);
  }

  // ---------------------------------------------------------------- metrics
  // The worker's execution metrics over all state machines of this engine (namespace Stepwright,
  // dimension service=stepwright; AWS's metric names). Spread Map items and Parallel branches are not
  // executions here: only their parent's outcome counts. Counts: Sum over 5 minutes; time: Average.

  /** Executions the worker started (ExecutionsStarted). */
  public metricStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsStarted', undefined, props);
  }

  /** Executions that ended SUCCEEDED (ExecutionsSucceeded). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsSucceeded', undefined, props);
  }

  /** Executions that ended FAILED (ExecutionsFailed). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsFailed', undefined, props);
  }

  /** Executions that ended TIMED_OUT (ExecutionsTimedOut). */
  public metricTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsTimedOut', undefined, props);
  }

  /** Executions that ended ABORTED (ExecutionsAborted). */
  public metricAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsAborted', undefined, props);
  }

  /** Start to end of finished executions, in milliseconds (ExecutionTime; Average). */
  public metricTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionTime', undefined, props);
  }

  /** ExecutionsFailed + ExecutionsTimedOut: what the engine's executionsFailed alarm watches. */
  public metricFailedOrTimedOut(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return executionsFailedOrTimedOut(undefined, props);
  }

  /** @deprecated use `metricFailed()` (ExecutionsFailed only) or `metricFailedOrTimedOut()` (what the alarm watches) */
  public metricExecutionsFailed(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metricFailed(props);
  }

  /** @internal the provider behind every state machine registration of this engine (created once). */
  public _registrationServiceToken(): string {
    this.registrationProvider ??= createRegistrationProvider(this, this.table, this.workerRole, this.props);
    return this.registrationProvider.serviceToken;
  }

  /** @internal what a trigger's function shares with the engine's own: settings, environment, bundling. */
  public _triggerSupport(): TriggerSupport {
    return {
      props: this.props,
      environment: { ...this.functionEnvironment },
      lambdaRole: (scope, id, description) => lambdaRole(scope, id, description),
      nodeFunction: (scope, id, opts) => nodeFunction(scope, id, opts, this.props),
      // only StepwrightTrigger registers itself
      register: (trigger: IStepwrightTriggerRef) => void this.triggers.push(trigger as StepwrightTrigger),
    };
  }
}
