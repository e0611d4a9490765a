/**
 * Which IAM role a task runs with. As in Step Functions, a state machine's tasks run with that
 * machine's role: the worker assumes it (lambda/aws/assume-role.ts) before invoking them. Pure: the
 * decision here, the STS call in the AWS adapter.
 */

/** The role CreateStateMachine recorded when none was given (service.ts): no role of its own. */
const PLACEHOLDER_ROLE = /^arn:[^:]+:iam::\d{12}:role\/stepwright-execution$/;

/**
 * The role to assume for a task of a machine whose role is `machineRoleArn`, or undefined to run it
 * with the worker's own credentials: when the machine has no role of its own (the placeholder, or a
 * registration from before roles per machine, which recorded the worker's role).
 */
export function roleToAssume(machineRoleArn: string | undefined, workerRoleArn: string | undefined): string | undefined {
  if (!machineRoleArn || PLACEHOLDER_ROLE.test(machineRoleArn)) return undefined;
  if (workerRoleArn && sameRole(machineRoleArn, workerRoleArn)) return undefined;
  return machineRoleArn;
}

/** Role ARNs compared without their path (a session ARN has none), in one partition and account. */
function sameRole(a: string, b: string): boolean {
  const key = (arn: string) => arn.replace(/:role\/(?:.*\/)?([^/]+)$/, ':role/$1');
  return key(a) === key(b);
}

/** Does `roleArn` match one of the patterns (IAM's wildcards: `*` any run of characters, `?` one)? */
export function roleArnAllowed(roleArn: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => new RegExp(`^${p.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`).test(roleArn));
}

/**
 * Why a roleArn given to CreateStateMachine / UpdateStateMachine cannot be used, or undefined when it
 * can. `patterns` are the roles the deployment lets the worker assume (the engine's
 * apiStateMachineRoles); CreateStateMachine must name one, since the engine has no other role to run
 * the machine's tasks with.
 */
export function roleArnProblem(action: 'CreateStateMachine' | 'UpdateStateMachine', roleArn: unknown, patterns: readonly string[]): string | undefined {
  const how = patterns.length === 0
    ? 'this engine lets no state machine created through the API run: list the roles it may assume in the engine\'s apiStateMachineRoles prop'
    : `the engine may assume ${patterns.join(', ')} (its apiStateMachineRoles prop; each role must trust the engine's worker role)`;
  if (roleArn === undefined || roleArn === null) {
    return action === 'CreateStateMachine' ? `1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must not be null (${how})` : undefined;
  }
  if (typeof roleArn !== 'string') return "Value at 'roleArn' must be a string";
  if (!roleArnAllowed(roleArn, patterns)) return `Invalid roleArn '${roleArn}': not a role this engine may assume; ${how}`;
  return undefined;
}
