/** Building stacks for the CDK tests: cdk.json's feature flags, bundling skipped (no esbuild runs). */
import { App, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { StepwrightEngine, type StepwrightEngineProps } from '../../lib/stepwright-engine';
import { StepwrightStack, type StepwrightStackProps } from '../../lib/stepwright-stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

export const ENV = { account: '123456789012', region: 'us-east-1' };

export function newApp(bundle = false): App {
  return new App({ context: { ...cdkJson.context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
}

export function buildStack(props: StepwrightStackProps = {}): { app: App; stack: StepwrightStack; template: Template } {
  const app = newApp();
  const stack = new StepwrightStack(app, 'Test', { env: ENV, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

/** A bare stack holding one engine, for construct-level tests. */
export function engineStack(props: StepwrightEngineProps = {}, stackProps: StackProps = { env: ENV }): { app: App; stack: Stack; engine: StepwrightEngine } {
  const app = newApp();
  const stack = new Stack(app, 'EngineTest', stackProps);
  const engine = new StepwrightEngine(stack, 'Engine', props);
  return { app, stack, engine };
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resource(template: Template, type: string, prefix: string): { id: string; props: Record<string, any>; raw: Record<string, any> } {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  const [id, raw] = found[0];
  return { id, props: raw.Properties ?? {}, raw };
}

/** Every statement of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: string): Record<string, any>[] {
  const role = resource(template, 'AWS::IAM::Role', rolePrefix);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) =>
    (p.Properties.Roles ?? []).some((r: any) => r.Ref === role.id),
  );
  const inline = (role.props.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
  return [...inline, ...policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement)];
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Actions granted to a role, with the resources of each statement. */
export function grants(template: Template, rolePrefix: string): { action: string; resources: unknown[] }[] {
  return statementsOf(template, rolePrefix).flatMap((s) => asArray<string>(s.Action).map((action) => ({ action, resources: asArray(s.Resource) })));
}

/** cdk-nag AwsSolutions findings left after the acknowledgments. */
export function violations(scope: IConstruct) {
  return new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(scope).violations;
}

/** Every acknowledgment recorded in the tree: rule id -> reasons. */
export function acknowledgments(scope: IConstruct): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of scope.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        const key = id.replace(/^annotation::/i, '');
        out.set(key, [...(out.get(key) ?? []), reason]);
      }
    }
  }
  return out;
}
