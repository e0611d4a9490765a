/**
 * Deploy-time registration of the state machines a stack declares (the onEvent handler of a
 * CloudFormation custom resource provider). It writes through the store's own `putStateMachine`,
 * so the deployed items are the ones CreateStateMachine would write, and a state machine can be
 * started as soon as `cdk deploy` returns.
 *
 * Properties (all strings, as CloudFormation passes them): TableName, Name, Arn, RoleArn,
 * Definition, Description?, Settings (JSON text; `{}` or absent: none), Type? (STANDARD or EXPRESS;
 * absent: STANDARD).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoExecutionStore } from '../../lambda/aws/dynamo-store';
import type { ExecutionStore } from '../../lambda/ports';
import { stateMachineRecord, type RegistrationInput, type StateMachineSettings } from '../state-machine-record';

/** The part of CloudFormation's custom resource event the provider framework hands us. */
export interface RegistrationEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
}

export interface RegistrationResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** One physical id per table and state machine: moving either one replaces the registration. */
function physicalId(tableName: string, arn: string): string {
  return `${tableName}|${arn}`;
}

function str(props: Record<string, unknown>, key: string, required = true): string | undefined {
  const v = props[key];
  if (v === undefined || v === '') {
    if (required) throw new Error(`Stepwright registration: property ${key} is missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw new Error(`Stepwright registration: property ${key} must be a string`);
  return v;
}

function typeOf(type: string | undefined): RegistrationInput['type'] {
  if (type === undefined || type === 'STANDARD' || type === 'EXPRESS') return type;
  throw new Error(`Stepwright registration: property Type must be STANDARD or EXPRESS, not '${type}'`);
}

export function inputOf(props: Record<string, unknown>): RegistrationInput & { tableName: string } {
  const settings = str(props, 'Settings', false);
  return {
    tableName: str(props, 'TableName')!,
    name: str(props, 'Name')!,
    arn: str(props, 'Arn')!,
    roleArn: str(props, 'RoleArn')!,
    definition: str(props, 'Definition')!,
    description: str(props, 'Description', false),
    // the text StepwrightStateMachine wrote with JSON.stringify(settings)
    settings: settings ? (JSON.parse(settings) as StateMachineSettings) : undefined,
    type: typeOf(str(props, 'Type', false)),
  };
}

export async function register(event: RegistrationEvent, store: ExecutionStore, now: Date): Promise<RegistrationResult> {
  const input = inputOf(event.ResourceProperties);
  const id = physicalId(input.tableName, input.arn);
  if (event.RequestType === 'Delete') {
    // Only META goes (DeleteStateMachine's semantics): running executions keep their revision.
    try {
      await store.deleteStateMachine(input.arn);
    } catch (e) {
      // The table is gone already (deleted by hand): nothing left to unregister.
      if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
    }
    return { PhysicalResourceId: event.PhysicalResourceId ?? id };
  }
  const stored = await store.getStateMachine(input.arn);
  // The deploy sends the machine's whole settings every time ({} when the props set none): what the
  // props no longer set must go, so the stored settings are never merged into the new ones.
  const existing = stored && { ...stored, settings: undefined };
  const record = stateMachineRecord(input, now, existing);
  if (record.settings === undefined) delete record.settings;
  await store.putStateMachine(record, { replace: true });
  return { PhysicalResourceId: id, Data: { StateMachineArn: record.arn, RevisionId: record.revisionId } };
}

let client: DynamoDBClient | undefined;

/** Lambda entry point (custom resource provider framework's onEvent). */
export async function handler(event: RegistrationEvent): Promise<RegistrationResult> {
  client ??= new DynamoDBClient({});
  const tableName = str(event.ResourceProperties, 'TableName')!;
  return register(event, new DynamoExecutionStore({ client, tableName }), new Date());
}
