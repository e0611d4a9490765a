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

export function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}
