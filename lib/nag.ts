/**
 * Acknowledging cdk-nag findings through CDK's own Validations API (cdk-nag v3 reads these), so
 * the constructs need no cdk-nag dependency. Every acknowledgment carries its reason.
 */
import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges rule `id` on `scope` and everything under it; with `findings`, only those findings
 * (cdk-nag's granular ids, `Rule[Finding]`, e.g. `AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]`).
 */
export function acknowledge(scope: IConstruct, id: string, reason: string, findings?: string[]): void {
  const v = Validations.of(scope);
  if (!findings) v.acknowledge({ id, reason });
  else for (const f of findings) v.acknowledge({ id: `${id}[${f}]`, reason });
}

/** The logical id of a construct's CloudFormation resource, as cdk-nag writes it in findings (`<LogicalId.Arn>`). */
export function refOf(construct: IConstruct): string {
  const cfn = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(cfn instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve(cfn.logicalId) as string;
}
