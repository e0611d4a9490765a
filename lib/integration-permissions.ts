/**
 * Least privilege for a state machine's tasks (issue #15 item 11): the IAM statements each Task state
 * needs, derived from the definition as Step Functions derives them for a machine's role —
 * sqs:SendMessage on the named queue, dynamodb:PutItem on the named table, sns:Publish on the topic,
 * events:PutEvents on the bus, lambda:InvokeFunction on the function, states:StartExecution on the
 * machine, and `<service>:<Action>` for an aws-sdk task. A target chosen at run time (a `.$` path or a
 * JSONata expression) cannot be known here: it is reported in `unresolved`, to be covered by an
 * explicit grant, as Step Functions asks. Pure: no construct is created; the caller attaches the
 * statements to the role its tasks run with.
 */
import { ArnFormat, Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { parseResource } from '../lambda/runtime/integrations/resources';
import { apiActionName } from '../lambda/runtime/integrations/sdk-names';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface UnresolvedTarget {
  /** JSON pointer to the parameter that chooses the target at run time */
  pointer: string;
  /** the IAM action the task needs on it */
  action: string;
  message: string;
}

export interface IntegrationPermissions {
  statements: iam.PolicyStatement[];
  unresolved: UnresolvedTarget[];
}

/** aws-sdk service names whose IAM prefix differs (Step Functions' `sfn` is IAM's `states`). */
const IAM_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['sfn', 'states'],
  ['eventbridge', 'events'],
  ['cloudwatchlogs', 'logs'],
  ['acmpca', 'acm-pca'],
]);

const JSONATA = /^\s*\{%[\s\S]*%\}\s*$/;
const escape = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

export function integrationPermissions(scope: IConstruct, definition: Json): IntegrationPermissions {
  const stack = Stack.of(scope);
  const byAction = new Map<string, Set<string>>();
  const unresolved: UnresolvedTarget[] = [];
  const allow = (action: string, resource: string) => {
    if (!byAction.has(action)) byAction.set(action, new Set());
    byAction.get(action)!.add(resource);
  };
  const arn = (service: string, resource: string, resourceName: string, sep: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME) =>
    stack.formatArn({ service, resource, resourceName, arnFormat: sep });

  const visit = (machine: unknown, at: string): void => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isObject(state)) continue;
      const here = `${at}/States/${escape(name)}`;
      if (state.Type === 'Task' && typeof state.Resource === 'string') taskPermissions(state, here);
      if (Array.isArray(state.Branches)) state.Branches.forEach((b, i) => visit(b, `${here}/Branches/${i}`));
      if (isObject(state.ItemProcessor)) visit(state.ItemProcessor, `${here}/ItemProcessor`);
      if (isObject(state.Iterator)) visit(state.Iterator, `${here}/Iterator`);
    }
  };

  /** A static string parameter, or undefined after recording that a grant must cover it. */
  const target = (args: Json, argsAt: string, field: string, action: string): string | undefined => {
    const value = args[field];
    if (typeof value === 'string' && !JSONATA.test(value)) return value;
    const chosen = typeof value === 'string' ? field : `${field}.$`;
    unresolved.push({ pointer: `${argsAt}/${escape(chosen)}`, action, message: `${action}: the target is chosen at run time; grant it explicitly` });
    return undefined;
  };

  // The worker reads a function's timeout (GetFunctionConfiguration) before running its task inline
  // (lambda/runtime/inline-task.ts): without it, a task goes through a queue message of its own.
  const allowLambda = (fn: string): void => {
    allow('lambda:InvokeFunction', fn);
    allow('lambda:GetFunctionConfiguration', fn);
  };
  const taskPermissions = (state: Json, at: string): void => {
    const resource = state.Resource as string;
    const parsed = parseResource(resource);
    const argsField = isObject(state.Parameters) ? 'Parameters' : 'Arguments';
    const args = isObject(state[argsField]) ? state[argsField] : {};
    const argsAt = `${at}/${argsField}`;
    if (parsed.kind === 'lambda-function' || (Token.isUnresolved(resource) && /^\$\{Token\[[^\]]+\]\}$/.test(resource))) {
      allowLambda(resource);
      return;
    }
    if (parsed.kind === 'aws-sdk') {
      // Step Functions itself grants aws-sdk actions on every resource: the parameters of an arbitrary
      // API do not say which ARN they touch. A narrower grant is the caller's to give.
      allow(`${IAM_PREFIXES.get(parsed.service) ?? parsed.service}:${apiActionName(parsed.action)}`, '*');
      return;
    }
    if (parsed.kind !== 'optimized') return;
    switch (`${parsed.service}:${parsed.action}`) {
      case 'lambda:invoke': {
        const fn = target(args, argsAt, 'FunctionName', 'lambda:InvokeFunction');
        if (fn !== undefined) allowLambda(functionArn(stack, fn));
        return;
      }
      case 'sqs:sendMessage': {
        const url = target(args, argsAt, 'QueueUrl', 'sqs:SendMessage');
        if (url !== undefined) allow('sqs:SendMessage', queueArn(stack, url));
        return;
      }
      case 'sns:publish': {
        const field = typeof args.TargetArn === 'string' || args['TargetArn.$'] !== undefined ? 'TargetArn' : 'TopicArn';
        const topic = target(args, argsAt, field, 'sns:Publish');
        if (topic !== undefined) allow('sns:Publish', topic);
        return;
      }
      case 'events:putEvents': {
        const entries = Array.isArray(args.Entries) ? args.Entries : undefined;
        if (!entries) {
          unresolved.push({ pointer: `${argsAt}/Entries`, action: 'events:PutEvents', message: 'events:PutEvents: the entries are chosen at run time; grant the event buses explicitly' });
          return;
        }
        entries.forEach((entry, i) => {
          if (!isObject(entry)) return;
          const bus = entry.EventBusName === undefined && entry['EventBusName.$'] === undefined ? 'default' : target(entry, `${argsAt}/Entries/${i}`, 'EventBusName', 'events:PutEvents');
          if (bus !== undefined) allow('events:PutEvents', bus.startsWith('arn:') ? bus : arn('events', 'event-bus', bus));
        });
        return;
      }
      case 'states:startExecution': {
        const machine = target(args, argsAt, 'StateMachineArn', 'states:StartExecution');
        if (machine !== undefined) allow('states:StartExecution', machine);
        return;
      }
      default:
        if (parsed.service === 'dynamodb') {
          const action = `dynamodb:${apiActionName(parsed.action)}`;
          const table = target(args, argsAt, 'TableName', action);
          if (table !== undefined) allow(action, table.startsWith('arn:') ? table : arn('dynamodb', 'table', table));
        }
    }
  };

  visit(definition, '');
  // one statement per action, its resources sorted: a stable template
  const statements = [...byAction.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, resources]) => new iam.PolicyStatement({ actions: [action], resources: [...resources].sort() }));
  return { statements, unresolved };
}

/** A Lambda FunctionName as Lambda accepts it (name, name:qualifier, partial or full ARN) -> its ARN. */
function functionArn(stack: Stack, name: string): string {
  if (name.startsWith('arn:') || Token.isUnresolved(name)) return name;
  const partial = /^(\d{12}):function:(.+)$/.exec(name);
  return stack.formatArn({ service: 'lambda', resource: 'function', resourceName: partial ? partial[2] : name, arnFormat: ArnFormat.COLON_RESOURCE_NAME, ...(partial ? { account: partial[1] } : {}) });
}

/** https://sqs.<region>.amazonaws.com/<account>/<name> -> arn:<partition>:sqs:<region>:<account>:<name> */
function queueArn(stack: Stack, url: string): string {
  if (Token.isUnresolved(url)) {
    // a queue's URL token (queue.queueUrl): its account and name are the URL's 4th and 5th segments
    const parts = Fn.split('/', url);
    return `arn:${stack.partition}:sqs:${stack.region}:${Fn.select(3, parts)}:${Fn.select(4, parts)}`;
  }
  const m = /^https:\/\/sqs\.([^.]+)\.[^/]+\/(\d{12})\/([^/]+)$/.exec(url);
  if (m) return `arn:${stack.partition}:sqs:${m[1]}:${m[2]}:${m[3]}`;
  // not a queue URL (a bare name): the queue of that name in this stack's account and region
  return stack.formatArn({ service: 'sqs', resource: url.split('/').pop() ?? url, arnFormat: ArnFormat.NO_RESOURCE_NAME });
}
