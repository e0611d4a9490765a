/**
 * Configuration of one trigger (stream or EventBridge -> executions of one state machine). The
 * deployed trigger Lambda reads it as JSON from STEPWRIGHT_TRIGGER; it is checked once, at cold
 * start, so a typo fails the first invocation loudly instead of silently mapping records wrong.
 */
import { compileTemplate } from './trigger-template';

export const TRIGGER_CONFIG_ENV = 'STEPWRIGHT_TRIGGER';

export const DYNAMODB_EVENT_NAMES = ['INSERT', 'MODIFY', 'REMOVE'] as const;
export type DynamoEventName = (typeof DYNAMODB_EVENT_NAMES)[number];

/**
 * - 'record':   the raw record (stream) or the whole event (EventBridge), as Lambda received it
 * - 'newImage': DynamoDB only: the unmarshalled new image ({} when there is none, e.g. REMOVE)
 * - 'data':     Kinesis only: the decoded data (parsed JSON, or the string when it is not JSON)
 * - template:   a JSON value whose strings "$..." are JSONPath on the default input ("$$..." on the
 *               raw record) and "/..." are JSON pointers on the default input; other values are literal
 * - absent:     the default input of the source (see trigger-input.ts)
 */
export type InputMapping = 'record' | 'newImage' | 'data' | { template: unknown };

export interface TriggerConfig {
  stateMachineArn: string;
  inputMapping?: InputMapping;
  /** one execution per delivered batch, input {records: [...mapped inputs]}; default: one per record */
  batchInput?: boolean;
  /** DynamoDB only: start executions for these event names only (default: all) */
  eventNames?: DynamoEventName[];
}

export class TriggerConfigError extends Error {
  constructor(message: string) {
    super(`invalid trigger configuration: ${message}`);
    this.name = 'TriggerConfigError';
  }
}

const STATE_MACHINE_ARN = /^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/;

export function parseTriggerConfig(raw: unknown): TriggerConfig {
  const value = typeof raw === 'string' ? parseJson(raw) : raw;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TriggerConfigError('expected a JSON object');
  const c = value as Record<string, unknown>;
  const known = new Set(['stateMachineArn', 'inputMapping', 'batchInput', 'eventNames']);
  const unknown = Object.keys(c).filter((k) => !known.has(k));
  if (unknown.length) throw new TriggerConfigError(`unknown field(s) ${unknown.join(', ')}`);

  if (typeof c.stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(c.stateMachineArn)) {
    throw new TriggerConfigError(`stateMachineArn must be a state machine ARN, got ${JSON.stringify(c.stateMachineArn)}`);
  }
  const config: TriggerConfig = { stateMachineArn: c.stateMachineArn };

  if (c.inputMapping !== undefined) config.inputMapping = checkMapping(c.inputMapping);
  if (c.batchInput !== undefined) {
    if (typeof c.batchInput !== 'boolean') throw new TriggerConfigError('batchInput must be a boolean');
    config.batchInput = c.batchInput;
  }
  if (c.eventNames !== undefined) {
    const names = c.eventNames;
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => (DYNAMODB_EVENT_NAMES as readonly unknown[]).includes(n))) {
      throw new TriggerConfigError(`eventNames must be a non-empty list of ${DYNAMODB_EVENT_NAMES.join(', ')}`);
    }
    config.eventNames = names as DynamoEventName[];
  }
  return config;
}

export function triggerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TriggerConfig {
  const raw = env[TRIGGER_CONFIG_ENV];
  if (!raw) throw new TriggerConfigError(`environment variable ${TRIGGER_CONFIG_ENV} is not set`);
  return parseTriggerConfig(raw);
}

function checkMapping(m: unknown): InputMapping {
  if (m === 'record' || m === 'newImage' || m === 'data') return m;
  if (m && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).length === 1 && 'template' in m) {
    try {
      compileTemplate((m).template); // rejects bad paths now, not per record
    } catch (e) {
      throw new TriggerConfigError(`inputMapping.template: ${(e as Error).message}`);
    }
    return m;
  }
  throw new TriggerConfigError(`inputMapping must be 'record', 'newImage', 'data' or {template: ...}, got ${JSON.stringify(m)}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TriggerConfigError(`not JSON: ${(e as Error).message}`);
  }
}
