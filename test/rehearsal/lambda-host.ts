/**
 * One rehearsed Lambda function: its asset folder from cdk.out run in a child Node process
 * (lambda-runtime-shim.js) with exactly the environment the template gives it, resolved, plus what
 * the Lambda service itself sets (region, function name, the role's credentials, handler, task root)
 * and the rehearsal's endpoint. Nothing of the test process leaks in: no inherited variables, and the
 * only modules outside the asset are the AWS SDK's, as in the Node.js runtime.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { FunctionSpec, Resolver } from './template';

export type Invocation = { ok: true; result: any } | { ok: false; errorType: string; errorMessage: string };

const SHIM = path.join(__dirname, 'lambda-runtime-shim.js');

/** A folder that holds what the Node.js 22 runtime provides besides the asset: the AWS SDK v3. */
export function runtimeModules(dir: string, projectRoot: string): string {
  const modules = path.join(dir, 'runtime', 'node_modules');
  mkdirSync(modules, { recursive: true });
  symlinkSync(path.join(projectRoot, 'node_modules', '@aws-sdk'), path.join(modules, '@aws-sdk'), 'dir');
  return modules;
}

export interface HostOptions {
  spec: FunctionSpec;
  resolver: Resolver;
  account: string;
  region: string;
  endpoint: string;
  nodePath: string;
}

export class LambdaHost {
  readonly env: Record<string, string>;
  readonly logs: string[] = [];
  private readonly child: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<number, (r: Invocation) => void>();

  constructor(readonly opts: HostOptions) {
    const { spec, resolver } = opts;
    if (!spec.assetDir) throw new Error(`${spec.id} has no asset in cdk.out (inline code?)`);
    const templateEnv = Object.fromEntries(Object.entries(spec.environment).map(([k, v]) => [k, resolver.text(v)]));
    this.env = {
      ...templateEnv,
      // what the Lambda service sets for every function
      AWS_REGION: opts.region,
      AWS_DEFAULT_REGION: opts.region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: spec.id,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(spec.timeoutSeconds),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.id}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'rehearsal',
      // the role's credentials: the access key id names the function, so the endpoint knows who called
      AWS_ACCESS_KEY_ID: spec.id,
      AWS_SECRET_ACCESS_KEY: 'rehearsal',
      AWS_SESSION_TOKEN: 'rehearsal',
      LAMBDA_TASK_ROOT: spec.assetDir,
      _HANDLER: spec.handler,
      TZ: ':UTC',
      NODE_PATH: opts.nodePath,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      REHEARSAL_FUNCTION_ARN: `arn:aws:lambda:${opts.region}:${opts.account}:function:${spec.id}`,
      // the rehearsal's stand-in for every AWS endpoint (the SDK reads it; on AWS it is unset)
      AWS_ENDPOINT_URL: opts.endpoint,
    };
    this.child = fork(SHIM, [], { cwd: spec.assetDir, env: this.env, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const log = (b: Buffer) => this.logs.push(b.toString());
    this.child.stdout!.on('data', log);
    this.child.stderr!.on('data', log);
    this.child.on('message', ({ id, ...invocation }: Invocation & { id: number }) => {
      this.waiting.get(id)?.(invocation);
      this.waiting.delete(id);
    });
    this.child.on('exit', (code) => {
      for (const done of this.waiting.values()) done({ ok: false, errorType: 'Runtime.ExitError', errorMessage: `exited with ${code}: ${this.logs.join('')}` });
      this.waiting.clear();
    });
  }

  invoke(event: unknown): Promise<Invocation> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, event });
    });
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
