/**
 * The package's entry point (`import { StepwrightEngine } from 'stepwright'`): the CDK constructs and
 * their props. Only what a CDK app uses; the stack of this repository's own app (bin/app.ts) is not part of it.
 */
export { StepwrightEngine, METRICS_NAMESPACE, SERVICE_NAME, STATE_MACHINE_DIMENSION, type IStepwrightEngine, type StepwrightEngineProps, type ExecutionMetricName, type StepwrightAlarms } from './stepwright-engine';
export { StepwrightStateMachine, type StepwrightStateMachineProps, type StepwrightStateMachineOptions, type StepwrightLimits } from './stepwright-state-machine';
export { StepwrightActivity, type StepwrightActivityOptions, type StepwrightActivityProps, type ActivityEngine } from './activity';
export { StepwrightTrigger, TriggerSource, type StepwrightTriggerProps, type StepwrightTriggerOptions, type TriggerSourceKind } from './stepwright-trigger';
export type { DefinitionSource } from './definition';
