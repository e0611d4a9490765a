/**
 * A state machine registered in a StepwrightEngine at deploy time (`engine.addStateMachine`).
 */
import { Annotations, ArnFormat, CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { findFunctions, prepareDefinition, type DefinitionSource } from './definition';
import { integrationPermissions } from './integration-permissions';
import { acknowledge } from './nag';
import type { NamePolicy } from '../lambda/ports';
import { STATE_MACHINE_NAME, type StateMachineSettings } from './state-machine-record';
import type { IStepwrightEngine } from './engine-contract';
import { executionMetric, executionsFailedOrTimedOut } from './engine-monitoring';

/**
 * Runaway guards for one state machine's executions (the interpreter stops an execution that passes
 * one). maxTransitions and maxStateVisits apply by default; "none" turns one off.
 */
export interface StepwrightLimits {
  /** state transitions per execution, or 'none' for no limit. @default 1,000,000 */
  readonly maxTransitions?: number | 'none';
  /** wall-clock time per execution. @default the definition's TimeoutSeconds, at most one year */
  readonly maxDuration?: Duration;
  /** entries of one state within one run (loop iterations), or 'none' for no limit. @default 100,000 */
  readonly maxStateVisits?: number | 'none';
}

export interface StepwrightStateMachineOptions {
  /** The state machine's name (its ARN ends with it). @default the construct id */
  readonly name?: string;
  /**
   * The ASL definition: a file path (relative to the directory `cdk` runs in), ASL JSON text, an
   * ASL object, an aws-stepfunctions chain (IChainable), or an sfn.DefinitionBody.
   */
  readonly definition: DefinitionSource;
  readonly description?: string;
  /** For chains: the top-level Comment. */
  readonly comment?: string;
  /** For chains: the top-level QueryLanguage. */
  readonly queryLanguage?: sfn.QueryLanguage;
  /** For chains: the execution timeout (top-level TimeoutSeconds). */
  readonly timeout?: Duration;
  /** `${key}` -> value in the definition's strings (as CloudFormation's DefinitionSubstitutions). */
  readonly definitionSubstitutions?: Record<string, string>;
  /**
   * Task functions by the function name the definition uses: a Task whose Resource is
   * `arn:aws:lambda:...:function:<name>[:qualifier]`, or whose lambda:invoke FunctionName is that name
   * (bare, partial or full ARN), is pointed at this function's ARN. Lets a definition written for
   * another account (or for `stepwright run --tasks`) deploy unchanged.
   */
  readonly functions?: Record<string, lambda.IFunction>;
  /** More functions this machine's role may invoke (e.g. a FunctionName given by JSONPath). */
  readonly allowInvoke?: lambda.IFunction[];
  /**
   * The IAM role this machine's tasks run with (as a Step Functions state machine's role): the worker
   * assumes it before invoking them. The functions the definition names are granted to it. A role of
   * this app gets the worker role in its trust policy; an imported one must trust `engine.workerRole`.
   * @default a new role, trusted by the engine's worker only, allowed exactly the functions the definition names
   */
  readonly role?: iam.IRole;
  /** How long finished executions and their history are kept, or 'forever'. @default 90 days (as AWS) */
  readonly retention?: Duration | 'forever';
  /** When an execution name may be used again. @default the engine's ('unique-while-retained') */
  readonly namePolicy?: NamePolicy;
  /** Runaway guards. @default 1,000,000 transitions and 100,000 visits of one state per execution */
  readonly limits?: StepwrightLimits;
  /**
   * Execution events to a CloudWatch Logs group, as sfn.StateMachine's `logs` (Step Functions'
   * loggingConfiguration): at level ALL every history event, at ERROR the failures, at FATAL the
   * execution failing; input and output only with includeExecutionData. The engine's worker writes
   * them, and is granted logs:CreateLogStream and logs:PutLogEvents on the group.
   * @default no execution events logged (level OFF)
   */
  readonly logs?: sfn.LogOptions;
  /**
   * STANDARD or EXPRESS, as sfn.StateMachine's `stateMachineType`. An EXPRESS execution runs start to
   * end inside one invocation, keeps no per-step state (at-least-once when started asynchronously,
   * at most once through StartSyncExecution), at most five minutes, its history only in the log group
   * of `logs`; see docs/cost.md. A machine's type never changes once deployed (give it another name).
   * @default STANDARD
   */
  readonly stateMachineType?: sfn.StateMachineType | 'STANDARD' | 'EXPRESS';
}

export interface StepwrightStateMachineProps extends StepwrightStateMachineOptions {
  /** The engine to register it on (a StepwrightEngine). */
  readonly engine: IStepwrightEngine;
}

export class StepwrightStateMachine extends Construct {
  /** The engine it is registered on. */
  public readonly engine: IStepwrightEngine;
  public readonly stateMachineName: string;
  public readonly stateMachineArn: string;
  /** The definition as stored (JSON text; a token when it holds ARNs resolved at deploy time). */
  public readonly definitionString: string;
  /** The revision the deploy registered (content hash of the definition). */
  public readonly revisionId: string;
  /** ARNs of the functions the definition invokes (tokens where the stack creates them). */
  public readonly invokedFunctionArns: string[];
  public readonly settings: StateMachineSettings;
  /** The role this machine's tasks run with (the worker assumes it). */
  public readonly role: iam.IRole;
  /** STANDARD or EXPRESS. */
  public readonly stateMachineType: 'STANDARD' | 'EXPRESS';

  constructor(scope: Construct, id: string, props: StepwrightStateMachineProps) {
    super(scope, id);
    const { engine } = props;
    this.engine = engine;
    const name = props.name ?? id;
    if (!Token.isUnresolved(name) && !STATE_MACHINE_NAME.test(name)) {
      throw new Error(`StepwrightStateMachine ${this.node.path}: invalid name '${name}' (1-80 characters; no whitespace, brackets, wildcards, control characters or any of " # % \\ ^ | ~ \` $ & , ; : /)`);
    }
    this.stateMachineName = name;
    const type: string = props.stateMachineType ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS') throw new Error(`StepwrightStateMachine ${this.node.path}: stateMachineType must be STANDARD or EXPRESS, not '${type}'`);
    this.stateMachineType = type;
    this.stateMachineArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const prepared = prepareDefinition(this, props.definition, {
      comment: props.comment,
      queryLanguage: props.queryLanguage,
      timeout: props.timeout,
      definitionSubstitutions: props.definitionSubstitutions,
      functions: props.functions,
    });
    this.definitionString = prepared.text;
    for (const unused of prepared.unusedFunctions) {
      Annotations.of(this).addWarningV2('stepwright:unusedFunction', `functions.${unused} is not named by any Task of the definition ${prepared.origin}`);
    }

    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: engine.workerRole,
      description: `Stepwright state machine ${name}: its tasks run with this role (the engine's worker assumes it)`,
    });
    if (props.role instanceof iam.Role) props.role.assumeRolePolicy?.addStatements(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [engine.workerRole] }));
    engine.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [this.role.roleArn] }));

    // Task permissions, on this machine's role: exactly the functions named, nothing broader.
    const { refs } = findFunctions(this, prepared.definition);
    const arns: string[] = [];
    for (const ref of refs) {
      if (ref.arn) {
        arns.push(ref.arn);
      } else {
        Annotations.of(this).addWarningV2(
          'stepwright:dynamicFunction',
          `${ref.pointer}: the function is chosen at run time; grant it with allowInvoke or engine.grantInvoke, or its invocation is denied`,
        );
      }
    }
    for (const fn of props.allowInvoke ?? []) arns.push(fn.functionArn);
    this.invokedFunctionArns = [...new Set(arns)];
    if (this.invokedFunctionArns.length > 0) {
      const added = this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: this.invokedFunctionArns }));
      if (!added.statementAdded) Annotations.of(this).addWarningV2('stepwright:immutableRole', `the role ${this.role.roleArn} cannot be changed here: allow it lambda:InvokeFunction on ${this.invokedFunctionArns.join(', ')} yourself`);
    }
    // The service integrations' statements (sqs:SendMessage on the named queue, dynamodb:*, sns:Publish,
    // events:PutEvents, states:StartExecution, aws-sdk actions), derived from the definition as Step
    // Functions derives them for a machine's role (#15). Lambda is granted above, qualifiers included.
    const integration = integrationPermissions(this, prepared.definition);
    for (const statement of integration.statements) {
      if (statement.actions.every((a) => a === 'lambda:InvokeFunction')) continue;
      this.role.addToPrincipalPolicy(statement);
      if (statement.resources.includes('*')) {
        acknowledge(this.role, 'AwsSolutions-IAM5', 'aws-sdk tasks: the parameters of an arbitrary API do not say which resource they touch, so Step Functions grants these actions on every resource too; narrow them with `role`.', ['Resource::*']);
      }
    }
    for (const u of integration.unresolved) Annotations.of(this).addWarningV2('stepwright:dynamicTarget', `${u.pointer}: ${u.message} (on this machine's role)`);

    this.settings = settingsOf(props);
    const logGroupArn = this.settings.loggingConfiguration?.destinations?.[0]?.cloudWatchLogsLogGroup.logGroupArn;
    if (logGroupArn) {
      // the group's ARN ends in `:*`, which covers its log streams
      // the worker writes what its commits record; the API what it runs or ends itself (StartSyncExecution, StopExecution)
      for (const role of [engine.workerRole, engine.apiRole]) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroupArn] }));
    }
    const registration = new CustomResource(this, 'Registration', {
      serviceToken: engine._registrationServiceToken(),
      resourceType: 'Custom::StepwrightStateMachine',
      properties: {
        TableName: engine.table.tableName,
        Name: name,
        Arn: this.stateMachineArn,
        RoleArn: this.role.roleArn,
        Definition: this.definitionString,
        ...(props.description ? { Description: props.description } : {}),
        // only when EXPRESS: the templates of STANDARD machines stay as they were (absent: STANDARD)
        ...(type === 'EXPRESS' ? { Type: type } : {}),
        // always sent, {} included: props removed on redeploy clear what they had set (registration/handler.ts)
        Settings: JSON.stringify(this.settings),
      },
    });
    // The machine may be started once registered: its role and that role's task permissions must exist by then.
    registration.node.addDependency(this.role);
    this.revisionId = registration.getAttString('RevisionId');
  }

  // ---------------------------------------------------------------- access
  // As sfn.StateMachine's grant methods: each adds execute-api:Invoke on the engine's API to the
  // grantee's policy, and records the actions on this machine that the API then allows the grantee
  // (lambda/runtime/access.ts). A caller without a grant gets AccessDeniedException.

  /** StartExecution on this state machine. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.engine._grantAccess(grantee, this.stateMachineName, ['@start']);
  }

  /**
   * StartSyncExecution on this state machine (start and wait for the end). As on AWS, the grant is
   * given for any type, and the API answers StateMachineTypeNotSupported when the machine is STANDARD.
   */
  public grantStartSyncExecution(grantee: iam.IGrantable): iam.Grant {
    return this.engine._grantAccess(grantee, this.stateMachineName, ['StartSyncExecution']);
  }

  /** Reading this machine and its executions: DescribeStateMachine, ListExecutions, DescribeExecution, GetExecutionHistory, Map Runs (and ListStateMachines, showing the machines it may describe). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.engine._grantAccess(grantee, this.stateMachineName, ['@read']);
  }

  /** Answering this machine's `.waitForTaskToken` tasks: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. */
  public grantTaskResponse(grantee: iam.IGrantable): iam.Grant {
    return this.engine._grantAccess(grantee, this.stateMachineName, ['@task']);
  }

  /** RedriveExecution on this machine's executions. */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    return this.engine._grantAccess(grantee, this.stateMachineName, ['@redrive']);
  }

  /** The given actions on this machine's executions, e.g. `'states:StopExecution'`, `'states:DescribeExecution'`. */
  public grantExecution(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    if (actions.length === 0) throw new Error(`StepwrightStateMachine ${this.node.path}: grantExecution needs at least one action (e.g. 'states:StopExecution')`);
    return this.engine._grantAccess(grantee, this.stateMachineName, actions);
  }

  // ---------------------------------------------------------------- metrics
  // This state machine's executions as the worker publishes them: namespace Stepwright, AWS's metric
  // names, dimensions service=stepwright and StateMachineArn=<this ARN>. Spread Map items and Parallel
  // branches are not counted: only the execution's own outcome is. Counts: Sum over 5 minutes.

  /** Executions the worker started (ExecutionsStarted). */
  public metricStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsStarted', this.stateMachineArn, props);
  }

  /** Executions that ended SUCCEEDED (ExecutionsSucceeded). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsSucceeded', this.stateMachineArn, props);
  }

  /** Executions that ended FAILED (ExecutionsFailed). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsFailed', this.stateMachineArn, props);
  }

  /** Executions that ended TIMED_OUT (ExecutionsTimedOut). */
  public metricTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsTimedOut', this.stateMachineArn, props);
  }

  /** Executions that ended ABORTED (ExecutionsAborted). */
  public metricAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionsAborted', this.stateMachineArn, props);
  }

  /** Start to end of finished executions, in milliseconds (ExecutionTime; Average over 5 minutes). */
  public metricTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return executionMetric('ExecutionTime', this.stateMachineArn, props);
  }

  /** ExecutionsFailed + ExecutionsTimedOut of this machine (a missing series counts 0): alarm on this. */
  public metricFailedOrTimedOut(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return executionsFailedOrTimedOut(this.stateMachineArn, props);
  }
}

function settingsOf(props: StepwrightStateMachineOptions): StateMachineSettings {
  const settings: StateMachineSettings = {};
  if (props.retention !== undefined) settings.retentionDays = props.retention === 'forever' ? 'forever' : props.retention.toDays({ integral: false });
  if (props.namePolicy) settings.namePolicy = props.namePolicy;
  if (props.limits) {
    const limits: NonNullable<StateMachineSettings['limits']> = {};
    if (props.limits.maxTransitions !== undefined) limits.maxTransitions = props.limits.maxTransitions;
    if (props.limits.maxDuration) limits.maxDurationSeconds = props.limits.maxDuration.toSeconds();
    if (props.limits.maxStateVisits !== undefined) limits.maxStateVisits = props.limits.maxStateVisits;
    if (Object.keys(limits).length > 0) settings.limits = limits;
  }
  if (props.logs) {
    // as sfn.StateMachine: level ERROR unless told; a level other than OFF needs a destination
    const level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF' = props.logs.level ?? 'ERROR'; // sfn.LogLevel's values are these names
    const logGroupArn = props.logs.destination?.logGroupRef.logGroupArn;
    if (level !== 'OFF' && !logGroupArn) throw new Error(`StepwrightStateMachine: logs.destination is required when logs.level is ${level}`);
    settings.loggingConfiguration = {
      level,
      includeExecutionData: props.logs.includeExecutionData ?? false,
      ...(logGroupArn ? { destinations: [{ cloudWatchLogsLogGroup: { logGroupArn } }] } : {}),
    };
  }
  return settings;
}
