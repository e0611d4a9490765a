/**
 * The state machine record the CDK registers at deploy time, built in one place.
 *
 * The construct (lib/stepwright-engine.ts) passes the inputs as custom resource properties; the
 * registration handler (lib/registration/handler.ts) builds the record here at deploy time and
 * hands it to the store's own `putStateMachine`, so the items (`SM#<arn>`/`META`, `SM#<arn>`/`REV#<id>`)
 * are exactly the ones the API writes for CreateStateMachine. No CDK imports: this runs in Lambda.
 */
import { createHash } from 'node:crypto';
import type { StateMachineRecord, StateMachineSettings } from '../lambda/ports';

export type { StateMachineSettings };

/** The record the deploy writes: the store's own type (settings included). */
export type RegisteredStateMachine = StateMachineRecord;

/** What the construct knows at synth time (strings once CloudFormation has resolved the tokens). */
export interface RegistrationInput {
  name: string;
  arn: string;
  /** the ASL definition as JSON text */
  definition: string;
  roleArn: string;
  description?: string;
  settings?: StateMachineSettings;
  /** Step Functions' type. @default 'STANDARD' */
  type?: StateMachineRecord['type'];
}

/**
 * The revision id of a definition: derived from its content, so a repeated deploy of the same
 * definition (or a CloudFormation retry) writes the same immutable `REV#` item, and executions pin
 * a revision whose text never changes. Shaped like the UUIDs the API hands out.
 */
export function revisionIdFor(definition: string): string {
  const h = createHash('sha256').update(definition, 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The record to store, given what is stored now (undefined on first deploy):
 * - first deploy: creationDate = now, no updateDate;
 * - another type than the stored one: refused (a machine's type never changes);
 * - same definition, role and description again: the stored record unchanged (no new revision);
 * - anything changed: creationDate kept, updateDate = now, revisionId of the new definition.
 */
export function stateMachineRecord(input: RegistrationInput, now: Date, existing?: StateMachineRecord): RegisteredStateMachine {
  const type = input.type ?? 'STANDARD';
  // As in Step Functions, a machine's type is fixed when it is created (CloudFormation replaces a
  // machine whose type changes; here the name stays, and a worker caches a revision's type).
  if (existing && existing.type !== type) {
    throw new Error(`Stepwright registration: state machine ${input.arn} is ${existing.type}; its type cannot change to ${type}. Give the machine another name (or remove it, deploy, and add it back)`);
  }
  const settings = input.settings && Object.keys(input.settings).length > 0 ? { settings: input.settings } : {};
  const description = input.description ? { description: input.description } : {};
  if (
    existing &&
    existing.definition === input.definition &&
    existing.roleArn === input.roleArn &&
    (existing.description ?? '') === (input.description ?? '')
  ) {
    return { ...existing, ...settings };
  }
  const record: RegisteredStateMachine = {
    name: input.name,
    arn: input.arn,
    definition: input.definition,
    roleArn: input.roleArn,
    type,
    status: 'ACTIVE',
    creationDate: existing?.creationDate ?? now.toISOString(),
    revisionId: revisionIdFor(input.definition),
    ...description,
    ...settings,
  };
  if (existing) record.updateDate = now.toISOString();
  return record;
}

/** Step Functions' name rules: 1..80 characters, none of whitespace, brackets, wildcards, these specials, or controls. */
export const STATE_MACHINE_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
