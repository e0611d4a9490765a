/**
 * Names the engine derives from ARNs: Map Run ARNs of spread Maps, and the resource type and region
 * a Task's history events show. Pure string helpers, imported by the runtime as well.
 */

/** The Map Run ARN of a spread Map (AWS names Map Runs under :mapRun:). */
export function mapRunArnOf(fanId: string): string {
  return fanId.replace(':execution:', ':mapRun:');
}

/** A spread fan-out's id from its Map Run ARN. */
export function fanIdOfMapRun(mapRunArn: string): string {
  return mapRunArn.replace(':mapRun:', ':execution:');
}

/** The Map Run ARN a distributed Map run inline (not spread) reports: the execution's, under :mapRun:, with the state's name. */
export function inlineMapRunArnOf(executionArn: string, stateName: string): string {
  return `${executionArn.replace(':execution:', ':mapRun:')}/${stateName}`;
}

/** "arn:aws:states:::lambda:invoke.waitForTaskToken" -> resourceType "lambda", resource "invoke.waitForTaskToken". */
export function splitResource(resource: string): { resourceType: string; resourceName: string } {
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  if (m) return { resourceType: m[1], resourceName: m[2] };
  return { resourceType: 'activity', resourceName: resource };
}

/**
 * The AWS partition of a region, as ARNs spell it: aws-cn in China, aws-us-gov in GovCloud, the
 * isolated partitions, aws elsewhere. ARNs the engine builds use it, so a deployment in cn-north-1
 * names its machines arn:aws-cn:states:... as Step Functions there does.
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** An IAM role's ARN in the region's partition (the role a machine created without one is recorded with). */
export function roleArnIn(region: string, accountId: string, roleName: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
}

export function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}
