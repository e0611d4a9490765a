/**
 * `stepwright.config.json`, the local server's configuration: which state machines to create at start,
 * which local functions answer Task resources, and which resources go to real AWS Lambda instead.
 *
 *   { "stateMachines": [{ "name": "exam-results", "definition": "examples/exam-results/definition.json", "roleArn": "..." }],
 *     "tasks": "examples/tasks.js"  |  { "<resource ARN or function name>": "path/to/module.js#exportName" },
 *     "remoteLambda": { "resources": ["arn:aws:lambda:*:*:function:prod-*"], "region": "eu-west-1" },
 *     "integrations": { "sqs": { "port": 9324, "queues": ["approvals"] }, "endpoints": { "sns": "http://..." } } }
 *
 * Paths are relative to the config file, so the server works from any directory. Everything is checked
 * at load, and each error names its field ("stepwright.config.json: stateMachines[0].definition: ..."),
 * so a typo fails at start and not at the first execution that needs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { validateDefinition, formatIssues } from '../asl/validate';
import type { StateMachineDefinition } from '../engine/definition';
import type { TaskInvoker } from '../ports';
import { LambdaTaskInvoker, lambdaTarget } from '../aws/lambda-invoker';
import { LocalTaskInvoker } from './local-invoker';
import { checkSettings, VALID_NAME } from '../runtime/service';
import type { StateMachineSettings } from '../ports';
import { loadTaskModule } from './task-module';
import { resolverFromTable } from './tasks';
import type { TaskFunction, TaskResolver } from './runner';
import { checkIntegrations, type IntegrationsConfig } from './integrations-config';

export interface ConfiguredStateMachine {
  name: string;
  /** retention, name policy, runaway guard (see StateMachineSettings) */
  settings?: StateMachineSettings;
  definition: StateMachineDefinition;
  /** the definition as JSON text: the file's content, or the inline object serialised */
  definitionText: string;
  roleArn?: string;
}

export interface LoadedConfig {
  file: string;
  stateMachines: ConfiguredStateMachine[];
  invoker: TaskInvoker;
  remoteLambda?: { resources: string[]; region?: string; endpoint?: string };
  /** where service integrations go (the SQS emulator's port and queues, endpoints per service) */
  integrations?: IntegrationsConfig;
}

/** A problem in the config: the message is meant for the user as it is (no stack trace needed). */
export class ConfigError extends Error {
  name = 'ConfigError';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const ROLE_ARN = /^arn:[^:]+:iam::\d{12}:role\/.+$/;

/** `lambdaClient`: used for remoteLambda instead of a client built from its region (tests pass a stub). */
export function loadConfig(file: string, opts: { lambdaClient?: LambdaClient } = {}): LoadedConfig {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`${file}: ${field ? `${field}: ` : ''}${message}`);
  };
  const dir = dirname(resolve(file));
  const raw = readJson(resolve(file), (m) => fail('', m));
  if (!isObject(raw)) return fail('', 'must be a JSON object');
  checkKeys(raw, ['$schema', 'stateMachines', 'tasks', 'remoteLambda', 'integrations'], '', fail);

  const stateMachines = loadStateMachines(raw.stateMachines, dir, fail);
  const resolver = loadTasks(raw.tasks, dir, fail);
  const remoteLambda = checkRemote(raw.remoteLambda, fail);
  const hybrid = remoteLambda && {
    remote: new LambdaTaskInvoker({ client: opts.lambdaClient ?? new LambdaClient({ region: remoteLambda.region, endpoint: remoteLambda.endpoint }) }),
    remoteResources: remoteMatcher(remoteLambda.resources),
  };
  const integrations = checkIntegrations(raw.integrations, fail);
  return { file, stateMachines, invoker: new LocalTaskInvoker(resolver, hybrid), remoteLambda, ...(integrations ? { integrations } : {}) };
}

type Fail = (field: string, message: string) => never;

function readJson(path: string, fail: (message: string) => never): unknown {
  if (!existsSync(path)) return fail(`file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON: ${(e as Error).message}`);
  }
}

function checkKeys(obj: Json, allowed: string[], field: string, fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(field, `unknown field '${key}' (expected one of: ${allowed.join(', ')})`);
  }
}

function loadStateMachines(value: unknown, dir: string, fail: Fail): ConfiguredStateMachine[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail('stateMachines', 'must be an array');
  const seen = new Set<string>();
  return value.map((entry, i): ConfiguredStateMachine => {
    const at = `stateMachines[${i}]`;
    if (!isObject(entry)) return fail(at, 'must be an object');
    checkKeys(entry, ['name', 'definition', 'roleArn', 'settings'], at, fail);
    const { name, roleArn } = entry;
    if (typeof name !== 'string' || !VALID_NAME.test(name)) {
      return fail(`${at}.name`, 'must be 1 to 80 characters without whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /');
    }
    if (seen.has(name)) fail(`${at}.name`, `'${name}' is used by an earlier state machine`);
    seen.add(name);
    if (roleArn !== undefined && (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn))) {
      fail(`${at}.roleArn`, 'must be an IAM role ARN (arn:aws:iam::123456789012:role/name)');
    }
    const field = `${at}.definition`;
    let definition: unknown;
    let definitionText: string;
    if (typeof entry.definition === 'string') {
      const path = resolve(dir, entry.definition);
      definition = readJson(path, (m) => fail(field, m));
      definitionText = readFileSync(path, 'utf8');
    } else if (isObject(entry.definition)) {
      definition = entry.definition;
      definitionText = JSON.stringify(definition);
    } else {
      return fail(field, 'must be a file path (relative to the config file) or an inline definition object');
    }
    const issues = validateDefinition(definition);
    if (issues.length > 0) fail(field, `invalid definition (${issues.length} problem${issues.length > 1 ? 's' : ''}):\n${formatIssues(issues)}`);
    let settings: StateMachineSettings | undefined;
    try {
      settings = checkSettings(entry.settings);
    } catch (e) {
      fail(`${at}.settings`, (e as Error).message);
    }
    return { name, definition: definition as StateMachineDefinition, definitionText, ...(roleArn !== undefined ? { roleArn } : {}), ...(settings ? { settings } : {}) };
  });
}

function loadTasks(value: unknown, dir: string, fail: Fail): TaskResolver | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const path = modulePath(resolve(dir, value), 'tasks', fail);
    try {
      return loadTaskModule(path);
    } catch (e) {
      return fail('tasks', `cannot load ${path}: ${(e as Error).message}`);
    }
  }
  if (!isObject(value)) return fail('tasks', 'must be a module path, or an object mapping resources to "module.js#exportName"');
  // a Map: a resource named "__proto__" would set a plain object's prototype instead of a key
  const table = new Map<string, TaskFunction>();
  for (const [key, spec] of Object.entries(value)) {
    const field = `tasks[${JSON.stringify(key)}]`;
    if (typeof spec !== 'string' || spec === '') return fail(field, 'must be a string "path/to/module.js#exportName"');
    const hash = spec.lastIndexOf('#');
    const exportName = hash >= 0 ? spec.slice(hash + 1) : undefined;
    const path = modulePath(resolve(dir, hash >= 0 ? spec.slice(0, hash) : spec), field, fail);
    let mod: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the user's task module is named by the config at run time and loaded synchronously (a .ts one through tsx's require hook)
      mod = require(path);
    } catch (e) {
      return fail(field, `cannot load ${path}: ${(e as Error).message}`);
    }
    const fn = pickExport(mod, exportName);
    if (!fn) return fail(field, exportName ? `${path} has no function export '${exportName}'` : `${path} exports no single function; name one with '#exportName'`);
    table.set(key, fn);
  }
  return resolverFromTable(table);
}

/** `#name` picks that export; without it the module itself (module.exports = fn) or its default export. */
function pickExport(mod: unknown, exportName: string | undefined): TaskFunction | undefined {
  const m = mod as Record<string, unknown> | undefined;
  // own exports only: '#constructor' names no export, not the module object's constructor
  const candidate = exportName ? (m && Object.hasOwn(m, exportName) ? m[exportName] : undefined) : typeof mod === 'function' ? mod : m?.default;
  return typeof candidate === 'function' ? (candidate as TaskFunction) : undefined;
}

/** require() accepts a path without extension; say "not found" here rather than with a require stack. */
function modulePath(path: string, field: string, fail: Fail): string {
  try {
    return require.resolve(path);
  } catch {
    return fail(field, `file not found: ${path}`);
  }
}

function checkRemote(value: unknown, fail: Fail): LoadedConfig['remoteLambda'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) return fail('remoteLambda', 'must be an object {resources, region?}');
  checkKeys(value, ['resources', 'region', 'endpoint'], 'remoteLambda', fail);
  const { resources, region, endpoint } = value;
  if (!Array.isArray(resources) || resources.length === 0) return fail('remoteLambda.resources', 'must be a non-empty array of function ARNs or names (* and ? match any text)');
  resources.forEach((r, i) => {
    if (typeof r !== 'string' || r === '') fail(`remoteLambda.resources[${i}]`, 'must be a non-empty string');
  });
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))) fail('remoteLambda.region', `must be an AWS region such as "eu-west-1"`);
  if (endpoint !== undefined && typeof endpoint !== 'string') fail('remoteLambda.endpoint', 'must be a URL string');
  return { resources: resources as string[], ...(region !== undefined ? { region } : {}), ...(endpoint !== undefined ? { endpoint } : {}) };
}

/**
 * Which tasks go to AWS: a pattern (* and ? wildcards) is an ARN or a function name. A direct function
 * ARN is matched as written; for lambda:invoke the FunctionName is, and a bare name (or partial ARN)
 * there is compared with the function-name part of ARN patterns. Other resources always stay local.
 */
export function remoteMatcher(patterns: string[]): (resource: string, input: unknown) => boolean {
  const compiled = patterns.map((p) => ({ isArn: p.startsWith('arn:'), full: glob(p), name: glob(functionNameOf(p)) }));
  return (resource, input) => {
    const target = lambdaTarget(resource, input);
    if (!target || typeof target.functionName !== 'string') return false;
    const full = target.integration ? target.functionName : resource;
    const fullArn = full.startsWith('arn:');
    return compiled.some((p) => (p.isArn && fullArn ? p.full.test(full) : p.name.test(functionNameOf(full))));
  };
}

/** "arn:...:function:name[:q]", "123:function:name[:q]" or "name[:q]" -> "name" */
function functionNameOf(s: string): string {
  const m = /(?:^|:)function:([^:]+)/.exec(s);
  return m ? m[1] : s.split(':')[0];
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
