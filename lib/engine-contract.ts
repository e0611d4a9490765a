/**
 * What a state machine and a trigger need from the engine they belong to. StepwrightEngine
 * implements it; StepwrightStateMachine and StepwrightTrigger depend on this module, not on the
 * engine's, so the engine can build them without an import cycle.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import type { StepwrightEngineProps } from './engine-props';
import type { NodeFunctionOptions } from './lambda-functions';

/** A state machine registered on an engine, as a trigger finds it by name. */
export interface IStepwrightStateMachineRef extends IConstruct {
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  /** The engine it is registered on. */
  readonly engine: IStepwrightEngine;
}

/** A trigger, as the engine keeps it (to order it after the state machine it starts). */
export interface IStepwrightTriggerRef extends IConstruct {
  readonly stateMachineName: string;
}

/** @internal what a trigger's function shares with the engine's own: settings, environment, bundling. */
export interface TriggerSupport {
  props: StepwrightEngineProps;
  environment: Record<string, string>;
  lambdaRole: (scope: Construct, id: string, description: string) => iam.Role;
  nodeFunction: (scope: Construct, id: string, opts: NodeFunctionOptions) => nodejs.NodejsFunction;
  register: (trigger: IStepwrightTriggerRef) => void;
}

/** The engine a state machine is registered on and a trigger starts executions through. */
export interface IStepwrightEngine extends IConstruct {
  /** The table holding state machines, executions and their history. */
  readonly table: dynamodb.ITable;
  /** The work queue. */
  readonly queue: sqs.IQueue;
  /** The worker's role: it assumes each state machine's own role to run that machine's tasks. */
  readonly workerRole: iam.IRole;
  /** The API function's role: it writes the events of what it runs itself (StartSyncExecution, StopExecution). */
  readonly apiRole: iam.IRole;
  /** The state machines registered on this engine. */
  readonly stateMachines: readonly IStepwrightStateMachineRef[];
  /** Lets the worker invoke these functions. */
  grantInvoke(...functions: lambda.IFunction[]): void;
  /** Lets the worker invoke a function ARN (possibly qualified, possibly a token). */
  allowInvokeArn(functionArn: string): void;
  /** @internal records API actions (names or groups, lambda/runtime/access.ts) on one state machine for the grantee. */
  _grantAccess(grantee: iam.IGrantable, stateMachineName: string, actions: readonly string[]): iam.Grant;
  /** @internal the provider behind every state machine registration of this engine. */
  _registrationServiceToken(): string;
  /** @internal */
  _triggerSupport(): TriggerSupport;
}
