/**
 * A state machine registered in a StepwrightEngine at deploy time (`engine.addStateMachine`).
 */
import { Annotations, ArnFormat, CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { findFunctions, prepareDefinition, type DefinitionSource } from './definition';
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
  /** More functions the worker may invoke for this machine (e.g. a FunctionName given by JSONPath). */
  readonly allowInvoke?: lambda.IFunction[];
  /** How long finished executions and their history are kept, or 'forever'. @default 90 days (as AWS) */
  readonly retention?: Duration | 'forever';
  /** When an execution name may be used again. @default the engine's ('unique-while-retained') */
  readonly namePolicy?: NamePolicy;
  /** Runaway guards. @default 1,000,000 transitions and 100,000 visits of one state per execution */
  readonly limits?: StepwrightLimits;
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

  constructor(scope: Construct, id: string, props: StepwrightStateMachineProps) {
    super(scope, id);
    const { engine } = props;
    this.engine = engine;
    const name = props.name ?? id;
    if (!Token.isUnresolved(name) && !STATE_MACHINE_NAME.test(name)) {
      throw new Error(`StepwrightStateMachine ${this.node.path}: invalid name '${name}' (1-80 characters; no whitespace, brackets, wildcards, control characters or any of " # % \\ ^ | ~ \` $ & , ; : /)`);
    }
    this.stateMachineName = name;
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

    // Task permissions: exactly the functions named, nothing broader.
    const { refs, otherResources } = findFunctions(this, prepared.definition);
    const arns: string[] = [];
    for (const ref of refs) {
      if (ref.arn) {
        arns.push(ref.arn);
        engine.allowInvokeArn(ref.arn);
      } else {
        Annotations.of(this).addWarningV2(
          'stepwright:dynamicFunction',
          `${ref.pointer}: the function is chosen at run time; grant it with allowInvoke or engine.grantInvoke, or its invocation is denied`,
        );
      }
    }
    for (const fn of props.allowInvoke ?? []) {
      arns.push(fn.functionArn);
      engine.grantInvoke(fn);
    }
    this.invokedFunctionArns = [...new Set(arns)];
    for (const other of otherResources) {
      Annotations.of(this).addWarningV2(
        'stepwright:unsupportedResource',
        `${other.pointer}: '${other.resource}' is not a Lambda task; the Stepwright worker runs Lambda tasks (function ARNs and lambda:invoke) only`,
      );
    }

    this.settings = settingsOf(props);
    const registration = new CustomResource(this, 'Registration', {
      serviceToken: engine._registrationServiceToken(),
      resourceType: 'Custom::StepwrightStateMachine',
      properties: {
        TableName: engine.table.tableName,
        Name: name,
        Arn: this.stateMachineArn,
        RoleArn: engine.workerRole.roleArn,
        Definition: this.definitionString,
        ...(props.description ? { Description: props.description } : {}),
        ...(Object.keys(this.settings).length > 0 ? { Settings: JSON.stringify(this.settings) } : {}),
      },
    });
    this.revisionId = registration.getAttString('RevisionId');
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
  return settings;
}
