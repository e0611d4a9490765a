/**
 * Whether Stepwright can run a Task resource, and why not: the one answer `stepwright validate`,
 * CreateStateMachine/UpdateStateMachine and `cdk synth` give, so an unsupported resource is refused
 * before anything runs (issue #15 item 10). Pure; whether an AWS SDK client package is installed is
 * asked through `sdkClientInstalled`.
 */
import { OPTIMIZED_INTEGRATIONS, OUT_OF_REACH, parseResource, patternSuffix } from './resources';
import { sdkPackageFor } from './sdk-names';

export interface SupportOptions {
  /**
   * Whether `@aws-sdk/client-<service>` can be loaded (aws-sdk integrations load it at run time);
   * omitted: not checked (the CDK construct, which cannot see the deployed bundle's packages).
   */
  sdkClientInstalled?: (packageName: string) => boolean;
  /**
   * Bare names (not ARNs) are a local extension (a local task table answers them); on AWS nothing
   * can, so the synth check refuses them.
   */
  allowBareNames?: boolean;
}

export type Support = { ok: true } | { ok: false; reason: string };

const SUPPORTED_LIST = 'Lambda function ARNs, arn:aws:states:::lambda:invoke, activity ARNs, states:startExecution (.sync, .sync:2, .waitForTaskToken), sqs:sendMessage, sns:publish, events:putEvents, dynamodb:getItem/putItem/updateItem/deleteItem and aws-sdk:<service>:<action>';

export function taskResourceSupport(resource: string, opts: SupportOptions = {}): Support {
  const parsed = parseResource(resource);
  switch (parsed.kind) {
    case 'lambda-function':
      return { ok: true };
    case 'name':
      return opts.allowBareNames === false
        ? { ok: false, reason: `'${resource}' is not an ARN: only a local task table can answer a bare name, and the deployed engine has none (use a Lambda function ARN)` }
        : { ok: true };
    case 'activity':
      return { ok: true };
    case 'other-arn':
      return { ok: false, reason: `'${resource}' is not a Task resource Stepwright can run (it runs ${SUPPORTED_LIST})` };
    case 'aws-sdk': {
      if (OUT_OF_REACH.has(parsed.service)) return { ok: false, reason: OUT_OF_REACH.get(parsed.service)! };
      if (parsed.pattern !== 'request-response' && parsed.pattern !== 'waitForTaskToken') {
        return { ok: false, reason: `'${resource}': AWS SDK integrations support request-response and .waitForTaskToken, not .${parsed.pattern}` };
      }
      const pkg = sdkPackageFor(parsed.service);
      if (opts.sdkClientInstalled && !opts.sdkClientInstalled(pkg)) {
        return { ok: false, reason: `'${resource}' needs the package ${pkg}, which is not installed (npm install ${pkg})` };
      }
      return { ok: true };
    }
    case 'optimized': {
      if (OUT_OF_REACH.has(parsed.service)) return { ok: false, reason: OUT_OF_REACH.get(parsed.service)! };
      const patterns = OPTIMIZED_INTEGRATIONS.get(`${parsed.service}:${parsed.action}`);
      if (!patterns) return { ok: false, reason: `'${resource}' is not a Task resource Stepwright can run (it runs ${SUPPORTED_LIST})` };
      if (!patterns.includes(parsed.pattern)) {
        const allowed = patterns.map((p) => `'${parsed.service}:${parsed.action}${patternSuffix(p)}'`).join(' and ');
        return { ok: false, reason: `'${resource}': Stepwright runs ${allowed} only` };
      }
      return { ok: true };
    }
  }
}

export interface ResourceIssue {
  /** JSON pointer to the Resource field */
  pointer: string;
  stateName: string;
  resource: string;
  message: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const escape = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Every Task state (nested Parallel branches and Map processors included) whose Resource Stepwright
 * cannot run, as `<pointer to Resource>: <reason>` issues the validator's format prints.
 * `skip` leaves out resources the caller cannot judge (e.g. a CDK token standing for an ARN).
 */
export function unsupportedTaskResources(definition: unknown, opts: SupportOptions & { skip?: (resource: string) => boolean } = {}): ResourceIssue[] {
  const issues: ResourceIssue[] = [];
  const visit = (machine: unknown, at: string): void => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isObject(state)) continue;
      const here = `${at}/States/${escape(name)}`;
      if (state.Type === 'Task' && typeof state.Resource === 'string' && !opts.skip?.(state.Resource)) {
        const support = taskResourceSupport(state.Resource, opts);
        if (!support.ok) issues.push({ pointer: `${here}/Resource`, stateName: name, resource: state.Resource, message: support.reason });
      }
      if (Array.isArray(state.Branches)) state.Branches.forEach((b, i) => visit(b, `${here}/Branches/${i}`));
      if (isObject(state.ItemProcessor)) visit(state.ItemProcessor, `${here}/ItemProcessor`);
      if (isObject(state.Iterator)) visit(state.Iterator, `${here}/Iterator`);
    }
  };
  visit(definition, '');
  return issues;
}
